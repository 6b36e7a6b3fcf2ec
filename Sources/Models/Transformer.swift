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

    public init(config: ModelConfig, weights: TransformerWeights, ropeFreqFactors: [Float]? = nil) {
        self.config = config
        self.weights = weights
        invFreq = (0..<config.nLayers).map {
            ropeInverseFrequencies(rotaryDim: config.rotaryDim, base: config.layerRopeBase[$0],
                                   scaling: config.layerRopeScaling[$0], freqFactors: ropeFreqFactors)
        }
    }

    public func hiddenStates(tokens: [Int32], positions: [Int32]? = nil, cache: KVCache) throws -> [Float] {
        let c = config, T = tokens.count, C = c.dModel
        if T == 0 { return [] }
        guard cache.nLayers == c.nLayers, cache.kvDim == c.kvDim else {
            throw ModelInputError("KV cache has \(cache.nLayers) layers × \(cache.kvDim) channels, model needs \(c.nLayers) × \(c.kvDim)")
        }
        if let i = tokens.firstIndex(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
            throw ModelInputError("token id \(tokens[i]) at index \(i) outside the vocabulary 0..<\(c.vocabSize)")
        }
        let next = cache.positions.last.map { $0 + 1 } ?? 0
        let pos = positions ?? (0..<T).map { next + Int32($0) }
        guard pos.count == T else { throw ModelInputError("\(pos.count) positions for \(T) tokens") }
        if let p = pos.first(where: { $0 < 0 }) { throw ModelInputError("negative position \(p)") }
        if let pe = weights.positionEmbedding, let p = pos.first(where: { Int($0) >= pe.shape[0] }) {
            throw ModelInputError("position \(p) beyond the model's \(pe.shape[0]) learned positions")
        }

        let past = cache.count, S = past + T
        cache.reserve(S)
        let kvPositions = cache.positions + pos
        let F = c.ffnDim, H = c.nHeads, KVH = c.nKVHeads, D = c.headDim

        // Scratch for the whole block, allocated once per call.
        let x = UnsafeMutablePointer<Float>.allocate(capacity: T * C)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: T * max(C, c.qDim))
        let q = UnsafeMutablePointer<Float>.allocate(capacity: T * c.qDim)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: T * c.qDim)
        let gate = UnsafeMutablePointer<Float>.allocate(capacity: T * F)
        let up = UnsafeMutablePointer<Float>.allocate(capacity: T * F)
        defer { for p in [x, h, q, a, gate, up] { p.deallocate() } }

        let W = weights
        tokens.withUnsafeBufferPointer { embeddingForward(out: x, tokens: $0.baseAddress!, table: W.tokenEmbedding.ptr, T: T, C: C, scale: c.embeddingScale) }
        if let pe = W.positionEmbedding { addPositionEmbedding(out: x, positions: pos, table: pe.ptr, T: T, C: C) }

        for l in 0..<c.nLayers {
            let L = W.layers[l]
            let kOut = cache.keys(layer: l) + past * c.kvDim, vOut = cache.values(layer: l) + past * c.kvDim

            // Attention block.
            norm(out: h, inp: x, weight: L.attnNorm, bias: L.attnNormBias, T: T)
            linearForward(out: q, inp: h, weight: L.wq.ptr, bias: L.bq?.ptr, T: T, inDim: C, outDim: c.qDim)
            linearForward(out: kOut, inp: h, weight: L.wk.ptr, bias: L.bk?.ptr, T: T, inDim: C, outDim: c.kvDim)
            linearForward(out: vOut, inp: h, weight: L.wv.ptr, bias: L.bv?.ptr, T: T, inDim: C, outDim: c.kvDim)
            if let qn = L.qNorm { rmsnormForward(out: q, inp: q, weight: qn.ptr, T: T * H, C: D, eps: c.normEps) }
            if let kn = L.kNorm { rmsnormForward(out: kOut, inp: kOut, weight: kn.ptr, T: T * KVH, C: D, eps: c.normEps) }
            if c.rotaryDim > 0 {
                invFreq[l].withUnsafeBufferPointer { f in
                    ropeForward(x: q, positions: pos, T: T, nHeads: H, headDim: D, rotaryDim: c.rotaryDim, invFreq: f.baseAddress!, layout: c.ropeLayout)
                    ropeForward(x: kOut, positions: pos, T: T, nHeads: KVH, headDim: D, rotaryDim: c.rotaryDim, invFreq: f.baseAddress!, layout: c.ropeLayout)
                }
            }
            attentionForward(out: a, q: q, qPositions: pos, T: T, k: cache.keys(layer: l), v: cache.values(layer: l),
                             kvPositions: kvPositions, S: S, nHeads: H, nKVHeads: KVH, headDim: D,
                             scale: c.queryScale, window: c.layerWindow[l])
            linearForward(out: h, inp: a, weight: L.wo.ptr, bias: L.bo?.ptr, T: T, inDim: c.qDim, outDim: C)
            if let pn = L.postAttnNorm { rmsnormForward(out: h, inp: h, weight: pn.ptr, T: T, C: C, eps: c.normEps) }
            residualAdd(x: x, y: h, N: T * C)

            // Feed-forward block.
            norm(out: h, inp: x, weight: L.ffnNorm, bias: L.ffnNormBias, T: T)
            linearForward(out: up, inp: h, weight: L.wUp.ptr, bias: L.bUp?.ptr, T: T, inDim: C, outDim: F)
            switch c.ffn {
            case .swiglu, .geglu:
                guard let wg = L.wGate else { throw ModelInputError("layer \(l): gated FFN without a gate weight") }
                linearForward(out: gate, inp: h, weight: wg.ptr, bias: nil, T: T, inDim: C, outDim: F)
                if c.ffn == .swiglu { swigluForward(out: gate, gate: gate, up: up, N: T * F) }
                else { gegluTanhForward(out: gate, gate: gate, up: up, N: T * F) }
            case .gelu:
                geluTanhForward(out: gate, inp: up, N: T * F)
            }
            linearForward(out: h, inp: gate, weight: L.wDown.ptr, bias: L.bDown?.ptr, T: T, inDim: F, outDim: C)
            if let pn = L.postFFNNorm { rmsnormForward(out: h, inp: h, weight: pn.ptr, T: T, C: C, eps: c.normEps) }
            residualAdd(x: x, y: h, N: T * C)
        }
        cache.commit(pos)

        var out = [Float](repeating: 0, count: T * C)
        out.withUnsafeMutableBufferPointer { norm(out: $0.baseAddress!, inp: x, weight: W.finalNorm, bias: W.finalNormBias, T: T) }
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
