/// RMSNorm over each row of x[T, C]: out = x / sqrt(mean(x²) + eps) · weight.
/// The weight is used as given: Gemma's "(1 + w)" is folded into the weight at load time
/// (llama.cpp's GGUF converter already stores 1 + w). If `rstd` is given, 1/sqrt(mean(x²)+eps)
/// per row [T] is stored for the backward pass. The sum of squares is accumulated in Double so
/// wide rows do not lose precision; the result is rounded to float32 like the references.
public func rmsnormForward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>? = nil,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           T: Int, C: Int, eps: Float) {
    for t in 0..<T {
        let x = inp + t * C, y = out + t * C
        var ss: Double = 0
        for c in 0..<C { ss += Double(x[c]) * Double(x[c]) }
        let r = Float(1 / (ss / Double(C) + Double(eps)).squareRoot())
        rstd?[t] = r
        for c in 0..<C { y[c] = x[c] * r * weight[c] }
    }
}

/// LayerNorm over each row of x[T, C]: out = (x - mean) / sqrt(var + eps) · weight + bias
/// (biased variance, as PyTorch). `mean` and `rstd` [T], if given, are stored for the backward pass.
public func layernormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>? = nil,
                             rstd: UnsafeMutablePointer<Float>? = nil, inp: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             T: Int, C: Int, eps: Float) {
    for t in 0..<T {
        let x = inp + t * C, y = out + t * C
        var s: Double = 0
        for c in 0..<C { s += Double(x[c]) }
        let m = s / Double(C)
        var v: Double = 0
        for c in 0..<C { let d = Double(x[c]) - m; v += d * d }
        let r = 1 / (v / Double(C) + Double(eps)).squareRoot()
        mean?[t] = Float(m)
        rstd?[t] = Float(r)
        let mf = Float(m), rf = Float(r)
        if let bias {
            for c in 0..<C { y[c] = (x[c] - mf) * rf * weight[c] + bias[c] }
        } else {
            for c in 0..<C { y[c] = (x[c] - mf) * rf * weight[c] }
        }
    }
}
