import Foundation
import Numerics

/// How to turn logits into a sampled token.
public struct SamplingSettings: Sendable, Equatable {
    /// Logits are divided by this; 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = no limit).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 = no limit).
    public var topP: Float
    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
    }
    public static let greedy = SamplingSettings(temperature: 0)
}

/// Seeded token sampler (xoshiro256** seeded by SplitMix64): the same seed and logits give the
/// same tokens on every run and machine.
public struct Sampler {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var z = seed
        func splitmix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Next raw 64-bit value.
    public mutating func next() -> UInt64 {
        func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3; s.2 ^= t; s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Samples one token id from a row of `vocab` logits.
    public mutating func sample(logits: UnsafePointer<Float>, vocab: Int, settings: SamplingSettings) -> Int32 {
        if settings.temperature <= 0 || settings.topK == 1 {
            var best = 0
            for i in 1..<vocab where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        // Candidates: all tokens, or the top k; sorted by logit descending when a cut is needed.
        var ids = Array(0..<vocab)
        let needSort = settings.topK > 0 || settings.topP < 1
        if needSort {
            // Ties broken by token id so the order (and the sample) is deterministic.
            ids.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
            if settings.topK > 0 && settings.topK < vocab { ids.removeSubrange(settings.topK...) }
        }
        let invT = Double(1 / settings.temperature)
        var m = -Double.infinity
        for i in ids { m = max(m, Double(logits[i]) * invT) }
        var p = ids.map { exp(Double(logits[$0]) * invT - m) }
        var z = p.reduce(0, +)
        if settings.topP < 1 {
            var cum = 0.0, keep = p.count
            for (j, pj) in p.enumerated() {
                cum += pj
                if cum >= Double(settings.topP) * z { keep = j + 1; break }
            }
            p.removeSubrange(keep...); ids.removeSubrange(keep...)
            z = p.reduce(0, +)
        }
        let u = uniform() * z
        var cum = 0.0
        for (j, pj) in p.enumerated() {
            cum += pj
            if u < cum { return Int32(ids[j]) }
        }
        return Int32(ids[ids.count - 1])
    }

    public mutating func sample(logits: [Float], settings: SamplingSettings) -> Int32 {
        logits.withUnsafeBufferPointer { sample(logits: $0.baseAddress!, vocab: $0.count, settings: settings) }
    }
}

extension LanguageModel {
    /// Generates up to `maxTokens` tokens after `prompt`, stopping after any token in `stop`.
    /// The prompt is prefilled in one batch; each sample continues from a fork of its cache, so
    /// n samples of one prompt cost one prefill. Sample i uses the sampler seeded with seed + i.
    /// Returns the generated tokens of each sample (a stop token included).
    public func generate(prompt: [Int32], samples n: Int = 1, maxTokens: Int, settings: SamplingSettings,
                         seed: UInt64, stop: Set<Int32> = []) throws -> [[Int32]] {
        guard !prompt.isEmpty else { throw ModelInputError("generate needs a non-empty prompt") }
        let V = config.vocabSize
        let base = makeCache(capacity: prompt.count + maxTokens)
        let first = try forward(tokens: prompt, cache: base, logitRows: .last)
        var results: [[Int32]] = []
        for i in 0..<n {
            var sampler = Sampler(seed: seed &+ UInt64(i))
            let cache = n == 1 ? base : base.fork()
            var logits = first, out: [Int32] = []
            while out.count < maxTokens {
                let tok = sampler.sample(logits: logits, settings: settings)
                out.append(tok)
                if stop.contains(tok) || out.count == maxTokens { break }
                logits = try forward(tokens: [tok], cache: cache, logitRows: .last)
                precondition(logits.count == V)
            }
            results.append(out)
        }
        return results
    }
}
