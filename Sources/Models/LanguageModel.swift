import Foundation
import Numerics

/// Bad input to a model call (token id out of range, mismatched cache, …).
public struct ModelInputError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Which of the new tokens' positions get output logits. The output head is the most expensive
/// single matmul for big vocabularies (Gemma-3: 262k), so compute it only where needed.
public enum LogitRows: Sendable {
    case all, last, none
    /// Indices into the new tokens, 0..<T.
    case rows([Int])

    func indices(T: Int) -> [Int] {
        switch self {
        case .all: return Array(0..<T)
        case .last: return T > 0 ? [T - 1] : []
        case .none: return []
        case .rows(let r): return r
        }
    }
}

/// A causal language model over token ids.
public protocol LanguageModel: AnyObject {
    var config: ModelConfig { get }

    /// Runs the new tokens through the model after what `cache` holds, appends their keys/values
    /// to the cache, and returns the final-normalised hidden states [T, dModel].
    /// `positions` defaults to continuing after the cache's last position.
    func hiddenStates(tokens: [Int32], positions: [Int32]?, cache: KVCache) throws -> [Float]

    /// Output logits [rows.count, vocab] for the given rows of `hidden` [T, dModel].
    func logits(hidden: [Float], rows: [Int]) throws -> [Float]
}

extension LanguageModel {
    public var vocabSize: Int { config.vocabSize }

    /// An empty KV cache for this model.
    public func makeCache(capacity: Int = 64) -> KVCache {
        KVCache(nLayers: config.nLayers, kvDim: config.kvDim, capacity: capacity)
    }

    /// Runs new tokens (batched prefill: every matmul covers all of them at once) and returns
    /// the logits [rows, vocab] of the positions selected by `logitRows`, row-major.
    public func forward(tokens: [Int32], cache: KVCache, positions: [Int32]? = nil,
                        logitRows: LogitRows = .all) throws -> [Float] {
        let h = try hiddenStates(tokens: tokens, positions: positions, cache: cache)
        return try logits(hidden: h, rows: logitRows.indices(T: tokens.count))
    }

    /// log p(tokens[t+1] | tokens[...t]) for t in 0..<T-1, after whatever `cache` holds
    /// (a fresh cache if nil). The output head runs in chunks of rows so memory stays bounded.
    public func logProbs(tokens: [Int32], cache: KVCache? = nil) throws -> [Float] {
        let T = tokens.count
        if T < 2 { return [] }
        let h = try hiddenStates(tokens: tokens, positions: nil, cache: cache ?? makeCache(capacity: T))
        return try targetLogProbs(hidden: h, rows: Array(0..<T - 1), targets: Array(tokens[1...]))
    }

    /// log p(targets[i] | hidden row rows[i]) — the log-softmax of each selected row's logits at its target.
    public func targetLogProbs(hidden: [Float], rows: [Int], targets: [Int32]) throws -> [Float] {
        precondition(rows.count == targets.count)
        let V = config.vocabSize
        if let bad = targets.first(where: { $0 < 0 || Int($0) >= V }) {
            throw ModelInputError("target token id \(bad) outside the vocabulary 0..<\(V)")
        }
        var out = [Float](repeating: 0, count: rows.count)
        let chunk = 32
        var start = 0
        while start < rows.count {
            let end = min(start + chunk, rows.count)
            var l = try logits(hidden: hidden, rows: Array(rows[start..<end]))
            l.withUnsafeMutableBufferPointer { lp in
                for i in start..<end {
                    let row = lp.baseAddress! + (i - start) * V
                    out[i] = row[Int(targets[i])] - logSumExp(row, count: V)
                }
            }
            start = end
        }
        return out
    }

    /// Runs `tokens` after the cache's contents and returns the log-softmax over the vocabulary
    /// for the token that follows the last one.
    public func nextTokenLogProbs(tokens: [Int32], cache: KVCache) throws -> [Float] {
        guard !tokens.isEmpty else { throw ModelInputError("nextTokenLogProbs needs at least one token") }
        var l = try forward(tokens: tokens, cache: cache, logitRows: .last)
        l.withUnsafeMutableBufferPointer { logSoftmaxForward(out: $0.baseAddress!, inp: $0.baseAddress!, rows: 1, cols: config.vocabSize) }
        return l
    }
}
