import CBLAS
import Foundation
import Numerics

/// A binary L2-regularised logistic regression (the per-label linear probes of paper A, §A.5),
/// with the objective scikit-learn's `LogisticRegression(penalty="l2", C=C)` minimises:
///   ½‖w‖² + C · Σ_i s_i · [−y_i log σ(z_i) − (1 − y_i) log(1 − σ(z_i))],   z_i = x_i·w + b,
/// the intercept b unpenalised. The objective is strictly convex, so its minimiser is unique and
/// any exact solver reproduces scikit-learn's converged answer; this one uses Newton's method
/// (Hessian I′ + C·Xᵀ diag(s σ(1−σ)) X by BLAS, `dampedNewtonStep`), all
/// in Double. Labels may be soft (y ∈ [0, 1]), e.g. the fraction of annotators choosing the label.
public struct LogisticRegression: Sendable, Equatable {
    public var weights: [Double]
    public var intercept: Double

    public init(weights: [Double], intercept: Double) { self.weights = weights; self.intercept = intercept }

    /// Fits on x [n, d] row-major with targets y [n] in [0, 1] and optional sample weights [n].
    /// Throws on inconsistent sizes, targets outside [0, 1], negative weights, non-finite
    /// features, or if Newton's method does not reach ‖gradient‖∞ < tol in maxIterations.
    public static func fit(x: [Float], n: Int, d: Int, y: [Double], sampleWeights: [Double]? = nil,
                           C: Double = 1, tol: Double = 1e-8, maxIterations: Int = 100) throws -> LogisticRegression {
        guard n > 0, d > 0, x.count == n * d else { throw TrainingError("logistic regression: \(x.count) features for n \(n) × d \(d)") }
        guard y.count == n else { throw TrainingError("logistic regression: \(y.count) targets for \(n) samples") }
        if let i = y.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) { throw TrainingError("logistic regression: target \(i) = \(y[i]) not in [0, 1]") }
        if let i = x.firstIndex(where: { !$0.isFinite }) { throw TrainingError("logistic regression: feature value \(i) is \(x[i])") }
        let s = sampleWeights ?? [Double](repeating: 1, count: n)
        guard s.count == n else { throw TrainingError("logistic regression: \(s.count) sample weights for \(n) samples") }
        if let i = s.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) { throw TrainingError("logistic regression: sample weight \(i) = \(s[i])") }
        guard C > 0 else { throw TrainingError("logistic regression: C must be positive, got \(C)") }

        // Design matrix with a trailing column of ones for the intercept: [n, d+1].
        let D = d + 1
        var xa = [Double](repeating: 1, count: n * D)
        for i in 0..<n { for j in 0..<d { xa[i * D + j] = Double(x[i * d + j]) } }
        var theta = [Double](repeating: 0, count: D)

        func objective(_ th: [Double]) -> Double {
            var z = [Double](repeating: 0, count: n)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(D), 1, xa, Int32(D), th, 1, 0, &z, 1)
            var f = 0.0
            for j in 0..<d { f += 0.5 * th[j] * th[j] }
            for i in 0..<n where s[i] > 0 {
                // −y log σ(z) − (1−y) log(1−σ(z)) = softplus(z) − y z, computed stably.
                let zi = z[i]
                let softplus = zi > 0 ? zi + log1p(exp(-zi)) : log1p(exp(zi))
                f += C * s[i] * (softplus - y[i] * zi)
            }
            return f
        }

        var f = objective(theta)
        for _ in 0..<maxIterations {
            var z = [Double](repeating: 0, count: n)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(D), 1, xa, Int32(D), theta, 1, 0, &z, 1)
            var r = [Double](repeating: 0, count: n)       // C s_i (p_i − y_i)
            var h = [Double](repeating: 0, count: n)       // C s_i p_i (1 − p_i)
            for i in 0..<n {
                let p = 1 / (1 + exp(-z[i]))
                r[i] = C * s[i] * (p - y[i]); h[i] = C * s[i] * p * (1 - p)
            }
            var grad = [Double](repeating: 0, count: D)
            cblas_dgemv(CblasRowMajor, CblasTrans, Int32(n), Int32(D), 1, xa, Int32(D), r, 1, 0, &grad, 1)
            for j in 0..<d { grad[j] += theta[j] }
            if grad.map(abs).max()! < tol { return LogisticRegression(weights: Array(theta[0..<d]), intercept: theta[d]) }
            // Hessian = Xaᵀ diag(h) Xa + I′ (no penalty on the intercept).
            var hx = xa
            for i in 0..<n { for j in 0..<D { hx[i * D + j] *= h[i] } }
            var hess = [Double](repeating: 0, count: D * D)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(D), Int32(D), Int32(n), 1, xa, Int32(D),
                        hx, Int32(D), 0, &hess, Int32(D))
            for j in 0..<d { hess[j * D + j] += 1 }
            // A tiny ridge keeps the intercept's row positive definite when all h_i vanish.
            hess[d * D + d] += 1e-12
            do { (theta, f) = try dampedNewtonStep(from: theta, value: f, gradient: grad, hessian: hess, minStep: 1e-10, objective: objective) } catch {
                throw TrainingError("logistic regression: Newton step: \(error)")
            }
        }
        throw TrainingError("logistic regression: Newton's method did not converge in \(maxIterations) iterations")
    }

    /// σ(x·w + b) for each row of x [n, d].
    public func probabilities(x: [Float], n: Int) throws -> [Double] {
        let d = weights.count
        guard x.count == n * d else { throw TrainingError("logistic regression: \(x.count) features for n \(n) × d \(d)") }
        return (0..<n).map { i in
            var z = intercept
            for j in 0..<d { z += Double(x[i * d + j]) * weights[j] }
            return 1 / (1 + exp(-z))
        }
    }
}
