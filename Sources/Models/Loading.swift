import Foundation
import ModelIO

/// Builds a model from a GGUF file (architecture from `general.architecture`), dequantising all
/// weights to float32.
public func loadModel(gguf: GGUFFile) throws -> Transformer {
    try loadModel(weights: gguf, config: ModelConfig(gguf: gguf), naming: .gguf)
}

/// How a weight source names its tensors.
public enum TensorNaming: Sendable {
    /// llama.cpp's names (`blk.0.attn_q.weight`), with its layouts (llama q/k rows permuted for
    /// interleaved RoPE, GPT-2 fused qkv as [3C, C]).
    case gguf
    /// Hugging Face names (`model.layers.0.self_attn.q_proj.weight`) and layouts (GPT-2 Conv1D [in, out]).
    case huggingFace
}

/// Builds a model of `config.architecture` from any weight source. The config's RoPE layout
/// must match the source (ModelConfig(gguf:) and ModelConfig(hf:) choose it accordingly).
public func loadModel(weights: WeightSource, config c: ModelConfig, naming: TensorNaming) throws -> Transformer {
    try c.validate(path: weights.path)
    switch (c.architecture, naming) {
    case (.llama, .gguf): return try Llama.load(gguf: weights, config: c)
    case (.llama, .huggingFace): return try Llama.load(hf: weights, config: c)
    case (.qwen2, .gguf): return try Qwen2.load(gguf: weights, config: c)
    case (.qwen2, .huggingFace): return try Qwen2.load(hf: weights, config: c)
    case (.gemma3, .gguf): return try Gemma3.load(gguf: weights, config: c)
    case (.gemma3, .huggingFace): return try Gemma3.load(hf: weights, config: c)
    case (.gpt2, .gguf): return try GPT2.load(gguf: weights, config: c)
    case (.gpt2, .huggingFace): return try GPT2.load(hf: weights, config: c)
    }
}

/// Builds a model from Hugging Face weights (safetensors or any `WeightSource` with HF tensor
/// names) and the parsed `config.json` dictionary (`configPath` is used in error messages).
public func loadModel(hfWeights source: WeightSource, config json: [String: Any], configPath: String) throws -> Transformer {
    try loadModel(weights: source, config: ModelConfig(hf: json, path: configPath), naming: .huggingFace)
}

/// Builds a model from a Hugging Face model directory (config.json + safetensors).
public func loadModel(hfDirectory dir: HFModelDirectory) throws -> Transformer {
    try loadModel(hfWeights: dir, config: dir.config.raw, configPath: dir.path + "/config.json")
}

/// Opens a model by path: a fine-tuned model folder (`FineTunedModel`), else a directory is read
/// as a Hugging Face model directory, a file as GGUF.
public func loadModel(path: String) throws -> Transformer {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw ModelFileError(path: path, message: "no such model file or directory")
    }
    if isDir.boolValue && FineTunedModel.isFineTunedFolder(path) { return try FineTunedModel.load(folder: path) }
    return isDir.boolValue ? try loadModel(hfDirectory: HFModelDirectory(path: path)) : try loadModel(gguf: GGUFFile(path: path))
}
