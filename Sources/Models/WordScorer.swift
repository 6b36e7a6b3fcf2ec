import Foundation
import Numerics

/// Scores many candidate continuations (e.g. the tokenisations of candidate next words) after one
/// shared context: log q(w | c) = Σ_j log q(t_j | c, t_<j).
///
/// The context is run once; the distribution after it gives every candidate's first token. Each
/// candidate with more than one token then runs only its own tokens (minus the last) on top of the
/// cached context, and the cache is truncated back to the context for the next candidate.
/// Candidates sharing a first token reuse each other's work through the cache only via the
/// context, which keeps the code simple; for cloze-style single- and two-token words the cost is
/// dominated by the one context pass.
public final class WordScorer {
    public let model: LanguageModel

    public init(model: LanguageModel) { self.model = model }

    /// Total log-probability (natural log, float64 sum of float32 terms) of each candidate token
    /// sequence after `context`. Empty candidates are an error; `context` must be non-empty
    /// (start it with BOS for models that use one).
    public func score(context: [Int32], candidates: [[Int32]]) throws -> [Double] {
        let perToken = try tokenLogProbs(context: context, candidates: candidates)
        return perToken.map { $0.reduce(0.0) { $0 + Double($1) } }
    }

    /// Per-token log-probabilities log q(t_j | c, t_<j) of each candidate.
    public func tokenLogProbs(context: [Int32], candidates: [[Int32]]) throws -> [[Float]] {
        guard !context.isEmpty else { throw ModelInputError("WordScorer: empty context") }
        if let i = candidates.firstIndex(where: { $0.isEmpty }) { throw ModelInputError("WordScorer: candidate \(i) has no tokens") }
        let V = model.config.vocabSize
        for (i, c) in candidates.enumerated() {
            if let bad = c.first(where: { $0 < 0 || Int($0) >= V }) {
                throw ModelInputError("WordScorer: candidate \(i) has token id \(bad) outside 0..<\(V)")
            }
        }
        let longest = candidates.map(\.count).max() ?? 0
        let cache = model.makeCache(capacity: context.count + longest)
        let first = try model.nextTokenLogProbs(tokens: context, cache: cache)
        let base = cache.count
        var out: [[Float]] = []
        for cand in candidates {
            var lp = [first[Int(cand[0])]]
            if cand.count > 1 {
                let h = try model.hiddenStates(tokens: Array(cand.dropLast()), positions: nil, cache: cache)
                lp += try model.targetLogProbs(hidden: h, rows: Array(0..<(cand.count - 1)), targets: Array(cand.dropFirst()))
                cache.truncate(to: base)
            }
            out.append(lp)
        }
        return out
    }
}
