import Datasets
import Foundation
import Metrics

/// Paper B's per-context scores of one model run against the human answers of one context.
struct ContextScores {
    /// TVD(human, model) = ½ Σ_w |p(w) − q(w)| over the union of both supports.
    var tvd: Double
    /// Entropy (nats) of the model's empirical word distribution; NaN when the model produced no word.
    var entropy: Double
    /// Share of the distinct human words the model produced at least once.
    var coverage: Double
    /// −Σ_a p(a) log q(a|c) over the human answer types a with their exact model log-probabilities;
    /// NaN when any answer of the context was not scored (log q NaN).
    var crossEntropy: Double
    /// Sampled words the model CPD is estimated from (samples with a word).
    var nValid: Int
}

/// Scores one context.
///
/// - `human`: the context's human answers (as typed, with counts), in the splits-artifact order.
/// - `words`: the S extracted sample words of the context, "" where a sample yielded no word.
/// - `logq`: log q(a|c) of each human answer, parallel to `human`.
///
/// The model CPD q is the relative frequency of each word among the non-empty sample words (the
/// paper's Monte Carlo estimate). The human CPD p is the relative frequency of each answer after
/// `form` (see `HumanWordForm`). A context where the model produced no word at all has no model
/// CPD; it is scored as TVD 1 and coverage 0 (the model puts no mass on any human word: the worst
/// case, not a skipped context, so a model that fails to produce words is not rewarded) and
/// entropy NaN (undefined; left out of the entropy mean).
func scoreContext(human: [ClozeResponse], words: ArraySlice<String>, logq: ArraySlice<Double>,
                  form: HumanWordForm) throws -> ContextScores {
    precondition(human.count == logq.count)
    let p = try WordDistribution(pairs: human.map { (word: form.word($0.response), count: $0.count) })
    var crossEntropy = 0.0
    let total = Double(p.total)
    for (a, lq) in zip(human, logq) {
        if lq.isNaN { crossEntropy = .nan; break }
        crossEntropy -= Double(a.count) / total * lq
    }
    let q = WordDistribution(samples: words.filter { !$0.isEmpty })
    if q.isEmpty {
        return ContextScores(tvd: 1, entropy: .nan, coverage: 0, crossEntropy: crossEntropy, nValid: 0)
    }
    // The exact TVD is <= 1; the floating-point sum of |p - q| can land one ulp above it when the
    // supports are disjoint, which would put the context outside a [0, 1] histogram.
    return ContextScores(tvd: min(1, try totalVariationDistance(p, q)), entropy: try entropyNats(q),
                         coverage: try uniqueWordCoverage(human: p, model: q), crossEntropy: crossEntropy,
                         nValid: q.total)
}
