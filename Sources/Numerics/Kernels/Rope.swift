import Foundation

/// Which pairs of a head's channels RoPE rotates together.
/// `.interleaved`: (2i, 2i+1) — GGUF llama files (the converter permutes q/k rows to this order).
/// `.neox`: (i, i + rotaryDim/2) — Hugging Face checkpoints of every architecture, and GGUF qwen2/gemma3.
public enum RopeLayout: Sendable, Equatable { case interleaved, neox }

/// Frequency scaling applied on top of base^(-2i/d).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Position interpolation: every frequency divided by `factor`.
    case linear(factor: Double)
    /// Llama-3.x: long wavelengths divided by `factor`, short ones kept, a smooth ramp in between.
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalContext: Double)
}

/// The rotary inverse frequencies θ_i = base^(-2i/rotaryDim), i < rotaryDim/2, after `scaling`
/// and, if given, divided elementwise by `freqFactors` (GGUF `rope_freqs.weight`, which is how
/// llama.cpp's converter stores Llama-3 scaling). Computed in Double, returned as Double so the
/// angle pos·θ is formed without float32 rounding.
public func ropeInverseFrequencies(rotaryDim: Int, base: Double, scaling: RopeScaling = .none,
                                   freqFactors: [Float]? = nil) -> [Double] {
    var inv = (0..<rotaryDim / 2).map { 1 / pow(base, Double(2 * $0) / Double(rotaryDim)) }
    switch scaling {
    case .none: break
    case .linear(let f): inv = inv.map { $0 / f }
    case .llama3(let factor, let low, let high, let ctx):
        let lowWavelen = ctx / low, highWavelen = ctx / high
        inv = inv.map { f in
            let wavelen = 2 * Double.pi / f
            if wavelen < highWavelen { return f }
            if wavelen > lowWavelen { return f / factor }
            let smooth = (ctx / wavelen - low) / (high - low)
            return (1 - smooth) * f / factor + smooth * f
        }
    }
    if let freqFactors { for i in inv.indices where i < freqFactors.count { inv[i] /= Double(freqFactors[i]) } }
    return inv
}

/// Rotary position embedding, in place, on x[T, nHeads·headDim]: for every token t and head, the
/// first `rotaryDim` channels of the head are rotated pairwise (pairing per `layout`) by the
/// angle positions[t]·invFreq[i]; channels beyond `rotaryDim` (partial rotary) are untouched.
/// `invFreq` has rotaryDim/2 entries (see `ropeInverseFrequencies`). The backward pass is the
/// same rotation by the negated angle.
public func ropeForward(x: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, T: Int, nHeads: Int,
                        headDim: Int, rotaryDim: Int, invFreq: UnsafePointer<Double>, layout: RopeLayout,
                        inverse: Bool = false) {
    let half = rotaryDim / 2
    let cs = UnsafeMutablePointer<Float>.allocate(capacity: 2 * half)
    defer { cs.deallocate() }
    for t in 0..<T {
        // cos/sin once per token, shared by all heads.
        ropeAngles(cs, position: positions[t], invFreq: invFreq, half: half)
        ropeRotate(x + t * nHeads * headDim, cs: cs, nHeads: nHeads, headDim: headDim, half: half, layout: layout, inverse: inverse)
    }
}

/// cos/sin of pos·θ_i for the positions 0..<count, computed once for many applications (a
/// training step rotates q and k forward and their gradients backward at the same positions:
/// four times per layer). The same values as `ropeForward` computes per token.
public struct RopeTable: Sendable {
    public let half: Int, count: Int
    /// [count][2·half]: cos, sin pairs.
    public let values: [Float]

    public init(invFreq: [Double], positions count: Int) {
        let half = invFreq.count
        var v = [Float](repeating: 0, count: max(1, count) * 2 * half)
        invFreq.withUnsafeBufferPointer { f in
            v.withUnsafeMutableBufferPointer { out in
                for p in 0..<count { ropeAngles(out.baseAddress! + p * 2 * half, position: Int32(p), invFreq: f.baseAddress!, half: half) }
            }
        }
        self.half = half; self.count = count; self.values = v
    }
}

/// `ropeForward` with the angles looked up in `table` (every position must be < table.count).
public func ropeForward(x: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, T: Int, nHeads: Int,
                        headDim: Int, rotaryDim: Int, table: RopeTable, layout: RopeLayout, inverse: Bool = false) {
    precondition(table.half == rotaryDim / 2, "RoPE table for \(2 * table.half) rotary dims, not \(rotaryDim)")
    table.values.withUnsafeBufferPointer { v in
        for t in 0..<T {
            let p = Int(positions[t])
            precondition(p >= 0 && p < table.count, "position \(p) outside the RoPE table (0..<\(table.count))")
            ropeRotate(x + t * nHeads * headDim, cs: v.baseAddress! + p * 2 * table.half, nHeads: nHeads, headDim: headDim,
                       half: table.half, layout: layout, inverse: inverse)
        }
    }
}

/// cos(pos·θ_i), sin(pos·θ_i) into cs[2i], cs[2i+1].
@inline(__always) func ropeAngles(_ cs: UnsafeMutablePointer<Float>, position: Int32, invFreq: UnsafePointer<Double>, half: Int) {
    let p = Double(position)
    for i in 0..<half {
        let a = p * invFreq[i]
        cs[2 * i] = Float(cos(a)); cs[2 * i + 1] = Float(sin(a))
    }
}

/// Rotates the channel pairs of every head of one token by the angles in `cs` (by their
/// negatives when `inverse`: the backward pass).
@inline(__always) func ropeRotate(_ row: UnsafeMutablePointer<Float>, cs: UnsafePointer<Float>, nHeads: Int, headDim: Int,
                                  half: Int, layout: RopeLayout, inverse: Bool) {
    for h in 0..<nHeads {
        let v = row + h * headDim
        for i in 0..<half {
            let c = cs[2 * i], s = inverse ? -cs[2 * i + 1] : cs[2 * i + 1]
            let j0 = layout == .interleaved ? 2 * i : i
            let j1 = layout == .interleaved ? 2 * i + 1 : i + half
            let x0 = v[j0], x1 = v[j1]
            v[j0] = x0 * c - x1 * s
            v[j1] = x0 * s + x1 * c
        }
    }
}
