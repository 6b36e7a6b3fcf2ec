import CBLAS
import Foundation

/// Truncated SVD of a data matrix (scikit-learn's `TruncatedSVD`: no centring), computed exactly
/// with LAPACK's divide-and-conquer SVD rather than by randomised iterations, so the components
/// are the exact top-k right singular vectors. Each component's sign is fixed so that its entry of
/// largest magnitude is positive (SVD signs are arbitrary; this makes results reproducible).
public struct TruncatedSVD: Equatable, Sendable {
    /// Components [k, d] row-major, orthonormal rows.
    public var components: [Float]
    public var singularValues: [Float]
    public let d: Int
    public var k: Int { singularValues.count }

    public init(components: [Float], singularValues: [Float], d: Int) {
        self.components = components; self.singularValues = singularValues; self.d = d
    }

    /// Fits on x [n, d] row-major; k ≤ min(n, d).
    public static func fit(x: [Float], n: Int, d: Int, k: Int) throws -> TruncatedSVD {
        guard n > 0, d > 0, x.count == n * d else { throw NumericsError("truncated SVD: \(x.count) values for n \(n) × d \(d)") }
        guard k >= 1, k <= min(n, d) else { throw NumericsError("truncated SVD: k = \(k) must be in 1...\(min(n, d))") }
        if let i = x.firstIndex(where: { !$0.isFinite }) { throw NumericsError("truncated SVD: value \(i) is \(x[i])") }
        // Row-major X [n, d] is column-major Xᵀ [d, n]; the left singular vectors of Xᵀ are the
        // right singular vectors of X.
        var a = x
        var m = Int32(d), nn = Int32(n), lda = Int32(d)
        let mn = min(d, n)
        var s = [Float](repeating: 0, count: mn)
        var u = [Float](repeating: 0, count: d * mn)
        var ldu = Int32(d), ldvt = Int32(mn)
        var vt = [Float](repeating: 0, count: mn * n)
        var iwork = [Int32](repeating: 0, count: 8 * mn)
        var info: Int32 = 0
        var jobz = Int8(UInt8(ascii: "S"))
        var query: Float = 0, lwork: Int32 = -1
        sgesdd_(&jobz, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { throw NumericsError("truncated SVD: LAPACK sgesdd workspace query failed (info \(info))") }
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&jobz, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw NumericsError("truncated SVD: LAPACK sgesdd failed (info \(info))") }
        // Column c of U (column-major, d rows) is component c.
        var comps = [Float](repeating: 0, count: k * d)
        for c in 0..<k {
            let col = Array(u[(c * d)..<((c + 1) * d)])
            let big = col.indices.max { abs(col[$0]) < abs(col[$1]) }!
            let sign: Float = col[big] < 0 ? -1 : 1
            for j in 0..<d { comps[c * d + j] = sign * col[j] }
        }
        return TruncatedSVD(components: comps, singularValues: Array(s.prefix(k)), d: d)
    }

    /// x [n, d] → x·Vₖᵀ [n, k].
    public func transform(x: [Float], n: Int) throws -> [Float] {
        guard x.count == n * d else { throw NumericsError("truncated SVD transform: \(x.count) values for n \(n) × d \(d)") }
        var out = [Float](repeating: 0, count: n * k)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(d), 1, x, Int32(d),
                    components, Int32(d), 0, &out, Int32(k))
        return out
    }
}

/// Bad input to a numerical routine (sizes, non-finite values, a failed LAPACK call).
public struct NumericsError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
