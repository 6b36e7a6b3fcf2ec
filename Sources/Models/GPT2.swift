import Foundation
import ModelIO
import Numerics

/// GPT-2: learned absolute positions, LayerNorm (with bias) before attention and MLP, a fused
/// q/k/v projection (split into three at load time), GELU-tanh MLP, biases everywhere, output
/// head tied to the token embedding. No RoPE.
///
/// Hugging Face GPT-2 uses `Conv1D` layers whose weights are stored [in, out]; they are transposed
/// to the [out, in] layout at load. GGUF (llama.cpp's converter) already stores [out, in].
public enum GPT2 {
    static func config(gguf: GGUFFile) throws -> ModelConfig {
        let hp = GGUFHParams(file: gguf, arch: "gpt2")
        let C = try hp.int("embedding_length"), H = try hp.int("attention.head_count"), L = try hp.int("block_count")
        return make(vocab: try hp.vocabSize(), C: C, L: L, H: H, F: try hp.int("feed_forward_length", default: 4 * C),
                    eps: try hp.double("attention.layer_norm_epsilon", default: 1e-5),
                    positions: try hp.int("context_length"), tied: !gguf.has("output.weight"))
    }

    static func config(hf: HFKeys) throws -> ModelConfig {
        let C = try hf.int("n_embd")
        return make(vocab: try hf.int("vocab_size"), C: C, L: try hf.int("n_layer"), H: try hf.int("n_head"),
                    F: try hf.int("n_inner", default: 4 * C), eps: try hf.double("layer_norm_epsilon", default: 1e-5),
                    positions: try hf.int("n_positions"), tied: true)
    }

    static func make(vocab: Int, C: Int, L: Int, H: Int, F: Int, eps: Double, positions: Int, tied: Bool) -> ModelConfig {
        let D = H > 0 ? C / H : 0
        return ModelConfig(
            architecture: .gpt2, vocabSize: vocab, dModel: C, nLayers: L, nHeads: H, nKVHeads: H, headDim: D,
            ffnDim: F, norm: .layer, ffn: .gelu, normEps: Float(eps), rotaryDim: 0, ropeLayout: .neox,
            layerRopeBase: Array(repeating: 0, count: L), layerRopeScaling: Array(repeating: .none, count: L),
            layerWindow: Array(repeating: 0, count: L), queryScale: 1 / Float(D).squareRoot(), embeddingScale: 1,
            maxPositions: positions, tiedEmbeddings: tied)
    }

    static func load(gguf: WeightSource, config c: ModelConfig) throws -> Transformer {
        let C = c.dModel, F = c.ffnDim
        func t(_ n: String, _ s: [Int]) throws -> WeightTensor { try loadTensor(gguf, n, s) }
        var layers: [LayerWeights] = []
        for i in 0..<c.nLayers {
            let p = "blk.\(i)."
            let qkv = try gguf.floats(p + "attn_qkv.weight", shape: [3 * C, C])
            let qkvBias = try gguf.floats(p + "attn_qkv.bias", shape: [3 * C])
            layers.append(try layer(qkv: qkv, qkvBias: qkvBias, C: C, F: F,
                                    ln1: (try t(p + "attn_norm.weight", [C]), try t(p + "attn_norm.bias", [C])),
                                    proj: (try t(p + "attn_output.weight", [C, C]), try t(p + "attn_output.bias", [C])),
                                    ln2: (try t(p + "ffn_norm.weight", [C]), try t(p + "ffn_norm.bias", [C])),
                                    fc: (try t(p + "ffn_up.weight", [F, C]), try t(p + "ffn_up.bias", [F])),
                                    down: (try t(p + "ffn_down.weight", [C, F]), try t(p + "ffn_down.bias", [C]))))
        }
        let w = TransformerWeights(
            tokenEmbedding: try t("token_embd.weight", [c.vocabSize, C]),
            positionEmbedding: try t("position_embd.weight", [c.maxPositions, C]), layers: layers,
            finalNorm: try t("output_norm.weight", [C]), finalNormBias: try t("output_norm.bias", [C]),
            output: c.tiedEmbeddings ? nil : try t("output.weight", [c.vocabSize, C]))
        return Transformer(config: c, weights: w)
    }

