import Numerics
import ModelIO
import Models

/// One transformer block's parameters, under their GGUF names (blk.N.<name>.weight).
public final class DecoderLayerWeights {
    public let attnNorm, wq, wk, wv, wo, ffnNorm, wUp, wDown: Parameter
    /// The gate of a gated MLP (SwiGLU / GeGLU); nil for GPT-2's plain GELU MLP.
    public let wGate: Parameter?
    /// Gemma 3 only: per-head q/k RMSNorm and the norms after attention / MLP.
    public let qNorm, kNorm, postAttnNorm, postFfnNorm: Parameter?
    /// Qwen2 and GPT-2: q/k/v projection biases.
    public let bq, bk, bv: Parameter?
    /// GPT-2 only: LayerNorm biases and the attention-output / MLP biases.
    public let attnNormBias, ffnNormBias, bo, bUp, bDown: Parameter?

    init(attnNorm: Parameter, wq: Parameter, wk: Parameter, wv: Parameter, wo: Parameter, ffnNorm: Parameter,
         wGate: Parameter?, wUp: Parameter, wDown: Parameter, qNorm: Parameter?, kNorm: Parameter?,
         postAttnNorm: Parameter?, postFfnNorm: Parameter?, bq: Parameter?, bk: Parameter?, bv: Parameter?,
         attnNormBias: Parameter?, ffnNormBias: Parameter?, bo: Parameter?, bUp: Parameter?, bDown: Parameter?) {
        self.attnNorm = attnNorm; self.wq = wq; self.wk = wk; self.wv = wv; self.wo = wo; self.ffnNorm = ffnNorm
        self.wGate = wGate; self.wUp = wUp; self.wDown = wDown
        self.qNorm = qNorm; self.kNorm = kNorm; self.postAttnNorm = postAttnNorm; self.postFfnNorm = postFfnNorm
        self.bq = bq; self.bk = bk; self.bv = bv
        self.attnNormBias = attnNormBias; self.ffnNormBias = ffnNormBias; self.bo = bo; self.bUp = bUp; self.bDown = bDown
    }

    public var all: [Parameter] {
        [attnNorm, wq, wk, wv, wo, ffnNorm] + (wGate.map { [$0] } ?? []) + [wUp, wDown]
            + [qNorm, kNorm, postAttnNorm, postFfnNorm, bq, bk, bv, attnNormBias, ffnNormBias, bo, bUp, bDown].compactMap { $0 }
    }

    /// The bias of a LoRA target's projection, if it has one.
    public func bias(for target: LoRATarget) -> Parameter? {
        switch target {
        case .qProj: return bq
        case .kProj: return bk
        case .vProj: return bv
        case .oProj: return bo
        case .gateProj: return nil
        case .upProj: return bUp
        case .downProj: return bDown
        }
    }

    /// The weight a LoRA target adapts (nil: the architecture has no such projection, e.g. GPT-2's gate).
    public func weight(for target: LoRATarget) -> Parameter? {
        switch target {
        case .qProj: return wq
        case .kProj: return wk
        case .vProj: return wv
        case .oProj: return wo
        case .gateProj: return wGate
        case .upProj: return wUp
        case .downProj: return wDown
        }
    }
}

/// All parameters of a decoder, in float32, named as in GGUF files.
public final class DecoderWeights {
    public let config: ModelConfig
    public let tokenEmbedding: Parameter      // token_embd.weight [vocab, dim]
    public let outputNorm: Parameter          // output_norm.weight [dim]
    public let outputNormBias: Parameter?     // output_norm.bias [dim] (GPT-2's final LayerNorm)
    public let positionEmbedding: Parameter?  // position_embd.weight [maxPositions, dim] (GPT-2)
    public let output: Parameter?             // output.weight [vocab, dim], nil when tied
    public let layers: [DecoderLayerWeights]

    /// Every parameter, in a fixed order (the order the optimiser state and checkpoints use).
    public var all: [Parameter] {
        [tokenEmbedding, outputNorm] + [outputNormBias, positionEmbedding, output].compactMap { $0 } + layers.flatMap(\.all)
    }

