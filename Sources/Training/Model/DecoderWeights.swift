import ModelIO

/// One transformer block's parameters, under their GGUF names (blk.N.<name>.weight).
public final class DecoderLayerWeights {
    public let attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown: Parameter
    /// Gemma 3 only: per-head q/k RMSNorm and the norms after attention / MLP.
    public let qNorm, kNorm, postAttnNorm, postFfnNorm: Parameter?
    /// Qwen2 only: q/k/v projection biases.
    public let bq, bk, bv: Parameter?

    init(attnNorm: Parameter, wq: Parameter, wk: Parameter, wv: Parameter, wo: Parameter, ffnNorm: Parameter,
         wGate: Parameter, wUp: Parameter, wDown: Parameter, qNorm: Parameter?, kNorm: Parameter?,
         postAttnNorm: Parameter?, postFfnNorm: Parameter?, bq: Parameter?, bk: Parameter?, bv: Parameter?) {
        self.attnNorm = attnNorm; self.wq = wq; self.wk = wk; self.wv = wv; self.wo = wo; self.ffnNorm = ffnNorm
        self.wGate = wGate; self.wUp = wUp; self.wDown = wDown
        self.qNorm = qNorm; self.kNorm = kNorm; self.postAttnNorm = postAttnNorm; self.postFfnNorm = postFfnNorm
        self.bq = bq; self.bk = bk; self.bv = bv
    }

    public var all: [Parameter] {
        [attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown]
            + [qNorm, kNorm, postAttnNorm, postFfnNorm, bq, bk, bv].compactMap { $0 }
    }

    /// The bias of a LoRA target's projection, if it has one.
    public func bias(for target: LoRATarget) -> Parameter? {
        switch target {
        case .qProj: return bq
        case .kProj: return bk
        case .vProj: return bv
        default: return nil
        }
    }

    /// The weight a LoRA target adapts.
    public func weight(for target: LoRATarget) -> Parameter {
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
    public let config: DecoderConfig
    public let tokenEmbedding: Parameter      // token_embd.weight [vocab, dim]
    public let outputNorm: Parameter          // output_norm.weight [dim]
    public let output: Parameter?             // output.weight [vocab, dim], nil when tied
    public let layers: [DecoderLayerWeights]

    /// Every parameter, in a fixed order (the order the optimiser state and checkpoints use).
    public var all: [Parameter] { [tokenEmbedding, outputNorm] + (output.map { [$0] } ?? []) + layers.flatMap(\.all) }

    /// Shapes of every tensor by GGUF name, row-major ([out, in] for linear weights); `noDecay`
    /// marks norms and biases (no weight decay, HF convention).
    public static func shapes(_ c: DecoderConfig) -> [(name: String, shape: [Int], noDecay: Bool)] {
        var s: [(String, [Int], Bool)] = [("token_embd.weight", [c.vocab, c.dim], false), ("output_norm.weight", [c.dim], true)]
        if !c.tiedEmbeddings { s.append(("output.weight", [c.vocab, c.dim], false)) }
        for l in 0..<c.layers {
            let p = "blk.\(l)."
            s += [(p + "attn_norm.weight", [c.dim], true), (p + "attn_q.weight", [c.qDim, c.dim], false),
                  (p + "attn_k.weight", [c.kvDim, c.dim], false), (p + "attn_v.weight", [c.kvDim, c.dim], false),
                  (p + "attn_output.weight", [c.dim, c.qDim], false), (p + "ffn_norm.weight", [c.dim], true),
                  (p + "ffn_gate.weight", [c.ffnDim, c.dim], false), (p + "ffn_up.weight", [c.ffnDim, c.dim], false),
                  (p + "ffn_down.weight", [c.dim, c.ffnDim], false)]
            if c.hasQKVBias {
                s += [(p + "attn_q.bias", [c.qDim], true), (p + "attn_k.bias", [c.kvDim], true),
                      (p + "attn_v.bias", [c.kvDim], true)]
            }
            if c.family == .gemma3 {
                s += [(p + "attn_q_norm.weight", [c.headDim], true), (p + "attn_k_norm.weight", [c.headDim], true),
                      (p + "post_attention_norm.weight", [c.dim], true), (p + "post_ffw_norm.weight", [c.dim], true)]
            }
        }
        return s
    }

    /// Builds the weights from a function giving each named tensor's values (already checked
    /// against `shape`). Norm weights and biases get no weight decay.
    public init(config c: DecoderConfig, trainable: Bool, values: (String, [Int]) throws -> [Float]) throws {
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
        output = byName["output.weight"]
        layers = (0..<c.layers).map { l in
            let g = { (n: String) in byName["blk.\(l).\(n).weight"] }
            return DecoderLayerWeights(attnNorm: g("attn_norm")!, wq: g("attn_q")!, wk: g("attn_k")!, wv: g("attn_v")!,
                                       wo: g("attn_output")!, ffnNorm: g("ffn_norm")!, wGate: g("ffn_gate")!,
                                       wUp: g("ffn_up")!, wDown: g("ffn_down")!, qNorm: g("attn_q_norm"),
                                       kNorm: g("attn_k_norm"), postAttnNorm: g("post_attention_norm"),
                                       postFfnNorm: g("post_ffw_norm"),
                                       bq: byName["blk.\(l).attn_q.bias"], bk: byName["blk.\(l).attn_k.bias"],
                                       bv: byName["blk.\(l).attn_v.bias"])
        }
    }

    /// Loads every tensor from a model file (GGUF or safetensors via `WeightSource`), dequantised
    /// to float32. Tensor names must be GGUF-style; a missing or mis-shaped tensor throws with its name.
    public convenience init(config: DecoderConfig, source: WeightSource, trainable: Bool) throws {
        try self.init(config: config, trainable: trainable) { name, shape in
            guard source.has(name) else { throw ModelFileError(path: source.path, message: "missing tensor \(name)") }
            return try source.floats(name, shape: shape)
        }
    }

    /// Seeded random weights (tests, tiny experiments): linear weights and biases U(−scale, scale),
    /// norm weights 1 + U(−0.1, 0.1).
    public static func random(config: DecoderConfig, seed: UInt64, scale: Float = 0.1, trainable: Bool = true) throws -> DecoderWeights {
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
