import Foundation

// Paper A's distribution-alignment metrics (its §5.1). A human distribution is, per label, the
// share of annotators who chose it (paper A eq. 1); a model gives one probability per label.
//
// Multi-label: every label is its own Bernoulli event, so the per-example NLL is the summed binary
// cross-entropy −Σ_l [p_l log q_l + (1 − p_l) log(1 − q_l)] (natural log) and L1 is Σ_l |p_l − q_l|
// (summed, not averaged, over labels). Evidence that these are the paper's definitions: its
// "Hard Predictions" baseline sets q to 1 − 1e-8 / 1e-8, for which the summed BCE is
// ≈ −log(1e-8) · L1 = 18.42 · L1, and its Table 1 gives NLL 24.11 with L1 1.31 (GoEmotions) and
// NLL 19.70 with L1 1.07 (MFRC): 18.42 · 1.31 = 24.1, 18.42 · 1.07 = 19.7.
// Single-label: the annotations are draws from one categorical distribution, NLL = −Σ_l p_l log q_l.
// Example-F1 (Du et al. 2019): per example 2|T ∩ P| / (|T| + |P|) between the label sets
// T = {l : p_l ≥ humanThreshold} and P = {l : q_l ≥ predictedThreshold}, 1 when both are empty
// (a correct "no label"), averaged over examples. Thresholds default to 0.5 (majority of
// annotators; a model probability of at least one half); the paper does not print them.
// Terms with zero weight are skipped (0 · log 0 = 0); a zero probability on an observed label
// gives +infinity, as the definition says.

/// Human per-label proportions from annotator votes: `votes[a][l]` is 1 when annotator a chose
/// label l. Every annotator row must have the same length and hold only 0 or 1.
public func humanLabelProportions(votes: [[Int]]) throws -> [Double] {
    guard let first = votes.first else { throw MetricsError.empty(what: "annotator votes") }
    var sums = [Double](repeating: 0, count: first.count)
    for (a, row) in votes.enumerated() {
        if row.count != first.count {
            throw MetricsError.lengthMismatch(what: "annotator \(a) votes", left: row.count, right: first.count)
        }
        for (l, v) in row.enumerated() {
            if v != 0 && v != 1 { throw MetricsError.invalidArgument("annotator \(a), label \(l): vote \(v) is not 0 or 1") }
            sums[l] += Double(v)
        }
    }
    return sums.map { $0 / Double(votes.count) }
}

private func validate(_ p: [Double], _ q: [Double]) throws {
    if p.count != q.count { throw MetricsError.lengthMismatch(what: "human and predicted label vectors", left: p.count, right: q.count) }
    if p.isEmpty { throw MetricsError.empty(what: "label vector") }
    for (i, v) in p.enumerated() where !(v >= 0 && v <= 1) { throw MetricsError.invalidProbability(what: "human", index: i, value: v) }
    for (i, v) in q.enumerated() where !(v >= 0 && v <= 1) { throw MetricsError.invalidProbability(what: "predicted", index: i, value: v) }
}

/// Multi-label NLL of one example: −Σ_l [p_l log q_l + (1 − p_l) log(1 − q_l)], in nats.
public func multiLabelNLL(human p: [Double], predicted q: [Double]) throws -> Double {
    try validate(p, q)
    var s = 0.0
    for l in 0..<p.count {
        if p[l] > 0 { s -= p[l] * log(q[l]) }
        if p[l] < 1 { s -= (1 - p[l]) * log(1 - q[l]) }
    }
    return s
}

/// Single-label NLL of one example: −Σ_l p_l log q_l, in nats (q a distribution over the labels).
public func singleLabelNLL(human p: [Double], predicted q: [Double]) throws -> Double {
    try validate(p, q)
    var s = 0.0
    for l in 0..<p.count where p[l] > 0 { s -= p[l] * log(q[l]) }
    return s
}

/// L1 distance of one example: Σ_l |p_l − q_l|.
public func labelL1(human p: [Double], predicted q: [Double]) throws -> Double {
    try validate(p, q)
    var s = 0.0
    for l in 0..<p.count { s += abs(p[l] - q[l]) }
    return s
}

