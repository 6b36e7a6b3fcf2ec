import Foundation
import ModelIO
import Numerics

/// The decoder architectures this runtime runs. All share one forward pass (Transformer.swift);
/// each architecture file maps its file formats' hyperparameters and tensor names onto it.
public enum Architecture: String, Sendable, CaseIterable {
    case llama, qwen2, gemma3, gpt2
}

/// Normalisation used before attention/FFN and at the end.
public enum NormKind: Sendable { case rms, layer }

/// Feed-forward variant: gated SiLU (Llama, Qwen2), gated GELU-tanh (Gemma), plain GELU-tanh MLP (GPT-2).
public enum FFNKind: Sendable { case swiglu, geglu, gelu }

/// Everything the forward pass needs to know besides the weights.
/// Built from GGUF metadata (`ModelConfig(gguf:)`) or a Hugging Face `config.json` (`ModelConfig(hf:path:)`).
public struct ModelConfig: Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    public var dModel: Int
    public var nLayers: Int
    public var nHeads: Int
    public var nKVHeads: Int
    public var headDim: Int
    public var ffnDim: Int
    public var norm: NormKind
    public var ffn: FFNKind
    public var normEps: Float
    /// Channels of each head that RoPE rotates (0: no RoPE, e.g. GPT-2's learned positions).
    public var rotaryDim: Int
    public var ropeLayout: RopeLayout
    /// RoPE base per layer (Gemma-3 alternates local 1e4 and global 1e6).
    public var layerRopeBase: [Double]
    /// RoPE frequency scaling per layer (Gemma-3 scales only its global layers).
    public var layerRopeScaling: [RopeScaling]
    /// Sliding attention window per layer, 0 = full causal attention.
    public var layerWindow: [Int]
    /// Multiplies q·k in attention (1/√headDim unless the model says otherwise).
    public var queryScale: Float
    /// Multiplies the token embeddings (Gemma: √dModel).
    public var embeddingScale: Float
    /// Maximum position (learned position tables; informational for RoPE models).
    public var maxPositions: Int
    /// Output head shares the token-embedding matrix.
    public var tiedEmbeddings: Bool

    public var qDim: Int { nHeads * headDim }
    public var kvDim: Int { nKVHeads * headDim }

    /// Checks the numbers are mutually consistent, so a bad file fails here and not in a kernel.
    public func validate(path: String) throws {
        func bad(_ m: String) -> ModelFileError { ModelFileError(path: path, message: "model config: \(m)") }
        for (n, v) in [("vocabSize", vocabSize), ("dModel", dModel), ("nLayers", nLayers), ("nHeads", nHeads),
                       ("nKVHeads", nKVHeads), ("headDim", headDim), ("ffnDim", ffnDim)] where v <= 0 {
            throw bad("\(n) = \(v) must be positive")
        }
        if nHeads % nKVHeads != 0 { throw bad("head count \(nHeads) not a multiple of KV head count \(nKVHeads)") }
        if rotaryDim < 0 || rotaryDim > headDim || rotaryDim % 2 != 0 {
            throw bad("rotary dimension \(rotaryDim) must be even and at most headDim \(headDim)")
        }
        if layerRopeBase.count != nLayers || layerWindow.count != nLayers || layerRopeScaling.count != nLayers { throw bad("per-layer tables must have \(nLayers) entries") }
        if rotaryDim > 0, let b = layerRopeBase.first(where: { !($0 > 0) }) { throw bad("RoPE base \(b) must be positive") }
        if !(normEps >= 0) { throw bad("norm epsilon \(normEps) must be non-negative") }
    }
}

// MARK: - Reading hyperparameters

extension ModelConfig {
    /// Reads a GGUF file's `<arch>.*` metadata. Throws for architectures this runtime does not run.
    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.architecture else {
            throw ModelFileError(path: gguf.path, message: "missing metadata general.architecture")
        }
        switch arch {
        case "llama": self = try Llama.config(gguf: gguf)
        case "qwen2": self = try Qwen2.config(gguf: gguf)
        case "gemma3": self = try Gemma3.config(gguf: gguf)
        case "gpt2": self = try GPT2.config(gguf: gguf)
        default: throw ModelFileError(path: gguf.path, message: "unsupported architecture '\(arch)' (supported: llama, qwen2, gemma3, gpt2)")
        }
        try validate(path: gguf.path)
    }

    /// Reads a Hugging Face `config.json` dictionary (`path` names the file in errors).
    public init(hf json: [String: Any], path: String) throws {
        let hf = HFKeys(json: json, path: path)
        let type = try hf.string("model_type")
        switch type {
        case "llama", "mistral": self = try Llama.config(hf: hf)
        case "qwen2": self = try Qwen2.config(hf: hf)
        case "gemma3_text": self = try Gemma3.config(hf: hf)
        case "gemma3":
            // Multimodal wrapper: the language model's settings live under text_config.
            guard let text = json["text_config"] as? [String: Any] else {
                throw ModelFileError(path: path, message: "model_type gemma3 without a text_config object")
            }
            self = try Gemma3.config(hf: HFKeys(json: text, path: path + " (text_config)"))
        case "gpt2": self = try GPT2.config(hf: hf)
        default: throw ModelFileError(path: path, message: "unsupported model_type '\(type)' (supported: llama, mistral, qwen2, gemma3_text, gpt2)")
        }
        try validate(path: path)
    }
}

