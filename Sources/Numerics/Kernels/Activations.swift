import Foundation

/// SiLU: x·σ(x).
@inlinable public func silu(_ x: Float) -> Float { x / (1 + expf(-x)) }

/// GELU, tanh approximation, computed with the exact tanh (not a lookup table):
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). This is GPT-2's "gelu_new" and Gemma's "gelu_pytorch_tanh".
@inlinable public func geluTanh(_ x: Float) -> Float {
    let k: Float = 0.7978845608028654  // √(2/π)
    return 0.5 * x * (1 + tanhf(k * (x + 0.044715 * x * x * x)))
}

// The activations are elementwise, so they run chunked on all cores (`forEachChunk`) with
// bit-identical results; tanh and exp dominate a training step's non-BLAS time otherwise.

/// SwiGLU gated FFN activation (Llama, Qwen2): out[i] = silu(gate[i]) · up[i], i < N.
public func swigluForward(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in for i in r { out[i] = silu(gate[i]) * up[i] } }
}

/// GeGLU gated FFN activation (Gemma): out[i] = geluTanh(gate[i]) · up[i], i < N.
public func gegluTanhForward(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in for i in r { out[i] = geluTanh(gate[i]) * up[i] } }
}

/// Plain GELU-tanh (GPT-2 MLP): out[i] = geluTanh(inp[i]) (out may alias inp).
public func geluTanhForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in for i in r { out[i] = geluTanh(inp[i]) } }
}

/// Exact GELU with the error function: 0.5·x·(1 + erf(x/√2)). This is BERT's `hidden_act: "gelu"`
/// (PyTorch's default `nn.GELU()`), not the tanh approximation above; the two differ by up to ~1e-3.
@inlinable public func geluErf(_ x: Float) -> Float {
    0.5 * x * (1 + erff(x * 0.7071067811865476))  // 1/√2
}

/// Plain exact GELU (BERT FFN): out[i] = geluErf(inp[i]) (out may alias inp).
public func geluErfForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
    forEachChunk(N) { r in for i in r { out[i] = geluErf(inp[i]) } }
}
