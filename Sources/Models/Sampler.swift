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
        var z = SplitMix64(seed: seed)
        s = (z.next(), z.next(), z.next(), z.next())
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
        // Ties are broken by token id so the order (and the sample) is deterministic.
        var ids: [Int]
        if settings.topK > 0 && settings.topK < vocab {
            // Partial selection, O(V log k): a full sort of a 262k vocabulary per draw cost more
            // than the forward pass when sampling 40 continuations.
            ids = topKIndices(logits, vocab: vocab, k: settings.topK)
        } else {
            ids = Array(0..<vocab)
            if settings.topP < 1 { ids.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 } }
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

/// A prompt run through the model once: its KV cache and the logits after its last token.
/// `infer sample` both samples from and scores human answers after each context; running the
/// prompt once for both halves the prefill work, and the results are the same bits as two
/// separate runs (the same computation on the same tokens). Users fork `cache`, never extend it.
public struct PrefilledPrompt {
    public let cache: KVCache
    public let lastLogits: [Float]
}

extension LanguageModel {
    /// Runs `prompt` once (see `PrefilledPrompt`).
    public func prefill(_ prompt: [Int32]) throws -> PrefilledPrompt {
        guard !prompt.isEmpty else { throw ModelInputError("prefill needs a non-empty prompt") }
        let cache = makeCache(capacity: prompt.count)
        let logits = try forward(tokens: prompt, cache: cache, logitRows: .last)
        return PrefilledPrompt(cache: cache, lastLogits: logits)
    }

    /// Generates up to `maxTokens` tokens after `prompt`, stopping a sample after any token in
    /// `stop`. The prompt is prefilled once; each sample continues from a fork of its cache, and
    /// all unfinished samples decode together (one batched step per token). Sample i draws from
    /// its own sampler seeded with seed + i, so results do not depend on the batching.
    /// `isDone`, when given, ends a sample early once its tokens so far satisfy it (e.g. its first
    /// word is complete): the sample's remaining tokens could not change what the caller keeps, and
    /// since each sample has its own sampler, the other samples are unaffected.
    /// Returns the generated tokens of each sample (a stop token included).
    public func generate(prompt: [Int32], samples n: Int = 1, maxTokens: Int, settings: SamplingSettings,
                         seed: UInt64, stop: Set<Int32> = [], isDone: (([Int32]) -> Bool)? = nil) throws -> [[Int32]] {
        guard !prompt.isEmpty else { throw ModelInputError("generate needs a non-empty prompt") }
        return try generate(after: try prefill(prompt), samples: n, maxTokens: maxTokens, settings: settings,
                            seed: seed, stop: stop, isDone: isDone)
    }

    /// `generate(prompt:...)` after a prompt that has already been run; `prefilled` is left as it
    /// was (every sample decodes on a fork of its cache).
    ///
    /// Samples that have drawn the same tokens so far have the same next-token distribution, so
    /// each decode step runs once per distinct token sequence, not once per sample: with 40
    /// samples of a peaked distribution, most of them share their first token. Such samples
    /// share one KV cache until their tokens differ (a group that leaves a shared cache takes a
    /// fork of it). Each sample still draws with its own sampler from its sequence's logits.
    public func generate(after prefilled: PrefilledPrompt, samples n: Int = 1, maxTokens: Int, settings: SamplingSettings,
                         seed: UInt64, stop: Set<Int32> = [], isDone: (([Int32]) -> Bool)? = nil) throws -> [[Int32]] {
        guard n >= 1, maxTokens >= 0 else { throw ModelInputError("generate: samples \(n) must be ≥ 1 and maxTokens \(maxTokens) ≥ 0") }
        let V = config.vocabSize
        var results = [[Int32]](repeating: [], count: n)
        if maxTokens == 0 { return results }
        var samplers = (0..<n).map { Sampler(seed: seed &+ UInt64($0)) }
        // Every sample starts on the prompt's cache and its last logits (logits row 0).
        var cacheOf = [KVCache?](repeating: prefilled.cache, count: n)
        var sharesPrompt = true
        var logits = prefilled.lastLogits
        var rowOf = [Int](repeating: 0, count: n)
        var active = Array(0..<n)
        while !active.isEmpty {
            var continuing: [Int] = []
            for i in active {
                let tok = logits.withUnsafeBufferPointer { samplers[i].sample(logits: $0.baseAddress! + rowOf[i] * V, vocab: V, settings: settings) }
                results[i].append(tok)
                if !stop.contains(tok) && results[i].count < maxTokens && !(isDone?(results[i]) ?? false) {
                    continuing.append(i)
                } else {
                    cacheOf[i] = nil
                }
            }
            active = continuing
            if active.isEmpty { break }
            // One decode row per distinct token sequence, in order of first appearance.
            var groupOf: [[Int32]: Int] = [:], groupCaches: [KVCache] = [], groupTokens: [Int32] = []
            var claimed = Set<ObjectIdentifier>()
            for i in active {
                if let g = groupOf[results[i]] { rowOf[i] = g; cacheOf[i] = groupCaches[g]; continue }
                let g = groupCaches.count
                groupOf[results[i]] = g
                // The prompt's own cache is never written; a cache another group already
                // continues is forked before either appends.
                let shared = cacheOf[i]!
                let mine = (sharesPrompt || claimed.contains(ObjectIdentifier(shared))) ? shared.fork() : shared
                claimed.insert(ObjectIdentifier(mine))
                groupCaches.append(mine); groupTokens.append(results[i].last!)
                rowOf[i] = g; cacheOf[i] = mine
            }
            sharesPrompt = false
            logits = try decodeStep(tokens: groupTokens, caches: groupCaches)
        }
        return results
    }
}

/// The k indices of the largest logits, ordered by logit descending, ties by index ascending —
/// the same order as sorting all indices, without sorting them.
public func topKIndices(_ logits: UnsafePointer<Float>, vocab: Int, k: Int) -> [Int] {
    // "a ranks before b": larger logit, or equal logit and smaller index.
    @inline(__always) func before(_ a: Int, _ b: Int) -> Bool { logits[a] != logits[b] ? logits[a] > logits[b] : a < b }
    // Min-heap (by rank) of the k best seen so far; its root is the worst of them.
    var heap = [Int](); heap.reserveCapacity(k)
    func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var worst = i
            if l < heap.count && before(heap[worst], heap[l]) { worst = l }
            if r < heap.count && before(heap[worst], heap[r]) { worst = r }
            if worst == i { return }
            heap.swapAt(i, worst); i = worst
        }
    }
    for id in 0..<vocab {
        if heap.count < k {
            heap.append(id)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                if before(heap[parent], heap[i]) { heap.swapAt(parent, i); i = parent } else { break }
            }
        } else if before(id, heap[0]) {
            heap[0] = id
            siftDown(0)
        }
    }
    return heap.sorted(by: before)
}
