import XCTest
import Metrics

final class StatisticsTests: XCTestCase {
    func testMeanAndStandardDeviations() throws {
        let x = [2.0, 4, 4, 4, 5, 5, 7, 9]   // mean 5, Σ(x−5)² = 32
        XCTAssertEqual(try mean(x), 5)
        XCTAssertEqual(try populationSD(x), 2)                       // sqrt(32/8)
        XCTAssertEqual(try sampleSD(x), (32.0 / 7).squareRoot(), accuracy: 1e-15)
        XCTAssertThrowsError(try mean([]))
        XCTAssertThrowsError(try sampleSD([1]))
        XCTAssertEqual(try populationSD([3]), 0)
    }

    func testPercentileMatchesNumpyLinear() throws {
        // np.percentile([3, 1, 2, 10], 30) = 1.9, (…, 90) = 7.900000000000001
        XCTAssertEqual(try percentile([3, 1, 2, 10], 30), 1.9, accuracy: 1e-15)
        XCTAssertEqual(try percentile([3, 1, 2, 10], 90), 7.900000000000001)
        XCTAssertEqual(try percentile([3, 1, 2, 10], 0), 1)
        XCTAssertEqual(try percentile([3, 1, 2, 10], 100), 10)
        XCTAssertThrowsError(try percentile([1], 101))
    }

    func testBootstrapMatchesNumpy() throws {
        // rng = RandomState(3); means = [x[rng.randint(0, 8, size=8)].mean() for _ in range(1000)]
        // np.percentile(means, [2.5, 97.5]) = [0.23125, 0.61875]
        let x = [0.1, 0.4, 0.35, 0.8, 0.2, 0.55, 0.9, 0.05]
        let ci = try bootstrapMeanCI(x, resamples: 1000, seed: 3)
        XCTAssertEqual(ci.lower, 0.23125, accuracy: 1e-12)
        XCTAssertEqual(ci.upper, 0.61875, accuracy: 1e-12)
        XCTAssertEqual(ci.estimate, 0.41875, accuracy: 1e-15)
        XCTAssertEqual(try bootstrapMeanCI(x, resamples: 1000, seed: 3), ci)   // same seed, same result
        XCTAssertThrowsError(try bootstrapMeanCI([], seed: 0))
        XCTAssertThrowsError(try bootstrapMeanCI(x, resamples: 0, seed: 0))
    }

    func testLinearRegressionHandComputed() throws {
        // y = 2x + 1 exactly: slope 2, intercept 1, r 1.
        let fit = try linearRegression(x: [0, 1, 2, 3], y: [1, 3, 5, 7])
        XCTAssertEqual(fit.slope, 2, accuracy: 1e-15)
        XCTAssertEqual(fit.intercept, 1, accuracy: 1e-15)
        XCTAssertEqual(fit.r, 1, accuracy: 1e-15)
        // x = (1,2,3), y = (2,1,3): x̄ 2, ȳ 2, Sxy = (−1)(0)+(0)(−1)+(1)(1) = 1, Sxx = 2, Syy = 2.
        let f2 = try linearRegression(x: [1, 2, 3], y: [2, 1, 3])
        XCTAssertEqual(f2.slope, 0.5, accuracy: 1e-15)
        XCTAssertEqual(f2.intercept, 1, accuracy: 1e-15)
        XCTAssertEqual(f2.r, 0.5, accuracy: 1e-15)
        XCTAssertTrue(try linearRegression(x: [1, 2], y: [4, 4]).r.isNaN)
        XCTAssertThrowsError(try linearRegression(x: [1, 1], y: [1, 2]))
        XCTAssertThrowsError(try linearRegression(x: [1, 2], y: [1]))
    }
}
