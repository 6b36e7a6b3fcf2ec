import Foundation

/// One term −weight · log softmax(logits[row])[token] of a cross-entropy loss.
///
/// A hard label is one target with weight 1; a soft target over the vocabulary is several
/// targets on the same row whose weights sum to the row's mass; the word-level L_Var of
/// `TreeBatch` gives each token of word w the weight p(w | c).
public struct TokenTarget: Sendable, Equatable {
    public var row: Int
    public var token: Int32
    public var weight: Float
    public init(row: Int, token: Int32, weight: Float = 1) { self.row = row; self.token = token; self.weight = weight }

    /// Next-token targets for a causal batch: row r predicts tokens[r + 1] for r in `rows`
    /// (e.g. only the response rows of an instruction prompt), each with `weight`.
    public static func nextToken(_ tokens: [Int32], rows: Range<Int>, weight: Float = 1) -> [TokenTarget] {
        rows.map { TokenTarget(row: $0, token: tokens[$0 + 1], weight: weight) }
    }
}

/// Fused softmax cross-entropy over the vocabulary, straight from logits [T, V].
///
/// Returns the log-probability of every target (same order as `targets`); the loss is
/// L = −Σ_k weight_k · logProb_k. If `dlogits` is given, accumulates dlossScale · ∂L/∂logits:
/// for each row r with targets, dlogits[r] += dlossScale · (W_r · softmax(logits[r]) − Σ_k w_k·onehot(t_k)),
/// W_r the row's total weight. Rows without targets are not touched (no softmax computed).
/// The log-sum-exp is accumulated in Double: at V ≈ 50k a Float sum loses the small terms.
/// Throws if a target's row or token is out of range or its weight is negative/non-finite.
@discardableResult
public func crossEntropyForwardBackward(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>?,
                                        targets: [TokenTarget], T: Int, V: Int,
                                        dlossScale: Float = 1) throws -> [Double] {
    for (i, t) in targets.enumerated() {
        guard t.row >= 0 && t.row < T else { throw TrainingError("cross-entropy target \(i): row \(t.row) outside 0..<\(T)") }
        guard t.token >= 0 && Int(t.token) < V else { throw TrainingError("cross-entropy target \(i): token \(t.token) outside vocabulary 0..<\(V)") }
        guard t.weight >= 0 && t.weight.isFinite else { throw TrainingError("cross-entropy target \(i): weight \(t.weight) is not a finite non-negative number") }
    }
    // Group targets by row so each row's softmax is computed once.
    let order = targets.indices.sorted { (targets[$0].row, $0) < (targets[$1].row, $1) }
    var logProbs = [Double](repeating: 0, count: targets.count)
    var k = 0
    while k < order.count {
        let row = targets[order[k]].row
        var end = k
        var rowWeight: Float = 0
        while end < order.count && targets[order[end]].row == row { rowWeight += targets[order[end]].weight; end += 1 }
        let lg = logits + row * V
        var mx = -Float.infinity
        for j in 0..<V { mx = max(mx, lg[j]) }
        var sum: Double = 0
        for j in 0..<V { sum += Double(expf(lg[j] - mx)) }
        let lse = Double(mx) + log(sum)
        for idx in order[k..<end] { logProbs[idx] = Double(lg[Int(targets[idx].token)]) - lse }
        if let dlogits {
            let dl = dlogits + row * V
            let c = dlossScale * rowWeight, lseF = Float(lse)
            for j in 0..<V { dl[j] += c * expf(lg[j] - lseF) }
            for idx in order[k..<end] { dl[Int(targets[idx].token)] -= dlossScale * targets[idx].weight }
        }
        k = end
    }
    return logProbs
}

/// The scalar loss −Σ weight · logProb for the log-probabilities `crossEntropyForwardBackward` returned.
public func weightedNegativeLogLikelihood(_ logProbs: [Double], _ targets: [TokenTarget]) -> Double {
    var loss = 0.0
    for (lp, t) in zip(logProbs, targets) { loss -= Double(t.weight) * lp }
    return loss
}
