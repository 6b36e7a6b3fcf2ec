import Metrics
import XCTest
import Plots

final class NiceTicksTests: XCTestCase {
    func check(_ lo: Double, _ hi: Double, _ target: Int, step: Double, labels: [String],
               file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try niceTicks(minimum: lo, maximum: hi, target: target)
        XCTAssertEqual(t.step, step, accuracy: step * 1e-12, file: file, line: line)
        XCTAssertEqual(t.labels, labels, file: file, line: line)
        XCTAssertLessThanOrEqual(t.lower, lo, file: file, line: line)
        XCTAssertGreaterThanOrEqual(t.upper, hi, file: file, line: line)
    }

    func testHandComputedTicks() throws {
        try check(0, 1, 5, step: 0.2, labels: ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        try check(0, 0.93, 5, step: 0.2, labels: ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        try check(-3.7, 12.1, 6, step: 5, labels: ["-5", "0", "5", "10", "15"])
        try check(0.443, 0.812, 5, step: 0.1, labels: ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9"])
        try check(3, 3, 5, step: 0.5, labels: ["2.0", "2.5", "3.0", "3.5", "4.0"])
        try check(0, 1200, 4, step: 500, labels: ["0", "500", "1000", "1500"])
        try check(-0.031, -0.002, 3, step: 0.01, labels: ["-0.04", "-0.03", "-0.02", "-0.01", "0.00"])
        // Rounding noise around 0: short scientific labels instead of 17 decimals.
        try check(-1.1e-16, 0.9e-16, 4, step: 5e-17, labels: ["-1.5e-16", "-1e-16", "-5e-17", "0", "5e-17", "1e-16"])
        try check(0, 2e-6, 4, step: 5e-7, labels: ["0", "5e-07", "1e-06", "1.5e-06", "2e-06"])
    }

    func testBadRangesThrow() {
        XCTAssertThrowsError(try niceTicks(minimum: 1, maximum: 0))
        XCTAssertThrowsError(try niceTicks(minimum: .nan, maximum: 1))
        XCTAssertThrowsError(try log2Ticks(minimum: 0, maximum: 4))
        XCTAssertThrowsError(try niceTicks(minimum: -1e308, maximum: 1e308))
        XCTAssertThrowsError(try niceTicks(minimum: 0, maximum: Double.leastNonzeroMagnitude * 4))
        XCTAssertThrowsError(try histogramCounts([0], bins: 10, lower: 0, upper: Double.leastNonzeroMagnitude * 4))
    }

    func testLog2Ticks() throws {
        let a = try log2Ticks(minimum: 1, maximum: 40)
        XCTAssertEqual(a.values, [1, 2, 4, 8, 16, 32, 64])
        XCTAssertEqual(a.labels, ["1", "2", "4", "8", "16", "32", "64"])
        let b = try log2Ticks(minimum: 0.5, maximum: 4)
        XCTAssertEqual(b.labels, ["0.5", "1", "2", "4"])
    }
}

final class StatisticsTests: XCTestCase {
    func testHistogramBinningOfHandMadeData() throws {
        let v = [0, 0.1, 0.25, 0.5, 0.74, 0.75, 0.99, 1.0, -0.1, 1.2]
        let h = try histogramCounts(v, bins: 4, lower: 0, upper: 1)
        XCTAssertEqual(h.counts, [2, 1, 2, 3])
        XCTAssertEqual(h.below, 1)
        XCTAssertEqual(h.above, 1)
        XCTAssertEqual(h.inside, 8)
        XCTAssertEqual(h.edge(1), 0.25)
        XCTAssertEqual(h.edge(4), 1.0)
        XCTAssertThrowsError(try histogramCounts([0.5, .nan], bins: 4, lower: 0, upper: 1))
        XCTAssertThrowsError(try histogramCounts([0.5], bins: 0, lower: 0, upper: 1))
        XCTAssertThrowsError(try histogramCounts([0.5], bins: 2, lower: 1, upper: 1))
    }

    func testFitLegendFormatsTheRegressionLine() throws {
        // Sxx = 5, Sxy = 4, Syy = 5 by hand: slope 0.8, intercept 3.5 - 0.8 * 2.5 = 1.5, r = 0.8.
        let f = try linearRegression(x: [1, 2, 3, 4], y: [2, 3, 5, 4])
        XCTAssertEqual(fitLegend(name: "m", fit: f, n: 4), "m: y = 0.800x + 1.500, r = 0.80, n = 4")
        XCTAssertEqual(fitLegend(name: "m", fit: try linearRegression(x: [0, 1], y: [-0.25, -0.5]), n: 2),
                       "m: y = -0.250x - 0.250, r = -1.00, n = 2")
        XCTAssertEqual(fitLegend(name: "c", fit: try linearRegression(x: [1, 2, 3], y: [5, 5, 5]), n: 3),
                       "c: y = 0.000x + 5.000, r = n/a, n = 3")
    }
}