/// Example-F1 of one example (see the file comment for the thresholds and the empty case).
public func exampleF1(human p: [Double], predicted q: [Double],
                      humanThreshold: Double = 0.5, predictedThreshold: Double = 0.5) throws -> Double {
    try validate(p, q)
    var inter = 0, nt = 0, np = 0
    for l in 0..<p.count {
        let t = p[l] >= humanThreshold, pr = q[l] >= predictedThreshold
        if t { nt += 1 }
        if pr { np += 1 }
        if t && pr { inter += 1 }
    }
    if nt + np == 0 { return 1 }
    return 2 * Double(inter) / Double(nt + np)
}

/// Mean NLL, L1 and example-F1 over a set of examples.
public struct AlignmentScores: Equatable {
    public var nll: Double
    public var l1: Double
    public var f1: Double
    public var count: Int
}

/// Paper A's table entries: the three metrics averaged over examples. `multiLabel` picks the
/// Bernoulli (multi-label) or categorical (single-label) NLL; L1 and example-F1 are the same.
public func alignmentScores(human: [[Double]], predicted: [[Double]], multiLabel: Bool,
                            humanThreshold: Double = 0.5, predictedThreshold: Double = 0.5) throws -> AlignmentScores {
    if human.count != predicted.count { throw MetricsError.lengthMismatch(what: "examples", left: human.count, right: predicted.count) }
    if human.isEmpty { throw MetricsError.empty(what: "examples") }
    var nll = 0.0, l1 = 0.0, f1 = 0.0
    for i in 0..<human.count {
        nll += multiLabel ? try multiLabelNLL(human: human[i], predicted: predicted[i])
                          : try singleLabelNLL(human: human[i], predicted: predicted[i])
        l1 += try labelL1(human: human[i], predicted: predicted[i])
        f1 += try exampleF1(human: human[i], predicted: predicted[i],
                            humanThreshold: humanThreshold, predictedThreshold: predictedThreshold)
    }
    let n = Double(human.count)
    return AlignmentScores(nll: nll / n, l1: l1 / n, f1: f1 / n, count: human.count)
}

/// Micro-averaged F1 over every (example, label) pair: labels with p ≥ threshold are true,
/// q ≥ threshold predicted, F1 = 2·TP / (2·TP + FP + FN). Unlike example-F1, an example with no
/// true and no predicted label adds nothing (rather than a perfect score). Nil when there is no
/// true and no predicted label at all (F1 is undefined there).
public func microF1(human: [[Double]], predicted: [[Double]], threshold: Double = 0.5) throws -> Double? {
    if human.count != predicted.count { throw MetricsError.lengthMismatch(what: "examples", left: human.count, right: predicted.count) }
    var tp = 0, fp = 0, fn = 0
    for (p, q) in zip(human, predicted) {
        try validate(p, q)
        for (a, b) in zip(p, q) {
            let t = a >= threshold, pr = b >= threshold
            if t && pr { tp += 1 } else if pr { fp += 1 } else if t { fn += 1 }
        }
    }
    return tp + fp + fn == 0 ? nil : 2 * Double(tp) / Double(2 * tp + fp + fn)
}

/// One example's NLL, L1 and example-F1 as paper A's tables score every method: the predicted
/// probabilities clipped to [ε, 1 − ε] first (a saturated sigmoid or softmax gives exactly 0 or 1
/// in double precision, which would make the NLL infinite), the Bernoulli NLL for multi-label
/// tasks and the categorical one for single-label tasks.
public func clippedAlignmentScores(human p: [Double], predicted q: [Double], multiLabel: Bool,
                                   epsilon: Double) throws -> (nll: Double, l1: Double, f1: Double) {
    let c = q.map { min(max($0, epsilon), 1 - epsilon) }
    return (multiLabel ? try multiLabelNLL(human: p, predicted: c) : try singleLabelNLL(human: p, predicted: c),
            try labelL1(human: p, predicted: c), try exampleF1(human: p, predicted: c))
}