    static func load(hf source: WeightSource, config c: ModelConfig) throws -> Transformer {
        let C = c.dModel, F = c.ffnDim
        // Checkpoints saved from GPT2LMHeadModel prefix everything with "transformer.".
        let root = source.has("transformer.wte.weight") ? "transformer." : ""
        func t(_ n: String, _ s: [Int]) throws -> WeightTensor { try loadTensor(source, root + n, s) }
        /// A Conv1D weight stored [in, out], returned as [out, in].
        func conv(_ n: String, inDim: Int, outDim: Int) throws -> [Float] {
            transpose(try source.floats(root + n, shape: [inDim, outDim]), rows: inDim, cols: outDim)
        }
        var layers: [LayerWeights] = []
        for i in 0..<c.nLayers {
            let p = "h.\(i)."
            layers.append(try layer(
                qkv: try conv(p + "attn.c_attn.weight", inDim: C, outDim: 3 * C),
                qkvBias: try source.floats(root + p + "attn.c_attn.bias", shape: [3 * C]), C: C, F: F,
                ln1: (try t(p + "ln_1.weight", [C]), try t(p + "ln_1.bias", [C])),
                proj: (WeightTensor(shape: [C, C], values: try conv(p + "attn.c_proj.weight", inDim: C, outDim: C)), try t(p + "attn.c_proj.bias", [C])),
                ln2: (try t(p + "ln_2.weight", [C]), try t(p + "ln_2.bias", [C])),
                fc: (WeightTensor(shape: [F, C], values: try conv(p + "mlp.c_fc.weight", inDim: C, outDim: F)), try t(p + "mlp.c_fc.bias", [F])),
                down: (WeightTensor(shape: [C, F], values: try conv(p + "mlp.c_proj.weight", inDim: F, outDim: C)), try t(p + "mlp.c_proj.bias", [C]))))
        }
        let w = TransformerWeights(
            tokenEmbedding: try t("wte.weight", [c.vocabSize, C]), positionEmbedding: try t("wpe.weight", [c.maxPositions, C]),
            layers: layers, finalNorm: try t("ln_f.weight", [C]), finalNormBias: try t("ln_f.bias", [C]), output: nil)
        return Transformer(config: c, weights: w)
    }

    /// Builds a layer, splitting the fused [3C, C] q/k/v projection (rows q, then k, then v).
    static func layer(qkv: [Float], qkvBias: [Float], C: Int, F: Int, ln1: (WeightTensor, WeightTensor),
                      proj: (WeightTensor, WeightTensor), ln2: (WeightTensor, WeightTensor),
                      fc: (WeightTensor, WeightTensor), down: (WeightTensor, WeightTensor)) throws -> LayerWeights {
        func part(_ j: Int) -> WeightTensor { WeightTensor(shape: [C, C], values: Array(qkv[(j * C * C)..<((j + 1) * C * C)])) }
        func bias(_ j: Int) -> WeightTensor { WeightTensor(shape: [C], values: Array(qkvBias[(j * C)..<((j + 1) * C)])) }
        return LayerWeights(attnNorm: ln1.0, attnNormBias: ln1.1, wq: part(0), wk: part(1), wv: part(2),
                            bq: bias(0), bk: bias(1), bv: bias(2), qNorm: nil, kNorm: nil, wo: proj.0, bo: proj.1,
                            postAttnNorm: nil, ffnNorm: ln2.0, ffnNormBias: ln2.1, wGate: nil, wUp: fc.0, bUp: fc.1,
                            wDown: down.0, bDown: down.1, postFFNNorm: nil)
    }

    static func transpose(_ a: [Float], rows: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: a.count)
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = a[r * cols + c] } }
        return out
    }
}
