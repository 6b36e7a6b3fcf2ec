import Foundation
import Numerics
import XCTest

/// Truncated SVD against a matrix built from known singular vectors and values.
final class TruncatedSVDTests: XCTestCase {
    func testRecoversKnownComponents() throws {
        // X = U·diag(5, 2, 0.5)·Vᵀ with V's columns orthonormal in R⁴ and U's in R⁶.
        let s: [Double] = [5, 2, 0.5]
        let v: [[Double]] = [[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0.5, 0.5, -0.5, -0.5]]
        let r = 1 / 3.0.squareRoot()
        let u: [[Double]] = [[r, r, r, 0, 0, 0], [0, 0, 0, r, r, r], [r, -r, 0, r, -r, 0].map { $0 * (3.0 / 4).squareRoot() }]
        let n = 6, d = 4
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { x[i * d + j] = Float((0..<3).reduce(0.0) { $0 + u[$1][i] * s[$1] * v[$1][j] }) } }
        let svd = try TruncatedSVD.fit(x: x, n: n, d: d, k: 2)
        XCTAssertEqual(svd.singularValues[0], 5, accuracy: 1e-4)
        XCTAssertEqual(svd.singularValues[1], 2, accuracy: 1e-4)
        for c in 0..<2 {
            // The sign convention: the largest-magnitude entry is positive (ties: the first).
            for j in 0..<d { XCTAssertEqual(abs(svd.components[c * d + j]), Float(abs(v[c][j])), accuracy: 1e-4) }
            let row = Array(svd.components[(c * d)..<((c + 1) * d)])
            XCTAssertGreaterThan(row[row.indices.max { abs(row[$0]) < abs(row[$1]) }!], 0)
        }
        // transform = X·Vₖᵀ: row i's coordinates are u_c[i]·s_c (up to each component's sign).
        let t = try svd.transform(x: x, n: n)
        for i in 0..<n {
            for c in 0..<2 { XCTAssertEqual(abs(t[i * 2 + c]), Float(abs(u[c][i] * s[c])), accuracy: 1e-4) }
        }
        XCTAssertThrowsError(try TruncatedSVD.fit(x: x, n: n, d: d, k: 5))
        XCTAssertThrowsError(try TruncatedSVD.fit(x: [Float.nan] + x.dropFirst(), n: n, d: d, k: 1))
    }
}
