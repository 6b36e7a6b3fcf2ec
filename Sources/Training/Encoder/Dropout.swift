import Numerics

// Counter-based inverted dropout: element i of a call is dropped iff
// uniform(mix(seed + i)) < p, kept elements are scaled by 1/(1 − p). The mask is a pure function
// of (seed, i), so the backward recomputes it instead of storing a [T, C] mask per site, and a
// step is reproducible whatever ran before it (same scheme as LoRALinear's dropout).

/// The multiplier (0 or 1/(1 − p)) of element i under dropout probability p and stream `seed`.
@inline(__always) public func dropoutMultiplier(seed: UInt64, index i: Int, p: Float) -> Float {
    let u = Float(SplitMix64.mix(seed &+ UInt64(i)) >> 40) * 0x1p-24
    return u < p ? 0 : 1 / (1 - p)
}

/// x[i] *= multiplier(seed, i) for i < N, in place (chunked, bit-identical to a serial loop).
public func dropoutForward(x: UnsafeMutablePointer<Float>, N: Int, p: Float, seed: UInt64) {
    if p <= 0 { return }
    forEachChunk(N) { r in for i in r { x[i] *= dropoutMultiplier(seed: seed, index: i, p: p) } }
}

/// Backward of `dropoutForward` on a gradient in place: dx[i] *= the same multiplier.
/// (The forward is linear, so its backward is the same masking.)
public func dropoutBackward(dx: UnsafeMutablePointer<Float>, N: Int, p: Float, seed: UInt64) {
    dropoutForward(x: dx, N: N, p: p, seed: seed)
}
