import Foundation
import ModelIO

/// Builds a model from a GGUF file (architecture from `general.architecture`), dequantising all
/// weights to float32.
public func loadModel(gguf: GGUFFile) throws -> Transformer {
    let c = try ModelConfig(gguf: gguf)
    switch c.architecture {
    case .llama: return try Llama.load(gguf: gguf, config: c)
    case .qwen2: return try Qwen2.load(gguf: gguf, config: c)
    case .gemma3: return try Gemma3.load(gguf: gguf, config: c)
    case .gpt2: return try GPT2.load(gguf: gguf, config: c)
    }
}

/// Builds a model from Hugging Face weights (safetensors or any `WeightSource` with HF tensor
/// names) and the parsed `config.json` dictionary (`configPath` is used in error messages).
public func loadModel(hfWeights source: WeightSource, config json: [String: Any], configPath: String) throws -> Transformer {
    let c = try ModelConfig(hf: json, path: configPath)
    switch c.architecture {
    case .llama: return try Llama.load(hf: source, config: c)
    case .qwen2: return try Qwen2.load(hf: source, config: c)
    case .gemma3: return try Gemma3.load(hf: source, config: c)
    case .gpt2: return try GPT2.load(hf: source, config: c)
    }
}

/// Opens a GGUF model file by path.
public func loadModel(path: String) throws -> Transformer {
    try loadModel(gguf: GGUFFile(path: path))
}
