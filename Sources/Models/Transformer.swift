import Foundation
import ModelIO
import Numerics

/// The one decoder-only forward pass shared by llama, qwen2, gemma3 and gpt2. What differs
/// between them is data: the config (norm/FFN kind, RoPE layout and bases, windows, scales) and
/// which optional weights exist (biases, q/k norms, post-norms, learned positions).
///
/// Per layer, with x the residual stream [T, dModel]:
///   h = norm(x); q,k,v = h·Wqᵀ+b…; [q/k RMS norm per head]; RoPE(q, k); k,v → cache;
///   a = attention(q, cache); o = a·Woᵀ+b; [o = postNorm(o)]; x += o
///   h = norm(x); f = down(act(gate(h)) · up(h)) (or down(gelu(up(h))) for GPT-2); [f = postNorm(f)]; x += f
/// then the final norm, and the output head only for the rows asked for.
public final class Transformer: LanguageModel {
    public let config: ModelConfig
    public let weights: TransformerWeights
    /// RoPE inverse frequencies per layer (layers can differ in base).
    let invFreq: [[Double]]
    /// When set, a single-sequence call records the attention of its last row (paper A's Table 6).
    public var attentionRecorder: AttentionRecorder?

    public init(config: ModelConfig, weights: TransformerWeights, ropeFreqFactors: [Float]? = nil) {
        self.config = config
        self.weights = weights
        invFreq = (0..<config.nLayers).map {
            ropeInverseFrequencies(rotaryDim: config.rotaryDim, base: config.layerRopeBase[$0],
                                   scaling: config.layerRopeScaling[$0], freqFactors: ropeFreqFactors)
        }
    }

