import Foundation

/// Causal multi-head attention with grouped KV heads for a block of T new query tokens against
/// S cached keys/values (which already include the new tokens' own keys/values).
///
/// - q: [T, nHeads·headDim] (RoPE already applied); qPositions [T]: each query's position.
/// - k, v: [S, nKVHeads·headDim]; kvPositions [S]: each cached entry's position.
/// - out: [T, nHeads·headDim]. Query head h reads KV head h / (nHeads / nKVHeads).
/// - probs: if given, [nHeads, T, S] receives the attention probabilities (for the backward pass).
/// - scale: multiplies q·k (usually 1/√headDim).
/// - window: if > 0, sliding-window attention: key j is visible to query i only if
///   qPos - kvPos < window (as Gemma/Mistral local layers); 0 means unlimited.
///
/// Visibility is decided by positions, not by indices: key j is visible to query i iff
/// kvPositions[j] ≤ qPositions[i] (and within the window). Each head costs two sgemms
/// (scores = q·kᵀ, out = p·v); masked entries get probability exactly 0.
public func attentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>? = nil,
                             q: UnsafePointer<Float>, qPositions: UnsafePointer<Int32>, T: Int,
                             k: UnsafePointer<Float>, v: UnsafePointer<Float>, kvPositions: UnsafePointer<Int32>, S: Int,
                             nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float, window: Int = 0) {
    let qStride = nHeads * headDim, kvStride = nKVHeads * headDim
    let group = nHeads / nKVHeads
    let scratch: UnsafeMutablePointer<Float>? = probs == nil ? .allocate(capacity: T * S) : nil
    defer { scratch?.deallocate() }
    for h in 0..<nHeads {
        let g = h / group
        let p = probs.map { $0 + h * T * S } ?? scratch!
        sgemm(transB: true, M: T, N: S, K: headDim, alpha: scale, A: q + h * headDim, lda: qStride,
              B: k + g * headDim, ldb: kvStride, C: p, ldc: S)
        for t in 0..<T {
            let row = p + t * S
            let qp = qPositions[t]
            var m = -Float.infinity
            for j in 0..<S where visible(kvPositions[j], qp, window) { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<S {
                if visible(kvPositions[j], qp, window) {
                    let e = expf(row[j] - m); row[j] = e; sum += e
                } else {
                    row[j] = 0
                }
            }
            let inv = sum > 0 ? 1 / sum : 0
            for j in 0..<S { row[j] *= inv }
        }
        sgemm(M: T, N: headDim, K: S, A: p, lda: S, B: v + g * headDim, ldb: kvStride,
              C: out + h * headDim, ldc: qStride)
    }
}

@inline(__always) func visible(_ kvPos: Int32, _ qPos: Int32, _ window: Int) -> Bool {
    kvPos <= qPos && (window <= 0 || Int(qPos) - Int(kvPos) < window)
}
