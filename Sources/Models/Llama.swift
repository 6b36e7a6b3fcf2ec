import Foundation
import ModelIO
import Numerics

/// Llama-family decoders: SmolLM2, Llama-2/3.x, Mistral. RMSNorm, SwiGLU, RoPE, GQA, optional
/// Llama-3 RoPE scaling and (Mistral v0.1) a sliding window on every layer.
///
/// RoPE layout differs by source: llama.cpp's converter permutes the rows of q/k weights so that
/// GGUF llama models rotate adjacent pairs (`.interleaved`), whereas Hugging Face checkpoints
/// keep the original order and rotate halves (`.neox`). The weights are used as stored and the
/// layout is chosen per source.
public enum Llama {
    /// Reads `<arch>.*` llama-style hyperparameters (qwen2 files use the same keys under "qwen2").
    static func config(gguf: GGUFFile, arch: String = "llama") throws -> ModelConfig {
        let hp = GGUFHParams(file: gguf, arch: arch)
        let C = try hp.int("embedding_length"), H = try hp.int("attention.head_count"), L = try hp.int("block_count")
        let D = try hp.int("attention.key_length", default: H > 0 ? C / H : 0)
        let base = try hp.double("rope.freq_base", default: 10000)
        let window = try hp.int("attention.sliding_window", default: 0)
        let scaling = try hp.ropeScaling()
        return ModelConfig(
            architecture: .llama, vocabSize: try hp.vocabSize(), dModel: C, nLayers: L, nHeads: H,
            nKVHeads: try hp.int("attention.head_count_kv", default: H), headDim: D,
            ffnDim: try hp.int("feed_forward_length"), norm: .rms, ffn: .swiglu,
            normEps: Float(try hp.double("attention.layer_norm_rms_epsilon")),
            rotaryDim: try hp.int("rope.dimension_count", default: D), ropeLayout: .interleaved,
            layerRopeBase: Array(repeating: base, count: L), layerRopeScaling: Array(repeating: scaling, count: L),
            layerWindow: Array(repeating: window, count: L),
            queryScale: 1 / Float(D).squareRoot(), embeddingScale: 1,
            maxPositions: try hp.int("context_length", default: 2048), tiedEmbeddings: !gguf.has("output.weight"))
    }

    static func config(hf: HFKeys) throws -> ModelConfig {
        try hf.rejectIfSet(["mlp_bias"])
        let C = try hf.int("hidden_size"), H = try hf.int("num_attention_heads"), L = try hf.int("num_hidden_layers")
        let D = try hf.int("head_dim", default: H > 0 ? C / H : 0)
        let base = try hf.double("rope_theta", default: 10000)
        let window = try hf.int("sliding_window", default: 0)
        let scaling = try hf.ropeScaling()
        return ModelConfig(
            architecture: .llama, vocabSize: try hf.int("vocab_size"), dModel: C, nLayers: L, nHeads: H,
            nKVHeads: try hf.int("num_key_value_heads", default: H), headDim: D,
            ffnDim: try hf.int("intermediate_size"), norm: .rms, ffn: .swiglu,
            normEps: Float(try hf.double("rms_norm_eps", default: 1e-6)),
            rotaryDim: D, ropeLayout: .neox,
            layerRopeBase: Array(repeating: base, count: L), layerRopeScaling: Array(repeating: scaling, count: L),
            layerWindow: Array(repeating: window, count: L),
            queryScale: 1 / Float(D).squareRoot(), embeddingScale: 1,
            maxPositions: try hf.int("max_position_embeddings", default: 2048),
            tiedEmbeddings: hf.bool("tie_word_embeddings", default: false))
    }

    static func load(gguf: WeightSource, config c: ModelConfig) throws -> Transformer {
        let w = try loadDecoderWeights(gguf, c, embedding: "token_embd.weight", finalNorm: "output_norm.weight", output: "output.weight") { i in
            var n = LayerTensorNames.gguf(i)
            // Some llama-architecture models carry attention biases.
            if gguf.has("blk.\(i).attn_q.bias") { n.qBias = "blk.\(i).attn_q.bias"; n.kBias = "blk.\(i).attn_k.bias"; n.vBias = "blk.\(i).attn_v.bias" }
            return n
        }
        // Llama-3 RoPE scaling is stored by llama.cpp as per-frequency divisors.
        let factors = gguf.has("rope_freqs.weight") ? try gguf.floats("rope_freqs.weight", shape: [c.rotaryDim / 2]) : nil
        return Transformer(config: c, weights: w, ropeFreqFactors: factors)
    }

    static func load(hf source: WeightSource, config c: ModelConfig) throws -> Transformer {
        let w = try loadDecoderWeights(source, c, embedding: "model.embed_tokens.weight", finalNorm: "model.norm.weight", output: "lm_head.weight") { i in
            var n = LayerTensorNames.hf(i)
            let p = "model.layers.\(i).self_attn."
            if source.has(p + "q_proj.bias") { n.qBias = p + "q_proj.bias"; n.kBias = p + "k_proj.bias"; n.vBias = p + "v_proj.bias" }
            return n
        }
        return Transformer(config: c, weights: w)
    }
}
