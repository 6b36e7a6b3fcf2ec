import Foundation
import Numerics

/// Scores many candidate continuations (e.g. the tokenisations of candidate next words) after one
/// shared context: log q(w | c) = Σ_j log q(t_j | c, t_<j).
///
/// The context is run once; the distribution after it gives every candidate's first token. The
/// candidates with more than one token then run their remaining tokens (all but the last) on
/// forks of the context's cache, `batchSize` candidates per batched forward, so the linear
/// layers see many rows at once instead of one small pass per candidate.
public final class WordScorer {
    public let model: LanguageModel
    /// Candidates per batched forward.
    public var batchSize: Int

    public init(model: LanguageModel, batchSize: Int = 32) {
        self.model = model
        self.batchSize = max(1, batchSize)
    }

    /// Total log-probability (natural log, float64 sum of float32 terms) of each candidate token
    /// sequence after `context`. Empty candidates are an error; `context` must be non-empty
    /// (start it with BOS for models that use one).
    public func score(context: [Int32], candidates: [[Int32]]) throws -> [Double] {
        totals(try tokenLogProbs(context: context, candidates: candidates))
    }

    /// `score(context:candidates:)` after a context that has already been run; its cache is only
    /// forked, so the same prefill can also serve `generate(after:)`.
    public func score(after prefilled: PrefilledPrompt, candidates: [[Int32]]) throws -> [Double] {
        try check(candidates)
        return totals(try logProbs(after: prefilled, candidates: candidates))
    }

    /// Per-token log-probabilities log q(t_j | c, t_<j) of each candidate. The candidates are
    /// checked before the context runs.
    public func tokenLogProbs(context: [Int32], candidates: [[Int32]]) throws -> [[Float]] {
        guard !context.isEmpty else { throw ModelInputError("WordScorer: empty context") }
        try check(candidates)
        return try logProbs(after: try model.prefill(context), candidates: candidates)
    }

    private func totals(_ perToken: [[Float]]) -> [Double] {
        perToken.map { $0.reduce(0.0) { $0 + Double($1) } }
    }

    /// Per-token log-probabilities of each (already checked) candidate after a run context.
    private func logProbs(after prefilled: PrefilledPrompt, candidates: [[Int32]]) throws -> [[Float]] {
        var first = prefilled.lastLogits
        first.withUnsafeMutableBufferPointer {
            logSoftmaxForward(out: $0.baseAddress!, inp: $0.baseAddress!, rows: 1, cols: model.config.vocabSize)
        }
        var out = candidates.map { [first[Int($0[0])]] }

        let multi = candidates.indices.filter { candidates[$0].count > 1 }
        var start = 0
        while start < multi.count {
            let group = Array(multi[start..<min(start + batchSize, multi.count)])
            let inputs = group.map { SequenceInput(tokens: Array(candidates[$0].dropLast()), cache: prefilled.cache.fork()) }
            let h = try model.hiddenStates(batch: inputs)
            var rows: [Int] = [], targets: [Int32] = [], row = 0
            for i in group {
                let cand = candidates[i]
                for j in 1..<cand.count { rows.append(row); targets.append(cand[j]); row += 1 }
            }
            let lp = try model.targetLogProbs(hidden: h, rows: rows, targets: targets)
            var k = 0
            for i in group {
                out[i] += lp[k..<(k + candidates[i].count - 1)]
                k += candidates[i].count - 1
            }
            start += batchSize
        }
        return out
    }

    private func check(_ candidates: [[Int32]]) throws {
        if let i = candidates.firstIndex(where: { $0.isEmpty }) { throw ModelInputError("WordScorer: candidate \(i) has no tokens") }
        let V = model.config.vocabSize
        for (i, c) in candidates.enumerated() {
            if let bad = c.first(where: { $0 < 0 || Int($0) >= V }) {
                throw ModelInputError("WordScorer: candidate \(i) has token id \(bad) outside 0..<\(V)")
            }
        }
    }
}
