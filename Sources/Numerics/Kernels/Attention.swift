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
/// kvPositions[j] ≤ qPositions[i] (and within the window). Queries are processed in blocks of
/// 64 rows; each block's two sgemms per head (scores = q·kᵀ, out = p·v) cover only the span of
/// keys visible to some row of the block, so a causal prefill skips most of the masked upper
/// triangle and a sliding window only touches its band. Masked entries get probability exactly 0.
public func attentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>? = nil,
                             q: UnsafePointer<Float>, qPositions: UnsafePointer<Int32>, T: Int,
                             k: UnsafePointer<Float>, v: UnsafePointer<Float>, kvPositions: UnsafePointer<Int32>, S: Int,
                             nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float, window: Int = 0) {
    attention(out: out, probs: probs, q: q, T: T, k: k, v: v, S: S, nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim,
              scale: scale, sees: Visibility(qPos: qPositions, kvPos: kvPositions, window: window, mask: nil, S: S))
}

/// The same attention with an explicit visibility mask instead of positions: query t sees key j iff
/// `mask[t·S + j] != 0` (a training tree batch, where a word's rows see the context and their own
/// word but not the other words, which positions alone cannot express). A query row that sees no
/// key gets output 0 and probabilities 0.
public func attentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>? = nil,
                             q: UnsafePointer<Float>, T: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>, S: Int,
                             mask: UnsafePointer<UInt8>, nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    attention(out: out, probs: probs, q: q, T: T, k: k, v: v, S: S, nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim,
              scale: scale, sees: Visibility(qPos: nil, kvPos: nil, window: 0, mask: mask, S: S))
}

/// Which keys each query row sees: by positions (causal, optional sliding window) or by a mask.
struct Visibility {
    let qPos: UnsafePointer<Int32>?, kvPos: UnsafePointer<Int32>?, window: Int
    let mask: UnsafePointer<UInt8>?, S: Int

    @inline(__always) func sees(_ t: Int, _ j: Int) -> Bool {
        if let mask { return mask[t * S + j] != 0 }
        return visible(kvPos![j], qPos![t], window)
    }

    /// Span [lo, hi) of keys visible to at least one of the query rows r0..<r0+rows (lo ≥ hi: none).
    func span(rows r0: Int, _ rows: Int) -> (Int, Int) {
        var lo = S, hi = 0
        if let qPos, let kvPos, mask == nil {
            var maxQ = Int32.min
            for t in r0..<(r0 + rows) { maxQ = max(maxQ, qPos[t]) }
            for j in 0..<S {
                var any = kvPos[j] <= maxQ
                if any && window > 0 {
                    any = false
                    for t in r0..<(r0 + rows) where visible(kvPos[j], qPos[t], window) { any = true; break }
                }
                if any { lo = min(lo, j); hi = j + 1 }
            }
        } else {
            for j in 0..<S {
                for t in r0..<(r0 + rows) where sees(t, j) { lo = min(lo, j); hi = j + 1; break }
            }
        }
        return (lo, hi)
    }
}

/// The one attention kernel behind both entry points (inference with a KV cache, training
/// forward and the probabilities its backward recomputes).
private func attention(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?,
                       q: UnsafePointer<Float>, T: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>, S: Int,
                       nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float, sees: Visibility) {
    precondition(nHeads % nKVHeads == 0, "nHeads must be a multiple of nKVHeads")
    let qStride = nHeads * headDim, kvStride = nKVHeads * headDim
    let group = nHeads / nKVHeads
    let blockRows = 64
    let scratch: UnsafeMutablePointer<Float>? = probs == nil ? .allocate(capacity: min(T, blockRows) * S) : nil
    defer { scratch?.deallocate() }
    if let probs { probs.initialize(repeating: 0, count: nHeads * T * S) }
    var r0 = 0
    while r0 < T {
        let rows = min(blockRows, T - r0)
        let (lo, hi) = sees.span(rows: r0, rows)
        if hi <= lo {
            // No visible key at all (cannot happen when each query's own key is cached): output 0.
            for t in r0..<(r0 + rows) { (out + t * qStride).initialize(repeating: 0, count: qStride) }
            r0 += rows
            continue
        }
        let width = hi - lo
        for h in 0..<nHeads {
            let g = h / group
            // Scores go straight into the probs output when it is requested (row stride S).
            let p: UnsafeMutablePointer<Float>, ld: Int
            if let probs { p = probs + h * T * S + r0 * S + lo; ld = S } else { p = scratch!; ld = width }
            sgemm(transB: true, M: rows, N: width, K: headDim, alpha: scale, A: q + r0 * qStride + h * headDim, lda: qStride,
                  B: k + lo * kvStride + g * headDim, ldb: kvStride, C: p, ldc: ld)
            for t in 0..<rows {
                let row = p + t * ld
                var m = -Float.infinity
                for j in 0..<width where sees.sees(r0 + t, lo + j) { m = max(m, row[j]) }
                var sum: Float = 0
                for j in 0..<width {
                    if sees.sees(r0 + t, lo + j) {
                        let e = expf(row[j] - m); row[j] = e; sum += e
                    } else {
                        row[j] = 0
                    }
                }
                let inv = sum > 0 ? 1 / sum : 0
                for j in 0..<width { row[j] *= inv }
            }
            sgemm(M: rows, N: headDim, K: width, A: p, lda: ld, B: v + lo * kvStride + g * headDim, ldb: kvStride,
                  C: out + r0 * qStride + h * headDim, ldc: qStride)
        }
        r0 += rows
    }
}

@inline(__always) func visible(_ kvPos: Int32, _ qPos: Int32, _ window: Int) -> Bool {
    kvPos <= qPos && (window <= 0 || Int(qPos) - Int(kvPos) < window)
}
