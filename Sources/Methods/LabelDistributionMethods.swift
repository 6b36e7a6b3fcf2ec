import Foundation

/// Paper A §5.2: ways to turn a model's scores into one probability per label (a multi-label
/// distribution: the probabilities need not sum to 1), to be compared with the annotators'
/// per-label proportions by NLL, L1 and example-F1 (`Metrics/LabelDistributionMetrics`).
/// Logits here are the model's logits of each label's first token at the relevant position.
public enum LabelDistributionMethod {
    /// Softmax over the given label logits (a distribution over the labels at one generation step).
    public static func labelSoftmax(_ logits: [Double]) throws -> [Double] {
        guard !logits.isEmpty else { throw MethodsError("softmax over no labels") }
        guard let m = logits.max(), m.isFinite, logits.allSatisfy({ $0.isFinite || $0 == -.infinity }) else {
            throw MethodsError("label logits must be finite or -inf with at least one finite, got \(logits)")
        }
        let e = logits.map { exp($0 - m) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    /// Compare-to-none (baseline): at the first label token, each label's logit against the
    /// "none" label's, q_l = σ(z_l − z_none), so each label is judged on its own.
    public static func compareToNone(labelLogits: [Double], noneLogit: Double) throws -> [Double] {
        guard noneLogit.isFinite, labelLogits.allSatisfy({ $0.isFinite || $0 == -.infinity }) else {
            throw MethodsError("compare-to-none: non-finite logits (none \(noneLogit), labels \(labelLogits))")
        }
        return labelLogits.map { 1 / (1 + exp(-($0 - noneLogit))) }
    }

    /// Hard predictions (baseline): the labels the model actually generated get 1 − ε, the others
    /// ε (the paper avoids exact 0 and 1 so that NLL stays finite).
    public static func hardPredictions(generated: Set<Int>, labelCount: Int, epsilon: Double) throws -> [Double] {
        guard epsilon > 0, epsilon < 0.5 else { throw MethodsError("hard predictions: epsilon must be in (0, 0.5), got \(epsilon)") }
        if let bad = generated.first(where: { !(0..<labelCount).contains($0) }) {
            throw MethodsError("hard predictions: generated label \(bad) not in 0..<\(labelCount)")
        }
        return (0..<labelCount).map { generated.contains($0) ? 1 - epsilon : epsilon }
    }

    /// Max-over-generations (test-time): the label distributions of every label-generation step
    /// (`steps[t]` = softmax over the labels' first tokens at step t), and each label's largest
    /// probability over the steps: a soft version of the hard predictions.
    public static func maxOverGenerations(steps: [[Double]]) throws -> [Double] {
        guard let first = steps.first else { throw MethodsError("max-over-generations: no generation steps") }
        var out = first
        for (t, p) in steps.enumerated() {
            guard p.count == first.count else { throw MethodsError("max-over-generations: step \(t) has \(p.count) labels, step 0 has \(first.count)") }
            guard p.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw MethodsError("max-over-generations: step \(t) has a probability outside [0, 1]") }
            for l in p.indices { out[l] = max(out[l], p[l]) }
        }
        return out
    }

    /// Unary breakdown (test-time): one prompt per label asking whether the label is
    /// "reasonable" for the input; the label's probability is that answer's probability against
    /// the alternative's (softmax over the two answers' logits), independent of the other labels.
    public static func unaryBreakdown(reasonableLogits: [Double], alternativeLogits: [Double]) throws -> [Double] {
        guard reasonableLogits.count == alternativeLogits.count else {
            throw MethodsError("unary breakdown: \(reasonableLogits.count) 'reasonable' logits for \(alternativeLogits.count) alternatives")
        }
        return try zip(reasonableLogits, alternativeLogits).map { try labelSoftmax([$0, $1])[0] }
    }

    /// Binary breakdown (test-time): pairwise preferences among the labels and "none" (index
    /// `none`), Bradley–Terry scores fitted to them, and each label's probability against "none",
    /// σ(s_l − s_none). Returns the labels' probabilities without "none" (label order kept).
    public static func binaryBreakdown(labels k: Int, none: Int, comparisons: [PairwisePreference],
                                       ridge: Double = 0) throws -> [Double] {
        let s = try BradleyTerry.fit(labels: k, comparisons: comparisons, reference: none, ridge: ridge)
        return (0..<k).filter { $0 != none }.map { 1 / (1 + exp(-(s[$0] - s[none]))) }
    }

    /// Binary breakdown for single-label tasks: Bradley–Terry scores of the labels (no "none"),
    /// and their softmax as the categorical distribution (the paper's code).
    public static func binaryBreakdownSingleLabel(labels k: Int, comparisons: [PairwisePreference], ridge: Double = 0) throws -> [Double] {
        try labelSoftmax(try BradleyTerry.fit(labels: k, comparisons: comparisons, reference: 0, ridge: ridge))
    }

    /// Probabilities rescaled to sum 1 (unary breakdown on a single-label task); all zero stays
    /// uniform.
    public static func normalised(_ p: [Double]) -> [Double] {
        let z = p.reduce(0, +)
        return z > 0 ? p.map { $0 / z } : p.map { _ in 1 / Double(p.count) }
    }

    /// A comparison's hard outcome (appendix C's alternative to probabilities): the preferred label
    /// wins outright, p = 1 or 0; a tie stays 0.5.
    public static func hardOutcome(_ c: PairwisePreference) -> PairwisePreference {
        PairwisePreference(i: c.i, j: c.j, pI: c.pI > 0.5 ? 1 : c.pI < 0.5 ? 0 : 0.5)
    }

    /// The preference of one binary-breakdown prompt: softmax over the two labels' logits.
    public static func pairwisePreference(i: Int, j: Int, logitI: Double, logitJ: Double) throws -> PairwisePreference {
        PairwisePreference(i: i, j: j, pI: try labelSoftmax([logitI, logitJ])[0])
    }
}
