import Foundation
import ModelIO

extension Tokenizer {
    /// Loads the tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata:
    /// `model` `gpt2` → byte-level BPE with `merges` and the pre-tokenizer named by `pre`;
    /// `llama` → SentencePiece BPE with `scores` and `<0xXX>` byte fallback.
    public static func load(gguf: GGUFFile) throws -> Tokenizer {
        let path = gguf.path
        func fail(_ m: String) -> TokenizerError { TokenizerError(path: path, m) }
        guard let modelName = gguf.metadata["tokenizer.ggml.model"]?.string else {
            throw fail("missing metadata tokenizer.ggml.model (not a GGUF file with a tokenizer)")
        }
        guard let tokenValues = gguf.metadata["tokenizer.ggml.tokens"]?.array, !tokenValues.isEmpty else {
            throw fail("missing or empty metadata tokenizer.ggml.tokens")
        }
        let n = tokenValues.count
        var table = TokenTable(capacity: n + 1024)
        for (i, v) in tokenValues.enumerated() {
            guard let s = v.string else { throw fail("tokenizer.ggml.tokens[\(i)] is not a string") }
            // llama.cpp renames empty tokens so that they cannot match anything.
            if s.isEmpty { table.append(Array("[EMPTY_\(i)]".utf8)) } else { table.append(s.utf8) }
        }
        var types = [TokenType](repeating: .normal, count: n)
        if let tv = gguf.metadata["tokenizer.ggml.token_type"]?.array {
            guard tv.count == n else { throw fail("tokenizer.ggml.token_type has \(tv.count) entries, tokens has \(n)") }
            for i in 0..<n { types[i] = TokenType(rawValue: Int32(tv[i].int ?? 0)) ?? .undefined }
        }
        var scores = [Float](repeating: 0, count: n)
        if let sv = gguf.metadata["tokenizer.ggml.scores"]?.array {
            guard sv.count == n else { throw fail("tokenizer.ggml.scores has \(sv.count) entries, tokens has \(n)") }
            for i in 0..<n { scores[i] = Float(sv[i].double ?? 0) }
        }
        func tokenID(_ key: String) throws -> Int32? {
            guard let v = gguf.metadata[key]?.int else { return nil }
            guard v >= 0 && v < n else { throw fail("\(key) = \(v) is outside the vocabulary (\(n) tokens)") }
            return Int32(v)
        }
        let bos = try tokenID("tokenizer.ggml.bos_token_id")
        let eos = try tokenID("tokenizer.ggml.eos_token_id")
        let unk = try tokenID("tokenizer.ggml.unknown_token_id")
        let pad = try tokenID("tokenizer.ggml.padding_token_id")
        let addBOSMeta = gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool
        let addEOS = gguf.metadata["tokenizer.ggml.add_eos_token"]?.bool ?? false
        let addSpaceMeta = gguf.metadata["tokenizer.ggml.add_space_prefix"]?.bool
        let template = gguf.metadata["tokenizer.chat_template"]?.string

        switch modelName {
        case "gpt2":
            let preName = gguf.metadata["tokenizer.ggml.pre"]?.string ?? "default"
            guard let (pre, ignoreMerges, bosDefault) = ggufPreTokenizer(preName) else {
                throw fail("unsupported tokenizer.ggml.pre '\(preName)' (supported: gpt-2, llama3/llama-bpe, qwen2, smollm/starcoder family)")
            }
            guard let mv = gguf.metadata["tokenizer.ggml.merges"]?.array else {
                throw fail("tokenizer.ggml.model is gpt2 but tokenizer.ggml.merges is missing")
            }
            var merges: PairTable
            merges = PairTable(capacity: mv.count)
            for (rank, v) in mv.enumerated() {
                guard let s = v.string else { throw fail("tokenizer.ggml.merges[\(rank)] is not a string") }
                let b = Array(s.utf8)
                // Split at the first space after position 0, as llama.cpp does.
                guard b.count >= 3, let sp = b[1...].firstIndex(of: 0x20) else {
                    throw fail("tokenizer.ggml.merges[\(rank)] = '\(s)' is not 'left right'")
                }
                addMerge(&table, &merges, b[..<sp], b[(sp + 1)...], rank)
            }
            return Tokenizer(model: .byteLevelBPE, source: path, table: table, vocabSize: n, types: types, scores: scores,
                             merges: merges, preTokenizer: pre, ignoreMerges: ignoreMerges,
                             bos: bos, eos: eos, unk: unk, pad: pad, addBOS: addBOSMeta ?? bosDefault, addEOS: addEOS,
                             addSpacePrefix: addSpaceMeta ?? false, chatTemplate: template)
        case "llama":
            guard gguf.metadata["tokenizer.ggml.scores"] != nil else {
                throw fail("tokenizer.ggml.model is llama (SentencePiece) but tokenizer.ggml.scores is missing")
            }
            return Tokenizer(model: .sentencePiece, source: path, table: table, vocabSize: n, types: types, scores: scores,
                             merges: PairTable(), preTokenizer: .none, ignoreMerges: false,
                             bos: bos ?? 1, eos: eos ?? 2, unk: unk ?? 0, pad: pad, addBOS: addBOSMeta ?? true, addEOS: addEOS,
                             addSpacePrefix: addSpaceMeta ?? true, chatTemplate: template)
        default:
            throw fail("unsupported tokenizer.ggml.model '\(modelName)' (supported: gpt2, llama)")
        }
    }

    /// GGUF file at `path`, opened just for its tokenizer.
    public static func load(ggufPath: String) throws -> Tokenizer {
        try load(gguf: GGUFFile(path: ggufPath))
    }
}

/// llama.cpp's pre-tokenizer names → (scanner, ignore_merges, default add_bos).
func ggufPreTokenizer(_ name: String) -> (PreTokenizer, Bool, Bool)? {
    switch name {
    case "llama3", "llama-v3", "llama-bpe", "falcon3": return (.llama3, true, true)
    case "gpt-2", "gpt2", "phi-2", "roberta-bpe": return (.gpt2, false, false)
    case "qwen2", "qwen2.5", "deepseek-r1-qwen", "stablelm2": return (.qwen2, false, false)
    case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": return (.digitsThenGPT2, false, false)
    default: return nil
    }
}

/// Registers merge `left right` with `rank` (the first occurrence of a pair wins). Parts or
/// results that are not tokens get symbol ids beyond the vocabulary.
func addMerge(_ table: inout TokenTable, _ merges: inout PairTable, _ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>, _ rank: Int) {
    func symbol(_ t: ArraySlice<UInt8>) -> Int32 {
        let id = table.lookup(t)
        return id >= 0 ? id : table.append(t)
    }
    let a = symbol(left), b = symbol(right)
    let key = pairKey(a, b)
    if merges[key] == nil {
        var joined = left
        joined.append(contentsOf: right)
        merges[key] = BPEMerge(rank: Int32(rank), result: symbol(joined))
    }
}