    /// Which decoders the trainer runs: RMSNorm, gated FFN, RoPE for llama, qwen2 (q/k/v biases)
    /// and gemma3 (q/k norms, post-norms); LayerNorm with bias, GELU MLP, learned positions and
    /// biases on every linear for gpt2.
    public static func checkTrainable(_ c: ModelConfig) throws {
        let ok = c.architecture == .gpt2
            ? c.norm == .layer && c.ffn == .gelu && c.rotaryDim == 0 && c.nKVHeads == c.nHeads && c.maxPositions > 0
            : c.norm == .rms && c.ffn != .gelu && c.rotaryDim > 0
        guard ok else {
            throw TrainingError("architecture \(c.architecture) with norm \(c.norm), ffn \(c.ffn), rotaryDim \(c.rotaryDim) is not supported for training (llama, qwen2, gemma3, gpt2)")
        }
    }

    /// Shapes of every tensor by GGUF name, row-major ([out, in] for linear weights); `noDecay`
    /// marks norms and biases (no weight decay, HF convention).
    public static func shapes(_ c: ModelConfig) -> [(name: String, shape: [Int], noDecay: Bool)] {
        let C = c.dModel, V = c.vocabSize, F = c.ffnDim
        let gpt2 = c.architecture == .gpt2
        var s: [(String, [Int], Bool)] = [("token_embd.weight", [V, C], false), ("output_norm.weight", [C], true)]
        if !c.tiedEmbeddings { s.append(("output.weight", [V, C], false)) }
        if gpt2 {
            // Learned positions decay like the token embedding (HF/nanoGPT decay every 2-D tensor).
            s += [("output_norm.bias", [C], true), ("position_embd.weight", [c.maxPositions, C], false)]
        }
        for l in 0..<c.nLayers {
            let p = "blk.\(l)."
            s += [(p + "attn_norm.weight", [C], true), (p + "attn_q.weight", [c.qDim, C], false),
                  (p + "attn_k.weight", [c.kvDim, C], false), (p + "attn_v.weight", [c.kvDim, C], false),
                  (p + "attn_output.weight", [C, c.qDim], false), (p + "ffn_norm.weight", [C], true)]
            if !gpt2 { s.append((p + "ffn_gate.weight", [F, C], false)) }
            s += [(p + "ffn_up.weight", [F, C], false), (p + "ffn_down.weight", [C, F], false)]
            if c.architecture == .qwen2 || gpt2 {
                s += [(p + "attn_q.bias", [c.qDim], true), (p + "attn_k.bias", [c.kvDim], true),
                      (p + "attn_v.bias", [c.kvDim], true)]
            }
            if gpt2 {
                s += [(p + "attn_norm.bias", [C], true), (p + "attn_output.bias", [C], true),
                      (p + "ffn_norm.bias", [C], true), (p + "ffn_up.bias", [F], true), (p + "ffn_down.bias", [C], true)]
            }
            if c.architecture == .gemma3 {
                s += [(p + "attn_q_norm.weight", [c.headDim], true), (p + "attn_k_norm.weight", [c.headDim], true),
                      (p + "post_attention_norm.weight", [C], true), (p + "post_ffw_norm.weight", [C], true)]
            }
        }
        return s
    }

    /// Builds the weights from a function giving each named tensor's values (already checked
    /// against `shape`). Norm weights and biases get no weight decay.
    public init(config c: ModelConfig, trainable: Bool, values: (String, [Int]) throws -> [Float]) throws {
        try DecoderWeights.checkTrainable(c)
        var byName: [String: Parameter] = [:]
        for (name, shape, noDecay) in DecoderWeights.shapes(c) {
            let v = try values(name, shape)
            guard v.count == shape.reduce(1, *) else {
                throw TrainingError("tensor \(name): \(v.count) values, expected shape \(shape)")
            }
            byName[name] = try Parameter(name: name, shape: shape, value: v, trainable: trainable, weightDecay: !noDecay)
        }
        config = c
        tokenEmbedding = byName["token_embd.weight"]!
        outputNorm = byName["output_norm.weight"]!
        outputNormBias = byName["output_norm.bias"]
        positionEmbedding = byName["position_embd.weight"]
        output = byName["output.weight"]
        layers = (0..<c.nLayers).map { l in
            let g = { (n: String) in byName["blk.\(l).\(n).weight"] }
            let b = { (n: String) in byName["blk.\(l).\(n).bias"] }
            return DecoderLayerWeights(attnNorm: g("attn_norm")!, wq: g("attn_q")!, wk: g("attn_k")!, wv: g("attn_v")!,
                                       wo: g("attn_output")!, ffnNorm: g("ffn_norm")!, wGate: g("ffn_gate"),
                                       wUp: g("ffn_up")!, wDown: g("ffn_down")!, qNorm: g("attn_q_norm"),
                                       kNorm: g("attn_k_norm"), postAttnNorm: g("post_attention_norm"),
                                       postFfnNorm: g("post_ffw_norm"),
                                       bq: b("attn_q"), bk: b("attn_k"), bv: b("attn_v"),
                                       attnNormBias: b("attn_norm"), ffnNormBias: b("ffn_norm"), bo: b("attn_output"),
                                       bUp: b("ffn_up"), bDown: b("ffn_down"))
        }
    }

