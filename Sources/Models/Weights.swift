import ModelIO

/// A float32 parameter tensor at a stable address (so kernels take its pointer directly and the
/// training code can update it in place). Row-major, shape outermost first.
public final class WeightTensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "WeightTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        count = values.count
        data = .allocate(capacity: max(count, 1))
        values.withUnsafeBufferPointer { data.initialize(from: $0.baseAddress!, count: count) }
    }
    deinit { data.deallocate() }

    public var ptr: UnsafePointer<Float> { UnsafePointer(data) }
    /// A copy of the values.
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
}

/// One decoder layer's parameters. Optional ones exist only in some architectures:
/// biases (Qwen2 q/k/v, GPT-2 everywhere), q/k norms and post-norms (Gemma-3), the gate (not GPT-2).
public struct LayerWeights {
    public var attnNorm: WeightTensor, attnNormBias: WeightTensor?
    public var wq: WeightTensor, wk: WeightTensor, wv: WeightTensor
    public var bq: WeightTensor?, bk: WeightTensor?, bv: WeightTensor?
    public var qNorm: WeightTensor?, kNorm: WeightTensor?
    public var wo: WeightTensor, bo: WeightTensor?
    public var postAttnNorm: WeightTensor?
    public var ffnNorm: WeightTensor, ffnNormBias: WeightTensor?
    public var wGate: WeightTensor?
    public var wUp: WeightTensor, bUp: WeightTensor?
    public var wDown: WeightTensor, bDown: WeightTensor?
    public var postFFNNorm: WeightTensor?
}

/// All parameters of a decoder-only transformer, float32.
public final class TransformerWeights {
    /// [vocab, dModel]
    public var tokenEmbedding: WeightTensor
    /// [maxPositions, dModel], GPT-2 only.
    public var positionEmbedding: WeightTensor?
    public var layers: [LayerWeights]
    public var finalNorm: WeightTensor, finalNormBias: WeightTensor?
    /// [vocab, dModel]; nil when tied to the token embedding.
    public var output: WeightTensor?

    public init(tokenEmbedding: WeightTensor, positionEmbedding: WeightTensor?, layers: [LayerWeights],
                finalNorm: WeightTensor, finalNormBias: WeightTensor?, output: WeightTensor?) {
        self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding; self.layers = layers
        self.finalNorm = finalNorm; self.finalNormBias = finalNormBias; self.output = output
    }

    /// The output head matrix [vocab, dModel] (the embedding when tied).
    public var head: WeightTensor { output ?? tokenEmbedding }
}

/// Names of one layer's tensors inside a file; nil = the model has no such parameter.
struct LayerTensorNames {
    var attnNorm: String, attnNormBias: String? = nil
    var q: String, k: String, v: String
    var qBias: String? = nil, kBias: String? = nil, vBias: String? = nil
    var qNorm: String? = nil, kNorm: String? = nil
    var o: String, oBias: String? = nil
    var postAttnNorm: String? = nil
    var ffnNorm: String, ffnNormBias: String? = nil
    var gate: String?
    var up: String, upBias: String? = nil
    var down: String, downBias: String? = nil
    var postFFNNorm: String? = nil

    /// llama.cpp's GGUF names for a llama-style layer (no optional parameters set).
    static func gguf(_ i: Int) -> LayerTensorNames {
        let p = "blk.\(i)."
        return LayerTensorNames(attnNorm: p + "attn_norm.weight", q: p + "attn_q.weight", k: p + "attn_k.weight",
                                v: p + "attn_v.weight", o: p + "attn_output.weight", ffnNorm: p + "ffn_norm.weight",
                                gate: p + "ffn_gate.weight", up: p + "ffn_up.weight", down: p + "ffn_down.weight")
    }

    /// Hugging Face names for a llama-style layer (no optional parameters set).
    static func hf(_ i: Int) -> LayerTensorNames {
        let p = "model.layers.\(i)."
        return LayerTensorNames(attnNorm: p + "input_layernorm.weight", q: p + "self_attn.q_proj.weight",
                                k: p + "self_attn.k_proj.weight", v: p + "self_attn.v_proj.weight",
                                o: p + "self_attn.o_proj.weight", ffnNorm: p + "post_attention_layernorm.weight",
                                gate: p + "mlp.gate_proj.weight", up: p + "mlp.up_proj.weight", down: p + "mlp.down_proj.weight")
    }
}

/// Loads a tensor, checking its shape; the error names file and tensor.
func loadTensor(_ source: WeightSource, _ name: String, _ shape: [Int]) throws -> WeightTensor {
    WeightTensor(shape: shape, values: try source.floats(name, shape: shape))
}

func loadOptional(_ source: WeightSource, _ name: String?, _ shape: [Int]) throws -> WeightTensor? {
    guard let name else { return nil }
    return try loadTensor(source, name, shape)
}

/// Loads a llama-style decoder (llama, qwen2, gemma3) given the file's tensor names, checking
/// every shape against the config.
func loadDecoderWeights(_ source: WeightSource, _ c: ModelConfig, embedding: String, finalNorm: String,
                        output: String?, layerNames: (Int) -> LayerTensorNames) throws -> TransformerWeights {
    let C = c.dModel, F = c.ffnDim
    var layers: [LayerWeights] = []
    for i in 0..<c.nLayers {
        let n = layerNames(i)
        layers.append(LayerWeights(
            attnNorm: try loadTensor(source, n.attnNorm, [C]), attnNormBias: try loadOptional(source, n.attnNormBias, [C]),
            wq: try loadTensor(source, n.q, [c.qDim, C]), wk: try loadTensor(source, n.k, [c.kvDim, C]),
            wv: try loadTensor(source, n.v, [c.kvDim, C]),
            bq: try loadOptional(source, n.qBias, [c.qDim]), bk: try loadOptional(source, n.kBias, [c.kvDim]),
            bv: try loadOptional(source, n.vBias, [c.kvDim]),
            qNorm: try loadOptional(source, n.qNorm, [c.headDim]), kNorm: try loadOptional(source, n.kNorm, [c.headDim]),
            wo: try loadTensor(source, n.o, [C, c.qDim]), bo: try loadOptional(source, n.oBias, [C]),
            postAttnNorm: try loadOptional(source, n.postAttnNorm, [C]),
            ffnNorm: try loadTensor(source, n.ffnNorm, [C]), ffnNormBias: try loadOptional(source, n.ffnNormBias, [C]),
            wGate: try loadOptional(source, n.gate, [F, C]),
            wUp: try loadTensor(source, n.up, [F, C]), bUp: try loadOptional(source, n.upBias, [F]),
            wDown: try loadTensor(source, n.down, [C, F]), bDown: try loadOptional(source, n.downBias, [C]),
            postFFNNorm: try loadOptional(source, n.postFFNNorm, [C])))
    }
    return TransformerWeights(
        tokenEmbedding: try loadTensor(source, embedding, [c.vocabSize, C]), positionEmbedding: nil, layers: layers,
        finalNorm: try loadTensor(source, finalNorm, [C]), finalNormBias: nil,
        output: c.tiedEmbeddings ? nil : try loadOptional(source, output, [c.vocabSize, C]))
}
