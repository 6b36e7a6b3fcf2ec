import Foundation

/// A matrix that `choleskySolve` cannot factor (not symmetric positive definite).
public struct NotPositiveDefinite: Error, CustomStringConvertible {
    public let pivot: Int
    public let value: Double
    public var description: String { "matrix is not positive definite (pivot \(pivot) is \(value))" }
}

/// Solves A x = b for a symmetric positive-definite A [n, n] row-major, in Double (Cholesky
/// A = L Lᵀ, then two triangular solves). For the small systems of Newton's method (linear probes,
/// Bradley–Terry scores); only A's lower triangle is read.
public func choleskySolve(_ a: [Double], _ b: [Double], _ n: Int) throws -> [Double] {
    precondition(a.count == n * n && b.count == n, "choleskySolve: A is \(a.count) values, b \(b.count), n \(n)")
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var sum = a[i * n + j]
            for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
            if i == j {
                guard sum > 0 else { throw NotPositiveDefinite(pivot: i, value: sum) }
                l[i * n + i] = sum.squareRoot()
            } else {
                l[i * n + j] = sum / l[j * n + j]
            }
        }
    }
    var y = b
    for i in 0..<n {
        for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
        y[i] /= l[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
        y[i] /= l[i * n + i]
    }
    return y
}
