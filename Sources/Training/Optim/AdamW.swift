import Foundation
import Numerics

/// AdamW (Loshchilov & Hutter) as in `torch.optim.AdamW`: decoupled weight decay, bias-corrected
/// moments, ε added to sqrt(v̂). Deterministic: plain sequential loops, no randomness.
///
/// Per element, at step t (1-based):
///   p ← p − lr·λ·p            (only for parameters with `weightDecay`)
///   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
///   p ← p − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε)
/// Gradient accumulation: run the backward of k micro-batches with the loss scaled by 1/k
/// (gradients accumulate in `Parameter.grad`), then `step` once and `zeroGrads`.
public final class AdamW {
    /// Hyper-parameters are Double (as PyTorch's Python floats) so that 1 − β2 is exactly 0.001
    /// for β2 = 0.999 before the per-step coefficients are rounded to Float.
    public var beta1: Double, beta2: Double, eps: Double, weightDecay: Double
    /// Number of steps taken so far (t after the last step); saved with the checkpoint.
    public private(set) var t: Int = 0
    public private(set) var m: [[Float]] = []
    public private(set) var v: [[Float]] = []

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
    }

    /// Restores state saved from `t`, `m`, `v` (a resumed run); sizes are checked on the next step.
    public func restore(t: Int, m: [[Float]], v: [[Float]]) throws {
        guard m.count == v.count, zip(m, v).allSatisfy({ $0.count == $1.count }), t >= 0 else {
            throw TrainingError("AdamW state: inconsistent moment buffers")
        }
        self.t = t; self.m = m; self.v = v
    }

    /// One update of every parameter with learning rate `lr`. The parameter list must be the
    /// same (same order and sizes) on every call. `gradScale` multiplies each gradient as it is
    /// read (global-norm clipping fused into the update: g·scale is the same Float product that
    /// clipping in place would store, so the result is bit-identical and saves a pass over the
    /// gradients).
    public func step(_ params: [Parameter], lr: Float, gradScale: Float = 1) throws {
        if m.isEmpty && t == 0 {
            // Two separate allocations: `v = m` would share storage until the first write and
            // then copy 1 GB (Gemma-3) inside the timed step.
            m = params.map { [Float](repeating: 0, count: $0.count) }
            v = params.map { [Float](repeating: 0, count: $0.count) }
        }
        guard m.count == params.count else {
            throw TrainingError("AdamW: \(params.count) parameters, optimiser state has \(m.count)")
        }
        for (i, p) in params.enumerated() where m[i].count != p.count {
            throw TrainingError("AdamW: parameter \(p.name) has \(p.count) values, optimiser state \(m[i].count)")
        }
        t += 1
        let bc1 = Float(1 - pow(beta1, Double(t)))
        let bc2 = Float(1 - pow(beta2, Double(t)))
        let b1 = Float(beta1), b2 = Float(beta2), e = Float(eps)
        let c1 = Float(1 - beta1), c2 = Float(1 - beta2)
        let scaled = gradScale != 1
        for (i, p) in params.enumerated() {
            guard p.trainable else { throw TrainingError("AdamW: parameter \(p.name) is frozen") }
            let decay: Float = p.weightDecay ? Float(1 - Double(lr) * weightDecay) : 1
            let w = p.valuePointer, g = p.grad.baseAddress!, n = p.count
            m[i].withUnsafeMutableBufferPointer { mmb in
                v[i].withUnsafeMutableBufferPointer { vvb in
                    let mm = mmb.baseAddress!, vv = vvb.baseAddress!
                    // Elementwise, so chunks on both cores give bit-identical results; a full
                    // Gemma step updates 268M values, worth ~5% of the step when serial.
                    forEachChunk(n, chunk: 1 << 16) { r in
                        for j in r {
                            let gj = scaled ? g[j] * gradScale : g[j]
                            let mj = b1 * mm[j] + c1 * gj
                            let vj = b2 * vv[j] + c2 * gj * gj
                            mm[j] = mj; vv[j] = vj
                            w[j] = w[j] * decay - lr * (mj / bc1) / ((vj / bc2).squareRoot() + e)
                        }
                    }
                }
            }
        }
    }
}

/// Clips gradients by their global L2 norm, like `torch.nn.utils.clip_grad_norm_`: if the norm
/// over all parameters exceeds `maxNorm`, every gradient is multiplied by maxNorm / (norm + 1e-6).
/// Returns the norm before clipping (accumulated in Double).
@discardableResult
public func clipGradNorm(_ params: [Parameter], maxNorm: Float) -> Float {
    let norm = globalGradNorm(params)
    let coef = clipCoefficient(norm: norm, maxNorm: maxNorm)
    if coef != 1 {
        for p in params where p.trainable {
            let g = p.grad.baseAddress!
            forEachChunk(p.count) { r in for j in r { g[j] *= coef } }
        }
    }
    return norm
}

/// The global L2 norm of all gradients (Double accumulation, deterministic chunked sum; frozen
/// parameters have no gradient and add nothing).
public func globalGradNorm(_ params: [Parameter]) -> Float {
    var ss = 0.0
    for p in params where p.trainable { ss += sumOfSquares(p.grad.baseAddress!, p.count) }
    return Float(ss.squareRoot())
}

/// The factor `clip_grad_norm_` multiplies gradients by: maxNorm / (norm + 1e-6) when that is
/// below 1, else 1 (no change).
public func clipCoefficient(norm: Float, maxNorm: Float) -> Float {
    let coef = maxNorm / (norm + 1e-6)
    return coef < 1 ? coef : 1
}

/// Linear warm-up then linear decay to 0, as HF `get_linear_schedule_with_warmup`: the
/// learning rate used for optimiser step s (0-based) is
///   peak · s / warmup                              if s < warmup
///   peak · max(0, (total − s) / max(1, total − warmup))   otherwise.
/// (So with warm-up the very first step has lr 0, exactly as in HF.)
public struct LinearSchedule: Sendable {
    public let peak: Float, warmupSteps: Int, totalSteps: Int
    public init(peak: Float, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }
    public func lr(step s: Int) -> Float {
        if s < warmupSteps { return peak * Float(s) / Float(max(1, warmupSteps)) }
        return peak * max(0, Float(totalSteps - s) / Float(max(1, totalSteps - warmupSteps)))
    }
}