    /// Copies the float32 weights of a loaded model (`Models.loadModel(path:)`: GGUF or a Hugging
    /// Face directory, already in the runtime's layouts — GPT-2's fused q/k/v is split into
    /// q, k, v at load) into trainable parameters. The model can be released afterwards.
    /// Throws if the model has a tensor this trainer's architecture does not implement.
    public convenience init(model: Transformer, trainable: Bool) throws {
        let w = model.weights
        var byName: [String: WeightTensor] = ["token_embd.weight": w.tokenEmbedding, "output_norm.weight": w.finalNorm]
        byName["output.weight"] = w.output; byName["output_norm.bias"] = w.finalNormBias
        byName["position_embd.weight"] = w.positionEmbedding
        for (l, L) in w.layers.enumerated() {
            let p = "blk.\(l)."
            let named: [(String, WeightTensor?)] = [
                ("attn_norm.weight", L.attnNorm), ("attn_norm.bias", L.attnNormBias), ("attn_q.weight", L.wq),
                ("attn_k.weight", L.wk), ("attn_v.weight", L.wv), ("attn_q.bias", L.bq), ("attn_k.bias", L.bk),
                ("attn_v.bias", L.bv), ("attn_output.weight", L.wo), ("attn_output.bias", L.bo),
                ("ffn_norm.weight", L.ffnNorm), ("ffn_norm.bias", L.ffnNormBias), ("ffn_gate.weight", L.wGate),
                ("ffn_up.weight", L.wUp), ("ffn_up.bias", L.bUp), ("ffn_down.weight", L.wDown), ("ffn_down.bias", L.bDown),
                ("attn_q_norm.weight", L.qNorm), ("attn_k_norm.weight", L.kNorm),
                ("post_attention_norm.weight", L.postAttnNorm), ("post_ffw_norm.weight", L.postFFNNorm)]
            for (n, t) in named { byName[p + n] = t }
        }
        let expected = Set(DecoderWeights.shapes(model.config).map(\.name))
        if let extra = byName.keys.sorted().first(where: { !expected.contains($0) }) {
            throw TrainingError("model has tensor \(extra), which the trainer does not implement for \(model.config.architecture)")
        }
        try self.init(config: model.config, trainable: trainable) { name, shape in
            guard let t = byName[name] else { throw TrainingError("model has no tensor \(name)") }
            guard t.shape == shape else { throw TrainingError("tensor \(name): shape \(t.shape), expected \(shape)") }
            return t.array
        }
    }

    /// Seeded random weights (tests, tiny experiments): linear weights and biases U(−scale, scale),
    /// norm weights 1 + U(−0.1, 0.1).
    public static func random(config: ModelConfig, seed: UInt64, scale: Float = 0.1, trainable: Bool = true) throws -> DecoderWeights {
        var rng = SplitMix64(seed: seed)
        return try DecoderWeights(config: config, trainable: trainable) { name, shape in
            let n = shape.reduce(1, *)
            let isNorm = shape.count == 1 && !name.hasSuffix(".bias")
            return (0..<n).map { _ in
                let u = 2 * rng.nextUniform() - 1
                return isNorm ? 1 + 0.1 * u : scale * u
            }
        }
    }
}
