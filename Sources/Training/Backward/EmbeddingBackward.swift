/// Backward of the token-embedding lookup out[t, :] = scale · wte[tokens[t], :].
///
/// Scatter-add: a token that occurs several times accumulates every occurrence's gradient.
/// `scale` is 1 for llama and sqrt(C) for Gemma (its embedding scale folded in here so the
/// [T, C] gradient is not copied once more). Token ids must be in 0..<V (the forward already
/// validated them; an id out of range here is a programming error).
public func embeddingBackward(dwte: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              tokens: UnsafePointer<Int32>, T: Int, C: Int, scale: Float = 1) {
    for t in 0..<T {
        let row = dwte + Int(tokens[t]) * C
        let g = dout + t * C
        for i in 0..<C { row[i] += scale * g[i] }
    }
}
