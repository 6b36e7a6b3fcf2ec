import Foundation
import Numerics
import Training
import XCTest

/// Paper A's linear probes: standardise, truncated SVD, one logistic regression per label.
final class LinearProbeTests: XCTestCase {
    /// 40 points in 8 dimensions; label 0 is the sign of a direction shared by features 0-5 (as in
    /// hidden states, a signal spread over many features, so it dominates the standardised
    /// variance and the top SVD component; features 0-5 also carry a large offset that the
    /// standardisation removes), label 1 is never present, label 2 is a soft target.
    func data() -> (x: [Float], y: [Double], n: Int, d: Int) {
        var rng = SplitMix64(seed: 3)
        let n = 40, d = 8
        var x = [Float](), y = [Double]()
        for i in 0..<n {
            let sign: Float = i % 2 == 0 ? 1 : -1
            var row = (0..<d).map { _ in (rng.nextUniform() - 0.5) * 0.2 }
            let signal = sign * (1 + rng.nextUniform())
            for j in 0..<6 { row[j] += 100 + signal }
            x += row
            y += [sign > 0 ? 1 : 0, 0, sign > 0 ? 0.8 : 0.2]
        }
        return (x, y, n, d)
    }

    func testFitsSeparableLabelsAndConstantOnes() throws {
        let (x, y, n, d) = data()
        let probe = try LinearProbe.fit(x: x, n: n, d: d, y: y, labelCount: 3, factor: 4)
        XCTAssertEqual(probe.svd.k, 2, "d / 4 components")
        let p = try probe.probabilities(x: x, n: n)
        for i in 0..<n {
            XCTAssertEqual(p[i * 3] > 0.5, y[i * 3] == 1, "row \(i)")
            XCTAssertEqual(p[i * 3 + 1], 1e-6, accuracy: 1e-9, "a label never present: the clipped training rate")
        }
        // Soft targets: the probe's mean probability on each side is near the target.
        let soft: [Double] = (0..<n).map { (i: Int) -> Double in p[i * 3 + 2] }
        let pos: [Double] = stride(from: 0, to: n, by: 2).map { soft[$0] }
        let neg: [Double] = stride(from: 1, to: n, by: 2).map { soft[$0] }
        XCTAssertEqual(pos.reduce(0, +) / Double(pos.count), 0.8, accuracy: 0.05)
        XCTAssertEqual(neg.reduce(0, +) / Double(neg.count), 0.2, accuracy: 0.05)
        // Deterministic.
        XCTAssertEqual(try LinearProbe.fit(x: x, n: n, d: d, y: y, labelCount: 3, factor: 4), probe)
        XCTAssertThrowsError(try LinearProbe.fit(x: x, n: n, d: d, y: Array(y.dropLast()), labelCount: 3))
    }
}
