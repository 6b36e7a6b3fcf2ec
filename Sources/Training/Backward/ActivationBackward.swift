import Foundation
import Numerics

// Elementwise activations over N = T·C floats. Gradients accumulate (`+=`). Chunked over the
// cores like the forward kernels (`forEachChunk`), bit-identical to a serial loop.

@inline(__always) private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Backward of `swigluForward`: out = silu(gate) · up, silu(g) = g·σ(g).
///   dgate += dout · up · σ(g)(1 + g(1 − σ(g))),  dup += dout · silu(g)
public func swigluBackward(dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>,
                           dout: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in
        for i in r {
            let g = gate[i], s = sigmoid(g)
            dgate[i] += dout[i] * up[i] * s * (1 + g * (1 - s))
            dup[i] += dout[i] * g * s
        }
    }
}

private let geluK: Float = 0.7978845608028654   // sqrt(2/π)
private let geluC: Float = 0.044715

/// d/dx of the tanh-approximated GELU, 0.5·x·(1 + tanh(k(x + c x³))).
@inline(__always) private func geluTanhValueAndDerivative(_ x: Float) -> (Float, Float) {
    let u = geluK * (x + geluC * x * x * x)
    let th = tanhf(u)
    let value = 0.5 * x * (1 + th)
    let du = geluK * (1 + 3 * geluC * x * x)
    let deriv = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du
    return (value, deriv)
}

/// Backward of `geluTanhForward` (out = gelu_tanh(inp)).
public func geluTanhBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                             inp: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in for i in r { dinp[i] += dout[i] * geluTanhValueAndDerivative(inp[i]).1 } }
}

/// Backward of `geluErfForward` (out = 0.5·x·(1 + erf(x/√2)), exact GELU):
///   d/dx = 0.5·(1 + erf(x/√2)) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π)
public func geluErfBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                            inp: UnsafePointer<Float>, N: Int) {
    let invSqrt2: Float = 0.7071067811865476, invSqrt2Pi: Float = 0.3989422804014327
    forEachChunk(N) { r in
        for i in r {
            let x = inp[i]
            dinp[i] += dout[i] * (0.5 * (1 + erff(x * invSqrt2)) + x * invSqrt2Pi * expf(-0.5 * x * x))
        }
    }
}

/// Backward of `gegluTanhForward`, Gemma's gated MLP: out = gelu_tanh(gate) · up.
public func gegluTanhBackward(dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>,
                                  dout: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in
        for i in r {
            let (v, d) = geluTanhValueAndDerivative(gate[i])
            dgate[i] += dout[i] * up[i] * d
            dup[i] += dout[i] * v
        }
    }
}

/// Backward of an elementwise scale out = s · inp (Gemma multiplies the token embeddings by
/// sqrt(C); callers pass the same `s` the forward used, including any rounding it applied).
public func scaleBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, scale: Float, N: Int) {
    for i in 0..<N { dinp[i] += scale * dout[i] }
}
