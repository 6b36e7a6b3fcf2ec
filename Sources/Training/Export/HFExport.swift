import Foundation
import ModelIO
import Models

/// Exports merged fine-tuned weights (GGUF names, runtime layouts — what
/// `Checkpoint.saveMergedModel` writes) as a Hugging Face model directory: `model.safetensors`
/// with HF tensor names and layouts plus a `config.json`, so transformers/PEFT-free tools can
/// read the weights. (No tokenizer files: the GGUF base has no tokenizer.json to copy; use the
/// base model's Hugging Face tokenizer.)
///
/// Layout conversions:
/// - llama (and qwen2) q/k weights from GGUF files are stored with llama.cpp's row permutation
///   for interleaved RoPE; HF rotates halves. Within each head of D rows, GGUF row 2i + c holds
///   HF row c·D/2 + i (c ∈ {0, 1}), so the export un-permutes when the config says `.interleaved`.
/// - Gemma 3 multiplies by (1 + w) in every RMSNorm and HF stores w, while the runtime (like
///   GGUF) holds 1 + w: the export subtracts 1 from the seven norm kinds.
/// - GPT-2 uses HF's `Conv1D` modules, whose weights are stored [in, out]: the fused
///   attn_qkv [3C, C], attn_output, ffn_up and ffn_down are transposed on export.
public enum HFExport {
    /// Writes `dir/model.safetensors` and `dir/config.json` (creating `dir`).
    public static func write(merged source: WeightSource, config c: ModelConfig, to dir: String,
                             dtype: SafetensorsDType = .f32) throws {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw TrainingError("HF export \(dir): cannot create directory (\(error.localizedDescription))")
        }
        let out = c.architecture == .gpt2 ? try gpt2Tensors(merged: source, config: c, dtype: dtype)
                                          : try decoderTensors(merged: source, config: c, dtype: dtype)
        try SafetensorsWriter.write(out, metadata: ["format": "pt"], to: dir + "/model.safetensors")
        var json = try configJSON(c, tied: !source.has("output.weight"))
        json["torch_dtype"] = dtype == .bf16 ? "bfloat16" : dtype == .f16 ? "float16" : "float32"
        do {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: dir + "/config.json"), options: .atomic)
        } catch { throw TrainingError("HF export \(dir)/config.json: \(error.localizedDescription)") }
    }

    /// GPT-2 tensors under GPT2LMHeadModel's names (as on the Hub, without the "transformer."
    /// prefix); the head is tied to wte, so there is no lm_head tensor.
    static func gpt2Tensors(merged source: WeightSource, config c: ModelConfig,
                            dtype: SafetensorsDType) throws -> [SafetensorsWriter.Tensor] {
        let C = c.dModel, F = c.ffnDim
        guard !source.has("output.weight") else { throw TrainingError("HF export: gpt2 with an untied output head") }
        var out: [SafetensorsWriter.Tensor] = []
        func add(_ gguf: String, _ hf: String, _ shape: [Int]) throws {
            out.append(.init(name: hf, shape: shape, dtype: dtype, values: try source.floats(gguf, shape: shape)))
        }
        /// A linear [out, in] stored as HF Conv1D [in, out].
        func conv(_ gguf: String, _ hf: String, outDim: Int, inDim: Int) throws {
            let w = try source.floats(gguf, shape: [outDim, inDim])
            var t = [Float](repeating: 0, count: w.count)
            for o in 0..<outDim { for i in 0..<inDim { t[i * outDim + o] = w[o * inDim + i] } }
            out.append(.init(name: hf, shape: [inDim, outDim], dtype: dtype, values: t))
        }
        try add("token_embd.weight", "wte.weight", [c.vocabSize, C])
        try add("position_embd.weight", "wpe.weight", [c.maxPositions, C])
        try add("output_norm.weight", "ln_f.weight", [C]); try add("output_norm.bias", "ln_f.bias", [C])
        for l in 0..<c.nLayers {
            let g = "blk.\(l).", h = "h.\(l)."
            try add(g + "attn_norm.weight", h + "ln_1.weight", [C]); try add(g + "attn_norm.bias", h + "ln_1.bias", [C])
            try conv(g + "attn_qkv.weight", h + "attn.c_attn.weight", outDim: 3 * C, inDim: C)
            try add(g + "attn_qkv.bias", h + "attn.c_attn.bias", [3 * C])
            try conv(g + "attn_output.weight", h + "attn.c_proj.weight", outDim: C, inDim: C)
            try add(g + "attn_output.bias", h + "attn.c_proj.bias", [C])
            try add(g + "ffn_norm.weight", h + "ln_2.weight", [C]); try add(g + "ffn_norm.bias", h + "ln_2.bias", [C])
            try conv(g + "ffn_up.weight", h + "mlp.c_fc.weight", outDim: F, inDim: C)
            try add(g + "ffn_up.bias", h + "mlp.c_fc.bias", [F])
            try conv(g + "ffn_down.weight", h + "mlp.c_proj.weight", outDim: C, inDim: F)
            try add(g + "ffn_down.bias", h + "mlp.c_proj.bias", [C])
        }
        return out
    }

    /// llama / qwen2 / gemma3 tensors under their HF (`model.layers.N…`) names.
    static func decoderTensors(merged source: WeightSource, config c: ModelConfig,
                               dtype: SafetensorsDType) throws -> [SafetensorsWriter.Tensor] {
        let gemma = c.architecture == .gemma3
        var out: [SafetensorsWriter.Tensor] = []
        func add(_ gguf: String, _ hf: String, _ shape: [Int], transform: (([Float]) -> [Float])? = nil) throws {
            var v = try source.floats(gguf, shape: shape)
            if let transform { v = transform(v) }
            out.append(.init(name: hf, shape: shape, dtype: dtype, values: v))
        }
        let minusOne: (([Float]) -> [Float])? = gemma ? { $0.map { $0 - 1 } } : nil
        let unpermute = c.ropeLayout == .interleaved
        let C = c.dModel, F = c.ffnDim, D = c.headDim
        try add("token_embd.weight", "model.embed_tokens.weight", [c.vocabSize, C])
        try add("output_norm.weight", "model.norm.weight", [C], transform: minusOne)
        if source.has("output.weight") { try add("output.weight", "lm_head.weight", [c.vocabSize, C]) }
        for l in 0..<c.nLayers {
            let g = "blk.\(l).", h = "model.layers.\(l)."
            try add(g + "attn_norm.weight", h + "input_layernorm.weight", [C], transform: minusOne)
            try add(g + "attn_q.weight", h + "self_attn.q_proj.weight", [c.qDim, C],
                    transform: unpermute ? { unpermuteRows($0, heads: c.nHeads, headDim: D, cols: C) } : nil)
            try add(g + "attn_k.weight", h + "self_attn.k_proj.weight", [c.kvDim, C],
                    transform: unpermute ? { unpermuteRows($0, heads: c.nKVHeads, headDim: D, cols: C) } : nil)
            try add(g + "attn_v.weight", h + "self_attn.v_proj.weight", [c.kvDim, C])
            try add(g + "attn_output.weight", h + "self_attn.o_proj.weight", [C, c.qDim])
            try add(g + "ffn_gate.weight", h + "mlp.gate_proj.weight", [F, C])
            try add(g + "ffn_up.weight", h + "mlp.up_proj.weight", [F, C])
            try add(g + "ffn_down.weight", h + "mlp.down_proj.weight", [C, F])
            if source.has(g + "attn_q.bias") {
                try add(g + "attn_q.bias", h + "self_attn.q_proj.bias", [c.qDim],
                        transform: unpermute ? { unpermuteRows($0, heads: c.nHeads, headDim: D, cols: 1) } : nil)
                try add(g + "attn_k.bias", h + "self_attn.k_proj.bias", [c.kvDim],
                        transform: unpermute ? { unpermuteRows($0, heads: c.nKVHeads, headDim: D, cols: 1) } : nil)
                try add(g + "attn_v.bias", h + "self_attn.v_proj.bias", [c.kvDim])
            }
            if gemma {
                try add(g + "ffn_norm.weight", h + "pre_feedforward_layernorm.weight", [C], transform: minusOne)
                try add(g + "post_attention_norm.weight", h + "post_attention_layernorm.weight", [C], transform: minusOne)
                try add(g + "post_ffw_norm.weight", h + "post_feedforward_layernorm.weight", [C], transform: minusOne)
                try add(g + "attn_q_norm.weight", h + "self_attn.q_norm.weight", [D], transform: minusOne)
                try add(g + "attn_k_norm.weight", h + "self_attn.k_norm.weight", [D], transform: minusOne)
            } else {
                try add(g + "ffn_norm.weight", h + "post_attention_layernorm.weight", [C])
            }
        }
        return out
    }

    /// GGUF's interleaved q/k rows back to HF's order, per head: hf[c·D/2 + i] = gguf[2i + c].
    public static func unpermuteRows(_ v: [Float], heads: Int, headDim D: Int, cols: Int) -> [Float] {
        var out = v
        let half = D / 2
        for h in 0..<heads {
            for i in 0..<half {
                for c in 0..<2 {
                    let src = (h * D + 2 * i + c) * cols, dst = (h * D + c * half + i) * cols
                    for j in 0..<cols { out[dst + j] = v[src + j] }
                }
            }
        }
        return out
    }

    /// A `config.json` that `ModelConfig(hf:)` reads back to `c` (apart from the RoPE layout,
    /// which is `.neox` for HF weights by construction).
    public static func configJSON(_ c: ModelConfig, tied: Bool) throws -> [String: Any] {
        // rms_norm_eps via the Float's shortest decimal: 1e-05 rather than 9.99999974e-06.
        let eps = Double("\(c.normEps)") ?? Double(c.normEps)
        if c.architecture == .gpt2 {
            return ["model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": c.vocabSize,
                    "n_embd": c.dModel, "n_layer": c.nLayers, "n_head": c.nHeads, "n_inner": c.ffnDim,
                    "n_positions": c.maxPositions, "n_ctx": c.maxPositions, "layer_norm_epsilon": eps,
                    "activation_function": "gelu_new", "tie_word_embeddings": true, "torch_dtype": "float32"]
        }
        var j: [String: Any] = [
            "vocab_size": c.vocabSize, "hidden_size": c.dModel, "num_hidden_layers": c.nLayers,
            "num_attention_heads": c.nHeads, "num_key_value_heads": c.nKVHeads, "head_dim": c.headDim,
            "intermediate_size": c.ffnDim, "rms_norm_eps": eps, "tie_word_embeddings": tied,
            "max_position_embeddings": c.maxPositions, "torch_dtype": "float32",
        ]
        guard c.layerRopeScaling.allSatisfy({ $0 == .none }) else {
            throw TrainingError("HF export: RoPE scaling is not exported")
        }
        switch c.architecture {
        case .llama, .qwen2:
            j["model_type"] = c.architecture == .llama ? "llama" : "qwen2"
            j["architectures"] = [c.architecture == .llama ? "LlamaForCausalLM" : "Qwen2ForCausalLM"]
            j["rope_theta"] = c.layerRopeBase.first ?? 10000
            j["hidden_act"] = "silu"
            if let w = c.layerWindow.first, w > 0 { j["sliding_window"] = w }
        case .gemma3:
            j["model_type"] = "gemma3_text"
            j["architectures"] = ["Gemma3ForCausalLM"]
            j["hidden_activation"] = "gelu_pytorch_tanh"
            j["layer_types"] = c.layerWindow.map { $0 == 0 ? "full_attention" : "sliding_attention" }
            let globalBase = zip(c.layerWindow, c.layerRopeBase).first { $0.0 == 0 }?.1 ?? 1_000_000
            let localBase = zip(c.layerWindow, c.layerRopeBase).first { $0.0 != 0 }?.1 ?? 10_000
            j["rope_theta"] = globalBase
            j["rope_local_base_freq"] = localBase
            j["sliding_window"] = c.layerWindow.first { $0 > 0 } ?? 512
            let scalar = 1 / (Double(c.queryScale) * Double(c.queryScale))
            j["query_pre_attn_scalar"] = abs(scalar - scalar.rounded()) < 1e-3 ? Int(scalar.rounded()) : scalar   // Float round-trip noise
        case .gpt2:
            preconditionFailure("gpt2 returned above")
        }
        return j
    }
}
