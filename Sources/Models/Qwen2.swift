import Foundation
import ModelIO
import Numerics

/// Qwen2 / Qwen2.5: the llama block plus biases on q, k and v, RoPE over halves (`.neox`) in
/// both GGUF and Hugging Face files (llama.cpp does not permute qwen2 weights).
public enum Qwen2 {
    static func config(gguf: GGUFFile) throws -> ModelConfig {
        var c = try Llama.config(gguf: gguf, arch: "qwen2")
        c.architecture = .qwen2
        c.ropeLayout = .neox
        return c
    }

    static func config(hf: HFKeys) throws -> ModelConfig {
        var c = try Llama.config(hf: hf)
        c.architecture = .qwen2
        // Qwen2 configs carry sliding_window but only use it when use_sliding_window is true.
        if !hf.bool("use_sliding_window", default: false) { c.layerWindow = Array(repeating: 0, count: c.nLayers) }
        return c
    }

    static func load(gguf: WeightSource, config c: ModelConfig) throws -> Transformer {
        let w = try loadDecoderWeights(gguf, c, embedding: "token_embd.weight", finalNorm: "output_norm.weight", output: "output.weight") { i in
            var n = LayerTensorNames.gguf(i)
            n.qBias = "blk.\(i).attn_q.bias"; n.kBias = "blk.\(i).attn_k.bias"; n.vBias = "blk.\(i).attn_v.bias"
            return n
        }
        return Transformer(config: c, weights: w)
    }

    static func load(hf source: WeightSource, config c: ModelConfig) throws -> Transformer {
        let w = try loadDecoderWeights(source, c, embedding: "model.embed_tokens.weight", finalNorm: "model.norm.weight", output: "lm_head.weight") { i in
            var n = LayerTensorNames.hf(i)
            let p = "model.layers.\(i).self_attn."
            n.qBias = p + "q_proj.bias"; n.kBias = p + "k_proj.bias"; n.vBias = p + "v_proj.bias"
            return n
        }
        return Transformer(config: c, weights: w)
    }
}
