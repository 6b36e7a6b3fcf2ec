import Numerics

/// Backward of `linearForward`: y[T, outDim] = x[T, inDim] · Wᵀ + b, W stored [outDim, inDim].
///
/// All gradients are *accumulated* (`+=`), as in llm.c, so a layer used twice (or gradient
/// accumulation over micro-batches) just calls this again; zero the buffers before a step.
/// Pass `nil` for a gradient that is not needed (a frozen weight, the first layer's input):
/// the corresponding matmul is skipped entirely.
/// - dinp[T, inDim] += dout · W
/// - dweight[outDim, inDim] += doutᵀ · x
/// - dbias[outDim] += Σ_t dout[t, :]
public func linearBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           T: Int, inDim: Int, outDim: Int) {
    if T == 0 { return }
    if let dinp {
        sgemm(M: T, N: inDim, K: outDim, A: dout, lda: outDim, B: weight, ldb: inDim, beta: 1, C: dinp, ldc: inDim)
    }
    if let dweight {
        sgemm(transA: true, M: outDim, N: inDim, K: T, A: dout, lda: outDim, B: inp, ldb: inDim,
              beta: 1, C: dweight, ldc: inDim)
    }
    if let dbias {
        for t in 0..<T {
            let row = dout + t * outDim
            for o in 0..<outDim { dbias[o] += row[o] }
        }
    }
}
