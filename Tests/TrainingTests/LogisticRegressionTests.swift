import Foundation
import XCTest
import Training

final class LogisticRegressionTests: XCTestCase {
    /// x = (−1, 1), y = (0, 1), C = 1: by symmetry b = 0 and w solves w = 2σ(−w), w = 0.6748316143423994.
    func testOneDimensionalByHand() throws {
        let m = try LogisticRegression.fit(x: [-1, 1], n: 2, d: 1, y: [0, 1])
        XCTAssertEqual(m.weights[0], 0.6748316143423994, accuracy: 1e-9)
        XCTAssertEqual(m.intercept, 0, accuracy: 1e-9)
        let p = try m.probabilities(x: [-1, 1], n: 2)
        XCTAssertEqual(p[0] + p[1], 1, accuracy: 1e-12)
    }

    /// On random data with soft labels and sample weights, the solution satisfies the optimality
    /// condition of the sklearn objective (computed here independently): w + C Σ s (p − y) x = 0,
    /// Σ s (p − y) = 0.
    func testStationarityOnRandomSoftLabels() throws {
        let n = 60, d = 5, C = 0.5
        let x = f32(randomDoubles(n * d, seed: 200, scale: 2))
        let y = randomDoubles(n, seed: 201).map { ($0 + 1) / 2 }
        let s = randomDoubles(n, seed: 202).map { 1 + $0 * 0.5 }
        let m = try LogisticRegression.fit(x: x, n: n, d: d, y: y, sampleWeights: s, C: C)
        let p = try m.probabilities(x: x, n: n)
        var gw = m.weights, gb = 0.0
        for i in 0..<n {
            let r = C * s[i] * (p[i] - y[i])
            gb += r
            for j in 0..<d { gw[j] += r * Double(x[i * d + j]) }
        }
        for g in gw + [gb] { XCTAssertEqual(g, 0, accuracy: 1e-7) }
        XCTAssertGreaterThan(m.weights.map(abs).max()!, 1e-3, "non-trivial solution")
    }

    func testSampleWeightTwoEqualsDuplicatedSample() throws {
        let x: [Float] = [0.5, -1, 2, 0.3, -0.7, 1.1]
        let a = try LogisticRegression.fit(x: x, n: 3, d: 2, y: [1, 0, 1], sampleWeights: [2, 1, 1])
        let b = try LogisticRegression.fit(x: x + [0.5, -1], n: 4, d: 2, y: [1, 0, 1, 1])
        for (u, v) in zip(a.weights + [a.intercept], b.weights + [b.intercept]) { XCTAssertEqual(u, v, accuracy: 1e-8) }
    }

    func testBadInputsThrow() {
        XCTAssertThrowsError(try LogisticRegression.fit(x: [1, 2], n: 2, d: 1, y: [0, 1.5])) {
            XCTAssertTrue("\($0)".contains("target 1"), "\($0)")
        }
        XCTAssertThrowsError(try LogisticRegression.fit(x: [1, 2, 3], n: 2, d: 1, y: [0, 1]))
        XCTAssertThrowsError(try LogisticRegression.fit(x: [1, .nan], n: 2, d: 1, y: [0, 1]))
        XCTAssertThrowsError(try LogisticRegression.fit(x: [1, 2], n: 2, d: 1, y: [0, 1], sampleWeights: [1, -1]))
    }
}