/// Typed access to GGUF `<arch>.<key>` metadata with errors naming the key.
struct GGUFHParams {
    let file: GGUFFile
    let arch: String
    func int(_ key: String) throws -> Int { try file.metaInt("\(arch).\(key)") }
    func int(_ key: String, default d: Int) throws -> Int {
        file.metadata["\(arch).\(key)"] == nil ? d : try int(key)
    }
    func double(_ key: String) throws -> Double { try file.metaDouble("\(arch).\(key)") }
    func double(_ key: String, default d: Double) throws -> Double {
        file.metadata["\(arch).\(key)"] == nil ? d : try double(key)
    }
    func string(_ key: String) -> String? { file.metadata["\(arch).\(key)"]?.string }
    /// Vocabulary size: the token embedding's row count (what the weights really hold).
    func vocabSize() throws -> Int {
        let s = try file.shape(of: "token_embd.weight")
        guard s.count == 2 else { throw ModelFileError(path: file.path, message: "token_embd.weight has shape \(s), expected 2-D") }
        return s[0]
    }
    /// `rope.scaling.*` keys, as llama.cpp's converter writes them.
    func ropeScaling() throws -> RopeScaling {
        switch string("rope.scaling.type") {
        case nil, "none": return .none
        case "linear": return .linear(factor: try double("rope.scaling.factor"))
        case let t?: throw ModelFileError(path: file.path, message: "unsupported \(arch).rope.scaling.type '\(t)'")
        }
    }
}

/// Typed access to a Hugging Face config.json with errors naming the key.
struct HFKeys {
    let json: [String: Any]
    let path: String
    func has(_ key: String) -> Bool { json[key] != nil && !(json[key] is NSNull) }
    func int(_ key: String) throws -> Int {
        if let v = json[key] as? Int { return v }
        if let v = json[key] as? Double, v == v.rounded() { return Int(v) }
        throw ModelFileError(path: path, message: "missing or non-integer config key \(key)")
    }
    func int(_ key: String, default d: Int) throws -> Int { has(key) ? try int(key) : d }
    func double(_ key: String) throws -> Double {
        if let v = json[key] as? Double { return v }
        if let v = json[key] as? Int { return Double(v) }
        throw ModelFileError(path: path, message: "missing or non-numeric config key \(key)")
    }
    func double(_ key: String, default d: Double) throws -> Double { has(key) ? try double(key) : d }
    func string(_ key: String) throws -> String {
        guard let v = json[key] as? String else { throw ModelFileError(path: path, message: "missing or non-string config key \(key)") }
        return v
    }
    func bool(_ key: String, default d: Bool) -> Bool { json[key] as? Bool ?? d }
    /// Throws if a feature this runtime does not implement is switched on (non-null / true),
    /// rather than silently computing a different model.
    func rejectIfSet(_ keys: [String]) throws {
        for k in keys where has(k) && !(json[k] as? Bool == false) {
            throw ModelFileError(path: path, message: "config key \(k) = \(json[k]!) is not supported by this runtime")
        }
    }
    /// HF `rope_scaling` (null, {"rope_type": "linear"|"llama3", ...}).
    func ropeScaling() throws -> RopeScaling {
        guard let r = json["rope_scaling"] as? [String: Any] else { return .none }
        let sub = HFKeys(json: r, path: path + " rope_scaling")
        let type = (r["rope_type"] as? String) ?? (r["type"] as? String) ?? "default"
        switch type {
        case "default": return .none
        case "linear": return .linear(factor: try sub.double("factor"))
        case "llama3":
            return .llama3(factor: try sub.double("factor"), lowFreqFactor: try sub.double("low_freq_factor"),
                           highFreqFactor: try sub.double("high_freq_factor"),
                           originalContext: try sub.double("original_max_position_embeddings"))
        default: throw ModelFileError(path: path, message: "unsupported rope_scaling type '\(type)'")
        }
    }
}
