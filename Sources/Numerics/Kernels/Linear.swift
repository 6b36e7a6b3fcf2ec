/// y[T, outDim] = x[T, inDim] · Wᵀ + b, with W [outDim, inDim] row-major (PyTorch layout) and
/// an optional bias b[outDim]. One sgemm over all T tokens: prefill speed comes from here.
public func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          T: Int, inDim: Int, outDim: Int) {
    if let bias {
        // Seed every output row with the bias, then accumulate the product onto it (beta = 1).
        for t in 0..<T { (out + t * outDim).update(from: bias, count: outDim) }
    }
    // Decoding: one or a few rows. sgemm would repack the whole weight matrix for them, which
    // costs more than the product itself; sgemv (one row) and the skinny kernel (a few rows)
    // stream the weights once.
    if T == 1 {
        sgemv(M: outDim, N: inDim, A: weight, lda: inDim, x: inp, beta: bias == nil ? 0 : 1, y: out)
        return
    }
    if T <= 16 {
        if bias == nil { out.initialize(repeating: 0, count: T * outDim) }
        skinnyLinearAccumulate(out: out, inp: inp, weight: weight, T: T, inDim: inDim, outDim: outDim)
        return
    }
    sgemm(transB: true, M: T, N: outDim, K: inDim, A: inp, lda: inDim, B: weight, ldb: inDim,
          beta: bias == nil ? 0 : 1, C: out, ldc: outDim)
}

/// Token embedding lookup: out[t] = table[tokens[t]] · scale for a table [vocab, C].
/// Token ids must already be validated against `vocab` by the caller.
public func embeddingForward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                             table: UnsafePointer<Float>, T: Int, C: Int, scale: Float = 1) {
    for t in 0..<T {
        let src = table + Int(tokens[t]) * C, dst = out + t * C
        if scale == 1 { dst.update(from: src, count: C) } else { for c in 0..<C { dst[c] = src[c] * scale } }
    }
}

/// Learned absolute positions (GPT-2): out[t] += table[positions[t]] for a table [maxPositions, C].
public func addPositionEmbedding(out: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>,
                                 table: UnsafePointer<Float>, T: Int, C: Int) {
    for t in 0..<T {
        let src = table + Int(positions[t]) * C, dst = out + t * C
        for c in 0..<C { dst[c] += src[c] }
    }
}

/// Residual connection: x[i] += y[i] for i < N.
public func residualAdd(x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, N: Int) {
    for i in 0..<N { x[i] += y[i] }
}
