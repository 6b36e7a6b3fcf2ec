import Foundation
import Numerics

/// Paper A's linear probes (appendix A.5): hidden states of the first label token, standardised
/// per feature (means and standard deviations of the training rows), reduced to d/`factor`
/// dimensions by a truncated SVD fitted on the training rows, then one L2 logistic regression
/// per label (scikit-learn's objective, C = 1 by default) on targets in [0, 1]. A label whose
/// training targets are all 0 (or all 1) gets a constant probe at that rate, clipped to
/// [1e-6, 1 − 1e-6].
public struct LinearProbe: Equatable, Sendable {
    public var mean: [Float]
    public var scale: [Float]
    public var svd: TruncatedSVD
    /// One regression per label.
    public var labels: [LogisticRegression]

    /// Fits on features x [n, d] and targets y [n, L] (row-major, in [0, 1]).
    public static func fit(x: [Float], n: Int, d: Int, y: [Double], labelCount: Int, factor: Int = 4, C: Double = 1) throws -> LinearProbe {
        guard n >= 2 else { throw TrainingError("linear probe: needs at least 2 training rows, got \(n)") }
        guard y.count == n * labelCount else { throw TrainingError("linear probe: \(y.count) targets for \(n) rows × \(labelCount) labels") }
        guard factor >= 1 else { throw TrainingError("linear probe: downsampling factor must be ≥ 1") }
        var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 1, count: d)
        for j in 0..<d {
            var s = 0.0, s2 = 0.0
            for i in 0..<n { let v = Double(x[i * d + j]); s += v; s2 += v * v }
            let m = s / Double(n)
            let v = max(s2 / Double(n) - m * m, 0)
            mean[j] = Float(m)
            scale[j] = v > 0 ? Float(v.squareRoot()) : 1   // constant features stay as they are (scikit-learn)
        }
        let z = standardise(x, n: n, d: d, mean: mean, scale: scale)
        let k = max(1, min(d / factor, n))
        let svd = try TruncatedSVD.fit(x: z, n: n, d: d, k: k)
        let reduced = try svd.transform(x: z, n: n)
        var regs: [LogisticRegression] = []
        for l in 0..<labelCount {
            let t = (0..<n).map { y[$0 * labelCount + l] }
            if t.allSatisfy({ $0 == 0 }) || t.allSatisfy({ $0 == 1 }) {
                // One class only: no finite intercept fits (scikit-learn refuses). The probe says
                // the training rate, kept off 0 and 1 so an NLL stays finite.
                let p = min(max(t[0], 1e-6), 1 - 1e-6)
                regs.append(LogisticRegression(weights: [Double](repeating: 0, count: k), intercept: log(p / (1 - p))))
                continue
            }
            regs.append(try LogisticRegression.fit(x: reduced, n: n, d: k, y: t, C: C, maxIterations: 200))
        }
        return LinearProbe(mean: mean, scale: scale, svd: svd, labels: regs)
    }

    static func standardise(_ x: [Float], n: Int, d: Int, mean: [Float], scale: [Float]) -> [Float] {
        var z = x
        for i in 0..<n { for j in 0..<d { z[i * d + j] = (x[i * d + j] - mean[j]) / scale[j] } }
        return z
    }

    /// Per-label probabilities [n, L] row-major for features x [n, d].
    public func probabilities(x: [Float], n: Int) throws -> [Double] {
        let d = mean.count
        guard x.count == n * d else { throw TrainingError("linear probe: \(x.count) features for \(n) rows × \(d)") }
        let reduced = try svd.transform(x: Self.standardise(x, n: n, d: d, mean: mean, scale: scale), n: n)
        let per = try labels.map { try $0.probabilities(x: reduced, n: n) }
        var out = [Double](repeating: 0, count: n * labels.count)
        for i in 0..<n { for l in labels.indices { out[i * labels.count + l] = per[l][i] } }
        return out
    }
}
