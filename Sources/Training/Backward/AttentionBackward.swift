import Numerics

/// Backward of `maskedAttentionForward` (causal or tree-masked, GQA, any `scale`).
///
/// Memory choice: the softmax probabilities are *recomputed* here by the forward kernel (its
/// Q·Kᵀ and P·V sgemms per head) rather than cached by the forward. Caching would keep
/// nHeads·T² floats per layer alive for the whole forward pass (e.g. 9 heads · 512² · 4 B ≈ 9.4 MB
/// per layer, 30 layers ≈ 280 MB for SmolLM2 at T = 512); recomputing needs one layer's
/// nHeads·T² probabilities and a T² scratch, allocated once per call.
/// Gradients accumulate into dq [T, nHeads·hd], dk and dv [T, nKVHeads·hd].
public func maskedAttentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                                    dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    mask: AttentionMask, nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    if mask.T == 0 { return }
    mask.allowed.withUnsafeBufferPointer { allowed in
        attentionBackward(dq: dq, dk: dk, dv: dv, dout: dout, q: q, T: mask.T, k: k, v: v, S: mask.T,
                          mask: allowed.baseAddress!, nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim, scale: scale)
    }
}

/// Backward of Numerics' masked `attentionForward` for T query rows against S key/value rows
/// (`mask` [T, S], nonzero = visible). Per head h (kv head g = h / (nHeads / nKVHeads)):
///   dP = dO·Vᵀ,  dV += Pᵀ·dO,  dS = P ∘ (dP − rowsum(P ∘ dP)),  dQ += s·dS·K,  dK += s·dSᵀ·Q
/// Gradients accumulate into dq [T, nHeads·hd], dk and dv [S, nKVHeads·hd].
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, T: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>, S: Int,
                              mask: UnsafePointer<UInt8>, nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    if T == 0 || S == 0 { return }
    precondition(nHeads % nKVHeads == 0, "nHeads must be a multiple of nKVHeads")
    let ldq = nHeads * headDim, ldkv = nKVHeads * headDim
    let group = nHeads / nKVHeads
    let probs = UnsafeMutablePointer<Float>.allocate(capacity: nHeads * T * S)
    let dp = UnsafeMutablePointer<Float>.allocate(capacity: T * S)
    let outScratch = UnsafeMutablePointer<Float>.allocate(capacity: T * ldq)
    defer { probs.deallocate(); dp.deallocate(); outScratch.deallocate() }
    attentionForward(out: outScratch, probs: probs, q: q, T: T, k: k, v: v, S: S, mask: mask,
                     nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim, scale: scale)
    for h in 0..<nHeads {
        let g = h / group
        let qh = q + h * headDim, kg = k + g * headDim, vg = v + g * headDim
        let p = probs + h * T * S
        let doh = dout + h * headDim
        sgemm(transB: true, M: T, N: S, K: headDim, A: doh, lda: ldq, B: vg, ldb: ldkv, C: dp, ldc: S)
        sgemm(transA: true, M: S, N: headDim, K: T, A: p, lda: S, B: doh, ldb: ldq, beta: 1, C: dv + g * headDim, ldc: ldkv)
        for i in 0..<T {
            let pr = p + i * S, dr = dp + i * S
            var dot: Float = 0
            for j in 0..<S { dot += pr[j] * dr[j] }
            for j in 0..<S { dr[j] = pr[j] * (dr[j] - dot) }
        }
        sgemm(M: T, N: headDim, K: S, alpha: scale, A: dp, lda: S, B: kg, ldb: ldkv, beta: 1, C: dq + h * headDim, ldc: ldq)
        sgemm(transA: true, M: S, N: headDim, K: T, alpha: scale, A: dp, lda: S, B: qh, ldb: ldq,
              beta: 1, C: dk + g * headDim, ldc: ldkv)
    }
}
