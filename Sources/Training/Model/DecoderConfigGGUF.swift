import ModelIO

extension DecoderConfig {
    /// Reads the trainer's config from a GGUF file's metadata (architectures `llama`, `qwen2`, `gemma3`).
    /// Values GGUF does not store are the architectures' fixed constants, as llama.cpp uses them:
    /// Gemma 3's local RoPE base 10 000, global layer every 6th, query scale 1/sqrt(key_length).
    /// Other architectures throw.
    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.architecture else {
            throw ModelFileError(path: gguf.path, message: "no general.architecture")
        }
        guard let family = Family(rawValue: arch) else {
            throw ModelFileError(path: gguf.path, message: "architecture \(arch) is not supported for training (llama, qwen2, gemma3)")
        }
        let embd = try gguf.shape(of: "token_embd.weight")
        guard embd.count == 2 else { throw ModelFileError(path: gguf.path, message: "token_embd.weight: shape \(embd)") }
        let dim = try gguf.metaInt("\(arch).embedding_length")
        let heads = try gguf.metaInt("\(arch).attention.head_count")
        let headDim = gguf.metadata["\(arch).attention.key_length"] != nil
            ? try gguf.metaInt("\(arch).attention.key_length") : dim / heads
        try self.init(family: family, vocab: embd[0], dim: dim,
                      layers: try gguf.metaInt("\(arch).block_count"), heads: heads,
                      kvHeads: try gguf.metaInt("\(arch).attention.head_count_kv"), headDim: headDim,
                      ffnDim: try gguf.metaInt("\(arch).feed_forward_length"),
                      normEps: Float(try gguf.metaDouble("\(arch).attention.layer_norm_rms_epsilon")),
                      ropeBase: try gguf.metaDouble("\(arch).rope.freq_base"), ropeLocalBase: 10_000,
                      ropeLayout: family == .llama ? .interleaved : .neox,
                      slidingWindow: family == .gemma3 ? try gguf.metaInt("\(arch).attention.sliding_window") : 0,
                      slidingPattern: family == .gemma3 ? 6 : 0,
                      tiedEmbeddings: !gguf.tensorNames.contains("output.weight"))
    }
}
