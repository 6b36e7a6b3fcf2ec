import Numerics

/// Backward of `maskedAttentionForward` (causal or tree-masked, GQA, any `scale`).
///
/// Memory choice: the softmax probabilities are *recomputed* here by the forward kernel (its
/// Q·Kᵀ and P·V sgemms per head) rather than cached by the forward. Caching would keep
/// nHeads·T² floats per layer alive for the whole forward pass (e.g. 9 heads · 512² · 4 B ≈ 9.4 MB
/// per layer, 30 layers ≈ 280 MB for SmolLM2 at T = 512); recomputing needs one layer's
/// nHeads·T² probabilities and a T² scratch, allocated once per call. Per head h (kv head g = h / (nHeads / nKVHeads)):
///   dP = dO·Vᵀ,  dV += Pᵀ·dO,  dS = P ∘ (dP − rowsum(P ∘ dP)),  dQ += s·dS·K,  dK += s·dSᵀ·Q
/// Gradients accumulate into dq [T, nHeads·hd], dk and dv [T, nKVHeads·hd].
public func maskedAttentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                                    dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    mask: AttentionMask, nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    let T = mask.T
    if T == 0 { return }
    precondition(nHeads % nKVHeads == 0, "nHeads must be a multiple of nKVHeads")
    let ldq = nHeads * headDim, ldkv = nKVHeads * headDim
    let group = nHeads / nKVHeads
    let probs = UnsafeMutablePointer<Float>.allocate(capacity: nHeads * T * T)
    let dp = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
    let outScratch = UnsafeMutablePointer<Float>.allocate(capacity: T * ldq)
    defer { probs.deallocate(); dp.deallocate(); outScratch.deallocate() }
    maskedAttentionForward(out: outScratch, probs: probs, q: q, k: k, v: v, mask: mask,
                           nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim, scale: scale)
    for h in 0..<nHeads {
        let g = h / group
        let qh = q + h * headDim, kg = k + g * headDim, vg = v + g * headDim
        let p = probs + h * T * T
        let doh = dout + h * headDim
        sgemm(transB: true, M: T, N: T, K: headDim, A: doh, lda: ldq, B: vg, ldb: ldkv, C: dp, ldc: T)
        sgemm(transA: true, M: T, N: headDim, K: T, A: p, lda: T, B: doh, ldb: ldq, beta: 1, C: dv + g * headDim, ldc: ldkv)
        for i in 0..<T {
            let pr = p + i * T, dr = dp + i * T
            var dot: Float = 0
            for j in 0..<T { dot += pr[j] * dr[j] }
            for j in 0..<T { dr[j] = pr[j] * (dr[j] - dot) }
        }
        sgemm(M: T, N: headDim, K: T, alpha: scale, A: dp, lda: T, B: kg, ldb: ldkv, beta: 1, C: dq + h * headDim, ldc: ldq)
        sgemm(transA: true, M: T, N: headDim, K: T, alpha: scale, A: dp, lda: T, B: qh, ldb: ldq,
              beta: 1, C: dk + g * headDim, ldc: ldkv)
    }
}
