import Foundation
import Numerics

/// One pairwise comparison of paper A's binary breakdown: the model was shown labels `i` and `j`
/// and gave `i` probability `pI` of representing the input better (softmax over the two labels'
/// logits), or a hard outcome 1 / 0.
public struct PairwisePreference: Equatable, Sendable {
    public var i: Int
    public var j: Int
    public var pI: Double
    public init(i: Int, j: Int, pI: Double) { self.i = i; self.j = j; self.pI = pI }
}

public struct MethodsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Bradley–Terry scores (Bradley and Terry 1952): P(i preferred to j) = σ(s_i − s_j). The scores
/// minimise the cross-entropy between the observed preferences and the model's,
///   L(s) = −Σ_c [p_c log σ(s_i − s_j) + (1 − p_c) log σ(s_j − s_i)] + ½ ridge ‖s‖²,
/// which is convex; scores are defined up to a common shift, so `reference`'s score is fixed at 0
/// (paper A fixes nothing and compares each label to "none": σ(s_l − s_none) is shift-free).
/// Newton's method with a backtracking line search, in Double. Hard outcomes (p ∈ {0, 1}) where
/// one label wins all its comparisons have no finite minimiser without `ridge` > 0.
public enum BradleyTerry {
    public static func fit(labels k: Int, comparisons: [PairwisePreference], reference: Int = 0, ridge: Double = 0,
                           tol: Double = 1e-8, maxIterations: Int = 200) throws -> [Double] {
        guard k >= 2 else { throw MethodsError("Bradley–Terry needs at least 2 labels, got \(k)") }
        guard (0..<k).contains(reference) else { throw MethodsError("Bradley–Terry: reference label \(reference) not in 0..<\(k)") }
        guard ridge >= 0, ridge.isFinite else { throw MethodsError("Bradley–Terry: ridge must be ≥ 0, got \(ridge)") }
        for (n, c) in comparisons.enumerated() {
            guard (0..<k).contains(c.i), (0..<k).contains(c.j), c.i != c.j else {
                throw MethodsError("Bradley–Terry: comparison \(n) pairs labels \(c.i) and \(c.j) (need two different labels in 0..<\(k))")
            }
            guard c.pI >= 0, c.pI <= 1 else { throw MethodsError("Bradley–Terry: comparison \(n) has probability \(c.pI), not in [0, 1]") }
        }
        if ridge == 0 {
            // Without a ridge the scores are finite and unique iff every label is linked to the
            // reference by comparisons (else its score is undefined), and the graph of "i beats
            // j with some probability" is strongly connected (Zermelo 1929; else some group of
            // labels beats the rest outright and the gap goes to infinity).
            func reach(from r: Int, forward: Bool, undirected: Bool) -> Set<Int> {
                var seen = Set([r]), frontier = [r]
                while let l = frontier.popLast() {
                    for c in comparisons where c.i == l || c.j == l {
                        let other = c.i == l ? c.j : c.i
                        // Edge i → j when i sometimes beats j (pI > 0), j → i when pI < 1.
                        let iBeatsJ = c.pI > 0, jBeatsI = c.pI < 1
                        let lBeatsOther = c.i == l ? iBeatsJ : jBeatsI, otherBeatsL = c.i == l ? jBeatsI : iBeatsJ
                        if undirected || (forward ? lBeatsOther : otherBeatsL), seen.insert(other).inserted { frontier.append(other) }
                    }
                }
                return seen
            }
            if let l = (0..<k).first(where: { !reach(from: reference, forward: true, undirected: true).contains($0) }) {
                throw MethodsError("Bradley–Terry: no comparisons link label \(l) to label \(reference); its score is undefined")
            }
            let beaten = reach(from: reference, forward: true, undirected: false)
            let beating = reach(from: reference, forward: false, undirected: false)
            if let l = (0..<k).first(where: { !beaten.contains($0) || !beating.contains($0) }) {
                throw MethodsError("Bradley–Terry: label \(l) (with the labels it outranks or that outrank it) wins or loses "
                                   + "all its comparisons outright, so it has no finite score; use ridge > 0 (hard outcomes)")
            }
        }
        // The free scores: every label but the reference.
        let free = (0..<k).filter { $0 != reference }
        var slot = [Int](repeating: -1, count: k)
        for (n, l) in free.enumerated() { slot[l] = n }
        let m = free.count

        func logSigmoid(_ x: Double) -> Double { x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)) }
        func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
        /// All k scores from the free ones (the reference's is 0).
        func scores(_ z: [Double]) -> [Double] {
            var s = [Double](repeating: 0, count: k)
            for l in free { s[l] = z[slot[l]] }
            return s
        }
        func loss(_ z: [Double]) -> Double {
            let s = scores(z)
            var f = 0.5 * ridge * z.reduce(0) { $0 + $1 * $1 }
            for c in comparisons {
                let d = s[c.i] - s[c.j]
                f -= c.pI * logSigmoid(d) + (1 - c.pI) * logSigmoid(-d)
            }
            return f
        }

        var z = [Double](repeating: 0, count: m)
        var f = loss(z)
        for _ in 0..<maxIterations {
            let s = scores(z)
            var grad = z.map { ridge * $0 }, hess = [Double](repeating: 0, count: m * m)
            for a in 0..<m { hess[a * m + a] = ridge }
            for c in comparisons {
                let q = sigmoid(s[c.i] - s[c.j])
                let g = q - c.pI, w = q * (1 - q)
                let a = slot[c.i], b = slot[c.j]
                if a >= 0 { grad[a] += g; hess[a * m + a] += w }
                if b >= 0 { grad[b] -= g; hess[b * m + b] += w }
                if a >= 0, b >= 0 { hess[a * m + b] -= w; hess[b * m + a] -= w }
            }
            if grad.map(abs).max() ?? 0 < tol { return s }
            do { (z, f) = try dampedNewtonStep(from: z, value: f, gradient: grad, hessian: hess, minStep: 1e-12, objective: loss) } catch {
                throw MethodsError("Bradley–Terry: Newton step: \(error)")
            }
        }
        throw MethodsError("Bradley–Terry: Newton's method did not converge in \(maxIterations) iterations")
    }
}
