import Foundation
import ModelIO
import Numerics

/// Gemma-3 (text): embeddings scaled by √dModel; RMS norms before and after both attention and
/// FFN; RMS norms on q and k per head (before RoPE); GELU-tanh gated FFN; head_dim 256 with
/// query scale 1/√query_pre_attn_scalar; five sliding-window (512) layers with RoPE base 1e4 for
/// every global layer ((index+1) % 6 == 0) with RoPE base 1e6; output head tied to the embedding.
///
/// Gemma's RMSNorm multiplies by (1 + w). llama.cpp's converter stores 1 + w in GGUF files, so
/// GGUF norm weights are used as they are and Hugging Face ones get 1 added at load time.
public enum Gemma3 {
    /// Layers with (index + 1) % pattern == 0 attend globally; the rest use the sliding window.
    static func isGlobal(_ layer: Int, pattern: Int) -> Bool { pattern <= 1 || (layer + 1) % pattern == 0 }

    static func config(gguf: GGUFFile) throws -> ModelConfig {
        let hp = GGUFHParams(file: gguf, arch: "gemma3")
        let C = try hp.int("embedding_length"), H = try hp.int("attention.head_count"), L = try hp.int("block_count")
        let D = try hp.int("attention.key_length", default: 256)
        if let vd = gguf.metadata["gemma3.attention.value_length"]?.int, vd != D {
            throw ModelFileError(path: gguf.path, message: "gemma3.attention.value_length \(vd) differs from key_length \(D)")
        }
        let window = try hp.int("attention.sliding_window", default: 512)
        // llama.cpp fixes the local layers' base at 1e4 and (unless the file says otherwise) the pattern at 6.
        let globalBase = try hp.double("rope.freq_base", default: 1_000_000), localBase = 10_000.0
        let scaling = try hp.ropeScaling()
        let pattern = try hp.int("attention.sliding_window_pattern", default: 6)
        let global = (0..<L).map { isGlobal($0, pattern: pattern) }
        return ModelConfig(
            architecture: .gemma3, vocabSize: try hp.vocabSize(), dModel: C, nLayers: L, nHeads: H,
            nKVHeads: try hp.int("attention.head_count_kv", default: H), headDim: D,
            ffnDim: try hp.int("feed_forward_length"), norm: .rms, ffn: .geglu,
            normEps: Float(try hp.double("attention.layer_norm_rms_epsilon")),
            rotaryDim: D, ropeLayout: .neox,
            layerRopeBase: global.map { $0 ? globalBase : localBase },
            layerRopeScaling: global.map { $0 ? scaling : .none },
            layerWindow: global.map { $0 ? 0 : window },
            queryScale: 1 / Float(D).squareRoot(), embeddingScale: Float(C).squareRoot(),
            maxPositions: try hp.int("context_length", default: 32768), tiedEmbeddings: !gguf.has("output.weight"))
    }

    static func config(hf: HFKeys) throws -> ModelConfig {
        try hf.rejectIfSet(["final_logit_softcapping", "attn_logit_softcapping"])
        let C = try hf.int("hidden_size"), H = try hf.int("num_attention_heads"), L = try hf.int("num_hidden_layers")
        let D = try hf.int("head_dim", default: 256)
        let window = try hf.int("sliding_window", default: 512)
        let global: [Bool]
        if let types = hf.json["layer_types"] as? [String] {
            guard types.count == L else {
                throw ModelFileError(path: hf.path, message: "layer_types has \(types.count) entries for \(L) layers")
            }
            global = types.map { $0 == "full_attention" }
        } else {
            let pattern = try hf.int("sliding_window_pattern", default: 6)
            global = (0..<L).map { isGlobal($0, pattern: pattern) }
        }
        let globalBase = try hf.double("rope_theta", default: 1_000_000)
        let localBase = try hf.double("rope_local_base_freq", default: 10_000)
        let scaling = try hf.ropeScaling()  // applies to the global layers only
        let scalar = try hf.double("query_pre_attn_scalar", default: Double(D))
        return ModelConfig(
            architecture: .gemma3, vocabSize: try hf.int("vocab_size"), dModel: C, nLayers: L, nHeads: H,
            nKVHeads: try hf.int("num_key_value_heads", default: H), headDim: D,
            ffnDim: try hf.int("intermediate_size"), norm: .rms, ffn: .geglu,
            normEps: Float(try hf.double("rms_norm_eps", default: 1e-6)),
            rotaryDim: D, ropeLayout: .neox,
            layerRopeBase: global.map { $0 ? globalBase : localBase },
            layerRopeScaling: global.map { $0 ? scaling : .none },
            layerWindow: global.map { $0 ? 0 : window },
            queryScale: Float(1 / scalar.squareRoot()), embeddingScale: Float(C).squareRoot(),
            maxPositions: try hf.int("max_position_embeddings", default: 32768),
            tiedEmbeddings: hf.bool("tie_word_embeddings", default: true))
    }

    static func load(gguf: WeightSource, config c: ModelConfig) throws -> Transformer {
        let w = try loadDecoderWeights(gguf, c, embedding: "token_embd.weight", finalNorm: "output_norm.weight", output: "output.weight") { i in
            var n = LayerTensorNames.gguf(i)
            let p = "blk.\(i)."
            n.qNorm = p + "attn_q_norm.weight"; n.kNorm = p + "attn_k_norm.weight"
            n.postAttnNorm = p + "post_attention_norm.weight"; n.postFFNNorm = p + "post_ffw_norm.weight"
            return n
        }
        return Transformer(config: c, weights: w)
    }

    static func load(hf source: WeightSource, config c: ModelConfig) throws -> Transformer {
        // Multimodal checkpoints nest the text model under "language_model.".
        let root = source.has("language_model.model.embed_tokens.weight") ? "language_model.model." : "model."
        let w = try loadDecoderWeights(source, c, embedding: root + "embed_tokens.weight", finalNorm: root + "norm.weight",
                                       output: "lm_head.weight") { i in
            let p = root + "layers.\(i)."
            var n = LayerTensorNames.hf(i)
            n.attnNorm = p + "input_layernorm.weight"
            n.q = p + "self_attn.q_proj.weight"; n.k = p + "self_attn.k_proj.weight"; n.v = p + "self_attn.v_proj.weight"
            n.o = p + "self_attn.o_proj.weight"
            n.qNorm = p + "self_attn.q_norm.weight"; n.kNorm = p + "self_attn.k_norm.weight"
            // Gemma names its four norms differently from llama: post_attention_layernorm is the
            // norm *after* attention, the pre-FFN norm is pre_feedforward_layernorm.
            n.postAttnNorm = p + "post_attention_layernorm.weight"
            n.ffnNorm = p + "pre_feedforward_layernorm.weight"
            n.postFFNNorm = p + "post_feedforward_layernorm.weight"
            n.gate = p + "mlp.gate_proj.weight"; n.up = p + "mlp.up_proj.weight"; n.down = p + "mlp.down_proj.weight"
            return n
        }
        // HF stores w; the model multiplies by (1 + w).
        func addOne(_ t: WeightTensor?) { if let t { for i in 0..<t.count { t.data[i] += 1 } } }
        for l in w.layers {
            for t in [l.attnNorm, l.qNorm, l.kNorm, l.postAttnNorm, l.ffnNorm, l.postFFNNorm] { addOne(t) }
        }
        addOne(w.finalNorm)
        return Transformer(config: c, weights: w)
    }
}