    public func hiddenStates(batch: [SequenceInput]) throws -> [Float] {
        let c = config, C = c.dModel
        // Validate every sequence before touching any cache.
        var seen = Set<ObjectIdentifier>()
        var allPos: [[Int32]] = []
        for (b, s) in batch.enumerated() {
            let cache = s.cache
            guard cache.nLayers == c.nLayers, cache.kvDim == c.kvDim else {
                throw ModelInputError("sequence \(b): KV cache has \(cache.nLayers) layers × \(cache.kvDim) channels, model needs \(c.nLayers) × \(c.kvDim)")
            }
            guard seen.insert(ObjectIdentifier(cache)).inserted else { throw ModelInputError("sequence \(b): the same KV cache appears twice in one batch") }
            if let i = s.tokens.firstIndex(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
                throw ModelInputError("sequence \(b): token id \(s.tokens[i]) at index \(i) outside the vocabulary 0..<\(c.vocabSize)")
            }
            let next = cache.positions.last.map { $0 + 1 } ?? 0
            let pos = s.positions ?? (0..<s.tokens.count).map { next + Int32($0) }
            guard pos.count == s.tokens.count else { throw ModelInputError("sequence \(b): \(pos.count) positions for \(s.tokens.count) tokens") }
            if let p = pos.first(where: { $0 < 0 }) { throw ModelInputError("sequence \(b): negative position \(p)") }
            if let pe = weights.positionEmbedding, let p = pos.first(where: { Int($0) >= pe.shape[0] }) {
                throw ModelInputError("sequence \(b): position \(p) beyond the model's \(pe.shape[0]) learned positions")
            }
            allPos.append(pos)
        }
        let tokens = batch.flatMap(\.tokens), pos = allPos.flatMap { $0 }
        let N = tokens.count  // rows of the whole batch: every matmul covers all of them at once
        if N == 0 { return [] }
        // Row offset of each sequence, and its cached length before this call.
        var rowStart: [Int] = [], past: [Int] = [], r = 0
        for s in batch {
            rowStart.append(r); r += s.tokens.count
            past.append(s.cache.count)
            s.cache.reserve(s.cache.count + s.tokens.count)
        }
        let kvPositions = zip(batch, allPos).map { $0.cache.positions + $1 }
        let F = c.ffnDim, H = c.nHeads, KVH = c.nKVHeads, D = c.headDim

        // Scratch for the whole batch, allocated once per call.
        let x = UnsafeMutablePointer<Float>.allocate(capacity: N * C)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: N * C)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: N * c.qDim)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: N * c.qDim)
        let gate = UnsafeMutablePointer<Float>.allocate(capacity: N * F)
        let up = UnsafeMutablePointer<Float>.allocate(capacity: N * F)
        // With a single sequence, k and v are written straight into its cache; with several they
        // are computed for all rows at once and then copied into each sequence's cache.
        let single = batch.count == 1
        let kAll: UnsafeMutablePointer<Float>? = single ? nil : .allocate(capacity: N * c.kvDim)
        let vAll: UnsafeMutablePointer<Float>? = single ? nil : .allocate(capacity: N * c.kvDim)
        defer { for p in [x, h, q, a, gate, up] { p.deallocate() }; kAll?.deallocate(); vAll?.deallocate() }

        // Attention recording: one sequence only (the row it records is that sequence's last).
        let recorder = single ? attentionRecorder : nil
        recorder?.begin(S: past[0] + batch[0].tokens.count)
        defer { recorder?.finish(layersTimesHeads: c.nLayers * H) }
        let W = weights
        tokens.withUnsafeBufferPointer { embeddingForward(out: x, tokens: $0.baseAddress!, table: W.tokenEmbedding.ptr, T: N, C: C, scale: c.embeddingScale) }
        if let pe = W.positionEmbedding { addPositionEmbedding(out: x, positions: pos, table: pe.ptr, T: N, C: C) }

        for l in 0..<c.nLayers {
            let L = W.layers[l]
            let kOut = kAll ?? batch[0].cache.keys(layer: l) + past[0] * c.kvDim
            let vOut = vAll ?? batch[0].cache.values(layer: l) + past[0] * c.kvDim

            // Attention block.
            norm(out: h, inp: x, weight: L.attnNorm, bias: L.attnNormBias, T: N)
            linearForward(out: q, inp: h, weight: L.wq.ptr, bias: L.bq?.ptr, T: N, inDim: C, outDim: c.qDim)
            linearForward(out: kOut, inp: h, weight: L.wk.ptr, bias: L.bk?.ptr, T: N, inDim: C, outDim: c.kvDim)
            linearForward(out: vOut, inp: h, weight: L.wv.ptr, bias: L.bv?.ptr, T: N, inDim: C, outDim: c.kvDim)
            if let qn = L.qNorm { rmsnormForward(out: q, inp: q, weight: qn.ptr, T: N * H, C: D, eps: c.normEps) }
            if let kn = L.kNorm { rmsnormForward(out: kOut, inp: kOut, weight: kn.ptr, T: N * KVH, C: D, eps: c.normEps) }
            if c.rotaryDim > 0 {
                invFreq[l].withUnsafeBufferPointer { f in
                    ropeForward(x: q, positions: pos, T: N, nHeads: H, headDim: D, rotaryDim: c.rotaryDim, invFreq: f.baseAddress!, layout: c.ropeLayout)
                    ropeForward(x: kOut, positions: pos, T: N, nHeads: KVH, headDim: D, rotaryDim: c.rotaryDim, invFreq: f.baseAddress!, layout: c.ropeLayout)
                }
            }
            for (b, s) in batch.enumerated() {
                let T = s.tokens.count, r0 = rowStart[b]
                if T == 0 { continue }
                let keys = s.cache.keys(layer: l), values = s.cache.values(layer: l)
                if let kAll, let vAll {
                    (keys + past[b] * c.kvDim).update(from: kAll + r0 * c.kvDim, count: T * c.kvDim)
                    (values + past[b] * c.kvDim).update(from: vAll + r0 * c.kvDim, count: T * c.kvDim)
                }
                let S = past[b] + T
                let probs: UnsafeMutablePointer<Float>? = recorder != nil ? .allocate(capacity: H * T * S) : nil
                defer { probs?.deallocate() }
                attentionForward(out: a + r0 * c.qDim, probs: probs, q: q + r0 * c.qDim, qPositions: allPos[b], T: T, k: keys, v: values,
                                 kvPositions: kvPositions[b], S: S, nHeads: H, nKVHeads: KVH, headDim: D,
                                 scale: c.queryScale, window: c.layerWindow[l])
                if let probs, let recorder { recorder.add(probs: probs, heads: H, T: T, S: S) }
            }
            linearForward(out: h, inp: a, weight: L.wo.ptr, bias: L.bo?.ptr, T: N, inDim: c.qDim, outDim: C)
            if let pn = L.postAttnNorm { rmsnormForward(out: h, inp: h, weight: pn.ptr, T: N, C: C, eps: c.normEps) }
            residualAdd(x: x, y: h, N: N * C)

            // Feed-forward block.
            norm(out: h, inp: x, weight: L.ffnNorm, bias: L.ffnNormBias, T: N)
            linearForward(out: up, inp: h, weight: L.wUp.ptr, bias: L.bUp?.ptr, T: N, inDim: C, outDim: F)
            switch c.ffn {
            case .swiglu, .geglu:
                guard let wg = L.wGate else { throw ModelInputError("layer \(l): gated FFN without a gate weight") }
                linearForward(out: gate, inp: h, weight: wg.ptr, bias: nil, T: N, inDim: C, outDim: F)
                if c.ffn == .swiglu { swigluForward(out: gate, gate: gate, up: up, N: N * F) }
                else { gegluTanhForward(out: gate, gate: gate, up: up, N: N * F) }
            case .gelu:
                geluTanhForward(out: gate, inp: up, N: N * F)
            }
            linearForward(out: h, inp: gate, weight: L.wDown.ptr, bias: L.bDown?.ptr, T: N, inDim: F, outDim: C)
            if let pn = L.postFFNNorm { rmsnormForward(out: h, inp: h, weight: pn.ptr, T: N, C: C, eps: c.normEps) }
            residualAdd(x: x, y: h, N: N * C)
        }
        for (b, s) in batch.enumerated() { s.cache.commit(allPos[b]) }

        var out = [Float](repeating: 0, count: N * C)
        out.withUnsafeMutableBufferPointer { norm(out: $0.baseAddress!, inp: x, weight: W.finalNorm, bias: W.finalNormBias, T: N) }
        return out
    }

    public func logits(hidden: [Float], rows: [Int]) throws -> [Float] {
        let C = config.dModel, V = config.vocabSize, T = hidden.count / C
        if let r = rows.first(where: { $0 < 0 || $0 >= T }) { throw ModelInputError("logit row \(r) outside 0..<\(T)") }
        if rows.isEmpty { return [] }
        var picked = [Float](repeating: 0, count: rows.count * C)
        for (i, r) in rows.enumerated() { for j in 0..<C { picked[i * C + j] = hidden[r * C + j] } }
        var out = [Float](repeating: 0, count: rows.count * V)
        out.withUnsafeMutableBufferPointer { o in
            linearForward(out: o.baseAddress!, inp: picked, weight: weights.head.ptr, bias: nil, T: rows.count, inDim: C, outDim: V)
        }
        return out
    }

    /// The model's normalisation (RMSNorm or LayerNorm) over rows of width dModel.
    private func norm(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: WeightTensor, bias: WeightTensor?, T: Int) {
        switch config.norm {
        case .rms: rmsnormForward(out: out, inp: inp, weight: weight.ptr, T: T, C: config.dModel, eps: config.normEps)
        case .layer: layernormForward(out: out, inp: inp, weight: weight.ptr, bias: bias?.ptr, T: T, C: config.dModel, eps: config.normEps)
        }
    }
}

/// The attention of one query row, averaged over every layer and head: after a single-sequence
/// `hiddenStates` call, `weights[j]` is the mean attention the call's last token paid to position j
/// of its sequence (paper A's Table 6 reads it at label steps). Costs an extra probabilities buffer
/// per layer while set.
public final class AttentionRecorder {
    public private(set) var weights: [Float] = []
    public init() {}

    func begin(S: Int) { weights = [Float](repeating: 0, count: S) }

    /// probs [heads, T, S]: adds the last row of every head.
    func add(probs: UnsafePointer<Float>, heads: Int, T: Int, S: Int) {
        guard S == weights.count else { return }
        for h in 0..<heads {
            let row = probs + (h * T + T - 1) * S
            for j in 0..<S { weights[j] += row[j] }
        }
    }

    func finish(layersTimesHeads n: Int) {
        let inv = 1 / Float(n)
        for j in weights.indices { weights[j] *= inv }
    }
}
