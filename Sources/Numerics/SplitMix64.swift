/// SplitMix64: a tiny, fast, fully specified PRNG (Steele et al. 2014), the one seeded generator
/// of the package: LoRA initialisation, dropout masks, epoch orders, the token sampler's seeding
/// and the per-context sampling seeds, bit-identical for the same seed on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }
    /// One step from `x` as a stateless hash: SplitMix64(seed: x).next().
    @inline(__always) public static func hash(_ x: UInt64) -> UInt64 { mix(x &+ 0x9E37_79B9_7F4A_7C15) }
    /// The finaliser on its own: a stateless hash, used for counter-based dropout masks.
    @inline(__always) public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }
}
