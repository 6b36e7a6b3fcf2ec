/// One sequence that scores several candidate next *words* for the same context at once
/// (paper B, eqs. 2–3: L_Var = −Σ_w p(w|c) log q(w|c), log q(w|c) = Σ_j log q(t_j | c, t_<j)).
///
/// Layout: the context tokens once (rows 0..<n), then for each word its tokens t_1 … t_{m−1}
/// (the last token is only ever a target, never an input, so it needs no row). Word rows see
/// the whole context and their own word's earlier rows, never another word's rows; their
/// positions continue from the context end (n, n+1, …) for every word, so each word's rows
/// are computed exactly as if the word followed the context alone.
/// Targets: the last context row predicts every word's t_1 (a soft target over the first
/// tokens), row of t_j predicts t_{j+1}; each target carries its word's weight p(w|c).
/// A single word with weight 1 is the hard-target (L_Label) case.
public struct TreeBatch: Sendable, Equatable {
    public private(set) var tokens: [Int32]
    public private(set) var positions: [Int32]
    public private(set) var mask: AttentionMask
    public private(set) var targets: [TokenTarget]
    /// For word w of tree i (flattened in order), the indices into `targets` of its tokens.
    public private(set) var wordTargets: [Range<Int>]
    public var T: Int { tokens.count }

    /// - Parameters:
    ///   - context: the context's token ids (at least one).
    ///   - words: each candidate word's token ids (each at least one token).
    ///   - weights: p(w | c) per word (non-negative; they need not sum to 1, the loss is linear in them).
    ///   - startPosition: position of the first context token (0 unless the context continues a cache).
    public init(context: [Int32], words: [[Int32]], weights: [Float], startPosition: Int32 = 0) throws {
        guard !context.isEmpty else { throw TrainingError("tree batch: empty context") }
        guard words.count == weights.count else {
            throw TrainingError("tree batch: \(words.count) words but \(weights.count) weights")
        }
        for (w, word) in words.enumerated() {
            guard !word.isEmpty else { throw TrainingError("tree batch: word \(w) has no tokens") }
            guard weights[w] >= 0 && weights[w].isFinite else {
                throw TrainingError("tree batch: word \(w) has weight \(weights[w])")
            }
        }
        let n = context.count
        var toks = context
        var pos = (0..<n).map { startPosition + Int32($0) }
        var targets: [TokenTarget] = []
        var wordTargets: [Range<Int>] = []
        var wordRows: [Range<Int>] = []       // rows each word occupies
        for (w, word) in words.enumerated() {
            let first = toks.count
            let start = targets.count
            targets.append(TokenTarget(row: n - 1, token: word[0], weight: weights[w]))
            for j in 0..<(word.count - 1) {
                toks.append(word[j])
                pos.append(startPosition + Int32(n + j))
                targets.append(TokenTarget(row: first + j, token: word[j + 1], weight: weights[w]))
            }
            wordRows.append(first..<toks.count)
            wordTargets.append(start..<targets.count)
        }
        let T = toks.count
        var allowed = [UInt8](repeating: 0, count: T * T)
        for i in 0..<n { for j in 0...i { allowed[i * T + j] = 1 } }
        for rows in wordRows {
            for i in rows {
                for j in 0..<n { allowed[i * T + j] = 1 }
                for j in rows.lowerBound...i { allowed[i * T + j] = 1 }
            }
        }
        self.tokens = toks; self.positions = pos; self.targets = targets; self.wordTargets = wordTargets
        self.mask = AttentionMask(T: T, allowed: allowed)
    }

    /// Several trees in one sequence (a micro-batch of contexts): rows are concatenated, the
    /// mask is block-diagonal (no tree sees another), positions restart for each tree.
    public init(packing trees: [TreeBatch]) {
        let T = trees.reduce(0) { $0 + $1.T }
        var toks: [Int32] = [], pos: [Int32] = [], targets: [TokenTarget] = [], wordTargets: [Range<Int>] = []
        var allowed = [UInt8](repeating: 0, count: T * T)
        var off = 0
        for tree in trees {
            let base = targets.count
            toks += tree.tokens; pos += tree.positions
            targets += tree.targets.map { TokenTarget(row: $0.row + off, token: $0.token, weight: $0.weight) }
            wordTargets += tree.wordTargets.map { ($0.lowerBound + base)..<($0.upperBound + base) }
            for i in 0..<tree.T {
                for j in 0..<tree.T where tree.mask.allowed[i * tree.T + j] != 0 { allowed[(off + i) * T + off + j] = 1 }
            }
            off += tree.T
        }
        self.tokens = toks; self.positions = pos; self.targets = targets; self.wordTargets = wordTargets
        self.mask = AttentionMask(T: T, allowed: allowed)
    }

    /// log q(w | c) for every word from the target log-probabilities returned by
    /// `crossEntropyForwardBackward(…, targets: batch.targets, …)` (eq. 3, in log space).
    public func wordLogProbs(_ targetLogProbs: [Double]) -> [Double] {
        wordTargets.map { r in r.reduce(0.0) { $0 + targetLogProbs[$1] } }
    }
}
