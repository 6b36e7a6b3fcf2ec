import Foundation

/// Row-wise softmax of x[rows, cols] in float32 with max subtraction (out may alias inp).
/// The normaliser is accumulated in Double so 262k-wide vocab rows keep full float32 precision.
public func softmaxForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols, y = out + r * cols
        var m = -Float.infinity
        for c in 0..<cols { m = max(m, x[c]) }
        var s: Double = 0
        for c in 0..<cols { let e = expf(x[c] - m); y[c] = e; s += Double(e) }
        let inv = Float(1 / s)
        for c in 0..<cols { y[c] *= inv }
    }
}

/// Row-wise log-softmax of x[rows, cols]: out = x - max - log Σ exp(x - max) (out may alias inp).
public func logSoftmaxForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let x = inp + r * cols, y = out + r * cols
        // (x - max) - log Σ: subtracting the max first keeps the full float32 precision of
        // small log-probabilities even when the logits themselves are large.
        var m = -Float.infinity
        for c in 0..<cols { m = max(m, x[c]) }
        var s: Double = 0
        for c in 0..<cols { s += Double(expf(x[c] - m)) }
        let logS = Float(log(s))
        for c in 0..<cols { y[c] = (x[c] - m) - logS }
    }
}

/// log Σ exp(x[i]) over `count` floats, with max subtraction; the sum is accumulated in Double.
public func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var m = -Float.infinity
    for c in 0..<count { m = max(m, x[c]) }
    if m == -Float.infinity { return m }
    var s: Double = 0
    for c in 0..<count { s += Double(expf(x[c] - m)) }
    return m + Float(log(s))
}
