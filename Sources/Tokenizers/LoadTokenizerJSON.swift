import Foundation

/// Hugging Face `tokenizer.json` support: BPE with a ByteLevel pre-tokenizer (GPT-2, Llama-3,
/// Qwen2, SmolLM), BPE with Metaspace / "▁" normalization and byte fallback (Llama-2,
/// Mistral, Gemma), and WordPiece with the BERT normalizer (BERT, MiniLM). A
/// `tokenizer_config.json` beside the file supplies BOS/EOS names and the chat template.
extension Tokenizer {
    /// The GPT-2, Llama-3 and Qwen2 split patterns as they appear in `tokenizer.json`, mapped to scanners.
    static let knownSplitPatterns: [String: PreTokenizer] = Dictionary(
        uniqueKeysWithValues: [PreTokenizer.gpt2, .llama3, .qwen2].map { ($0.pattern!, $0) })

    /// Loads a Hugging Face `tokenizer.json`.
    public static func load(tokenizerJSON path: String) throws -> Tokenizer {
        func fail(_ m: String) -> TokenizerError { TokenizerError(path: path, m) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw fail("cannot read: \(error.localizedDescription)") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw fail("not a JSON object") }
        guard let model = root["model"] as? [String: Any] else { throw fail("missing field 'model'") }
        let modelType = model["type"] as? String ?? (model["merges"] != nil ? "BPE" : "")
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab is missing or not an object (model type '\(modelType)')") }

        // Id → text, from the model vocabulary and the added tokens.
        var texts: [Int: String] = [:]
        var kinds: [Int: TokenType] = [:]
        for (t, v) in vocab {
            guard let id = (v as? NSNumber)?.intValue, id >= 0 else { throw fail("model.vocab['\(t)'] is not a token id") }
            texts[id] = t
            kinds[id] = .normal
        }
        for (k, a) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let id = (a["id"] as? NSNumber)?.intValue, id >= 0, let content = a["content"] as? String else {
                throw fail("added_tokens[\(k)] lacks id/content")
            }
            texts[id] = content
            kinds[id] = (a["special"] as? Bool ?? false) ? .control : .userDefined
        }
        let n = (texts.keys.max() ?? -1) + 1
        guard n > 0 else { throw fail("empty vocabulary") }
        var table = TokenTable(capacity: n + 1024)
        var types = [TokenType](repeating: .unused, count: n)
        for i in 0..<n {
            if let t = texts[i], !t.isEmpty { table.append(t.utf8); types[i] = kinds[i]! }
            else { table.append(Array("[EMPTY_\(i)]".utf8)) }
        }

        // tokenizer_config.json: BOS/EOS names and the chat template.
        let configPath = (path as NSString).deletingLastPathComponent + "/tokenizer_config.json"
        let config = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))) as? [String: Any] ?? [:]
        func configToken(_ key: String) -> Int32? {
            let v = config[key]
            let name = (v as? String) ?? ((v as? [String: Any])?["content"] as? String)
            guard let name else { return nil }
            let id = table.lookup(Array(name.utf8))
            return id >= 0 && Int(id) < n ? id : nil
        }
        let template = (config["chat_template"] as? String)
            ?? ((config["chat_template"] as? [[String: Any]])?.first { ($0["name"] as? String) == "default" }?["template"] as? String)

        // Post-processor: the specials around a single sequence.
        var prefix: [Int32] = [], suffix: [Int32] = []
        try parsePostProcessor(root["post_processor"] as? [String: Any], &prefix, &suffix, table: table, fail)
        var maxLength: Int? = nil
        if let tr = root["truncation"] as? [String: Any] { maxLength = (tr["max_length"] as? NSNumber)?.intValue }

        var hf = HFSettings()
        let unkName = model["unk_token"] as? String
        let unk: Int32? = unkName.flatMap { let id = table.lookup(Array($0.utf8)); return id >= 0 ? id : nil }
        if let u = unk, types[Int(u)] == .normal { types[Int(u)] = .unknown }
        let normalizers = flatten(root["normalizer"] as? [String: Any], "normalizers")
        let preTokenizers = flatten(root["pre_tokenizer"] as? [String: Any], "pretokenizers")
        for nz in normalizers {
            switch nz["type"] as? String {
            case "NFC": hf.nfc = true
            case "BertNormalizer":
                let lower = nz["lowercase"] as? Bool ?? true
                hf.bert = BertNormalizer(cleanText: nz["clean_text"] as? Bool ?? true,
                                         chineseChars: nz["handle_chinese_chars"] as? Bool ?? true,
                                         stripAccents: nz["strip_accents"] as? Bool ?? lower, lowercase: lower)
            case "Prepend":
                guard nz["prepend"] as? String == "▁" else { throw fail("normalizer Prepend '\(nz["prepend"] ?? "")' is not supported (only \"▁\")") }
                hf.metaspacePrepend = .always
            case "Replace":
                let pat = (nz["pattern"] as? [String: Any])?["String"] as? String
                guard pat == " ", nz["content"] as? String == "▁" else { throw fail("normalizer Replace other than ' ' → '▁' is not supported") }
            case let t: throw fail("unsupported normalizer type '\(t ?? "nil")'")
            }
        }

        switch modelType {
        case "BPE":
            guard let mergeList = model["merges"] as? [Any] else { throw fail("model.merges is missing (BPE needs merges)") }
            var merges = PairTable(capacity: mergeList.count)
            for (rank, m) in mergeList.enumerated() {
                if let s = m as? String {
                    let b = Array(s.utf8)
                    guard b.count >= 3, let sp = b[1...].firstIndex(of: 0x20) else { throw fail("model.merges[\(rank)] = '\(s)' is not 'left right'") }
                    addMerge(&table, &merges, b[..<sp], b[(sp + 1)...], rank)
                } else if let pair = m as? [String], pair.count == 2 {
                    addMerge(&table, &merges, ArraySlice(pair[0].utf8), ArraySlice(pair[1].utf8), rank)
                } else {
                    throw fail("model.merges[\(rank)] is neither 'left right' nor [left, right]")
                }
            }
            let ignoreMerges = model["ignore_merges"] as? Bool ?? false
            hf.byteFallback = model["byte_fallback"] as? Bool ?? false
            if hf.byteFallback {
                for i in 0..<n where types[i] == .normal {
                    let t = table.text(i)
                    if t.count == 6 && t.starts(with: Array("<0x".utf8)) && t.last == UInt8(ascii: ">") { types[i] = .byte }
                }
            }
            let byteLevel = preTokenizers.contains { $0["type"] as? String == "ByteLevel" }
            var pre = PreTokenizer.none
            if byteLevel {
                var digits = false
                for p in preTokenizers {
                    switch p["type"] as? String {
                    case "ByteLevel":
                        hf.byteLevelAddPrefixSpace = p["add_prefix_space"] as? Bool ?? false
                        if p["use_regex"] as? Bool ?? true { pre = digits ? .digitsThenGPT2 : .gpt2 }
                    case "Digits":
                        guard p["individual_digits"] as? Bool ?? false else { throw fail("pre_tokenizer Digits(individual_digits: false) is not supported") }
                        digits = true
                    case "Split":
                        guard (p["behavior"] as? String) == "Isolated", !(p["invert"] as? Bool ?? false) else {
                            throw fail("pre_tokenizer Split with behavior \(p["behavior"] ?? "nil") / invert is not supported (only Isolated)")
                        }
                        let pat = p["pattern"] as? [String: Any]
                        guard let rx = pat?["Regex"] as? String else { throw fail("pre_tokenizer Split without a Regex pattern is not supported") }
                        if let known = knownSplitPatterns[rx] { pre = known } else {
                            do { hf.regex = try RegexPreTokenizer(pattern: rx) } catch { throw fail("pre_tokenizer Split regex \(rx.debugDescription) does not compile: \(error)") }
                        }
                    case let t: throw fail("unsupported pre_tokenizer '\(t ?? "nil")' combined with ByteLevel")
                    }
                }
                let bos = configToken("bos_token") ?? prefix.first
                let eos = configToken("eos_token") ?? suffix.last
                return Tokenizer(model: .byteLevelBPE, source: path, table: table, vocabSize: n, types: types, scores: [],
                                 merges: merges, preTokenizer: pre, ignoreMerges: ignoreMerges, bos: bos, eos: eos, unk: unk,
                                 pad: configToken("pad_token"), addBOS: !prefix.isEmpty || !suffix.isEmpty, addEOS: !suffix.isEmpty,
                                 addSpacePrefix: false, prefixTokens: prefix, suffixTokens: suffix, maxLength: maxLength,
                                 chatTemplate: template, hf: hf)
            }
            for p in preTokenizers {
                switch p["type"] as? String {
                case "Metaspace":
                    guard (p["replacement"] as? String ?? "▁") == "▁" else { throw fail("Metaspace replacement other than '▁' is not supported") }
                    switch p["prepend_scheme"] as? String ?? ((p["add_prefix_space"] as? Bool ?? true) ? "always" : "never") {
                    case "always": hf.metaspacePrepend = .always
                    case "first": hf.metaspacePrepend = .first
                    default: hf.metaspacePrepend = .never
                    }
                    hf.metaspaceSplit = p["split"] as? Bool ?? true
                case let t: throw fail("unsupported pre_tokenizer '\(t ?? "nil")' for a non-byte-level BPE")
                }
            }
            let bos = configToken("bos_token") ?? prefix.first
            let eos = configToken("eos_token") ?? suffix.last
            return Tokenizer(model: .metaspaceBPE, source: path, table: table, vocabSize: n, types: types, scores: [],
                             merges: merges, preTokenizer: .none, ignoreMerges: ignoreMerges, bos: bos, eos: eos, unk: unk,
                             pad: configToken("pad_token"), addBOS: !prefix.isEmpty || !suffix.isEmpty, addEOS: !suffix.isEmpty,
                             addSpacePrefix: false, prefixTokens: prefix, suffixTokens: suffix, maxLength: maxLength,
                             chatTemplate: template, hf: hf)
        case "WordPiece":
            for p in preTokenizers where !["BertPreTokenizer", "Whitespace", "WhitespaceSplit"].contains(p["type"] as? String ?? "") {
                throw fail("unsupported pre_tokenizer '\(p["type"] ?? "nil")' for WordPiece")
            }
            hf.wordPiecePrefix = model["continuing_subword_prefix"] as? String ?? "##"
            hf.wordPieceMaxChars = (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100
            return Tokenizer(model: .wordPiece, source: path, table: table, vocabSize: n, types: types, scores: [],
                             merges: PairTable(), preTokenizer: .none, ignoreMerges: false, bos: prefix.first, eos: suffix.last, unk: unk,
                             pad: configToken("pad_token") ?? { let p = table.lookup(Array("[PAD]".utf8)); return p >= 0 ? p : nil }(),
                             addBOS: !prefix.isEmpty || !suffix.isEmpty, addEOS: !suffix.isEmpty, addSpacePrefix: false,
                             prefixTokens: prefix, suffixTokens: suffix, maxLength: maxLength, chatTemplate: template, hf: hf)
        default:
            throw fail("unsupported model.type '\(modelType)' (supported: BPE, WordPiece)")
        }
    }

    /// A component and, for a `Sequence`, its members in order.
    private static func flatten(_ c: [String: Any]?, _ listKey: String) -> [[String: Any]] {
        guard let c else { return [] }
        if c["type"] as? String == "Sequence" {
            return ((c[listKey] as? [[String: Any]]) ?? []).flatMap { flatten($0, listKey) }
        }
        return [c]
    }

    private static func parsePostProcessor(_ pp: [String: Any]?, _ prefix: inout [Int32], _ suffix: inout [Int32],
                                           table: TokenTable, _ fail: (String) -> TokenizerError) throws {
        guard let pp else { return }
        func idOf(_ name: String) throws -> Int32 {
            let id = table.lookup(Array(name.utf8))
            guard id >= 0 else { throw fail("post_processor names unknown token '\(name)'") }
            return id
        }
        switch pp["type"] as? String {
        case "TemplateProcessing":
            guard let single = pp["single"] as? [[String: Any]] else { throw fail("post_processor.single is missing") }
            let specials = pp["special_tokens"] as? [String: [String: Any]] ?? [:]
            var seenSequence = false
            for piece in single {
                if piece["Sequence"] != nil { seenSequence = true; continue }
                guard let st = piece["SpecialToken"] as? [String: Any], let name = st["id"] as? String else {
                    throw fail("post_processor.single has an entry that is neither Sequence nor SpecialToken")
                }
                let ids = try (specials[name]?["ids"] as? [NSNumber])?.map { Int32($0.intValue) } ?? [idOf(name)]
                if seenSequence { suffix += ids } else { prefix += ids }
            }
        case "BertProcessing", "RobertaProcessing":
            guard let cls = pp["cls"] as? [Any], let sep = pp["sep"] as? [Any],
                  let c = (cls.last as? NSNumber)?.int32Value, let s = (sep.last as? NSNumber)?.int32Value else {
                throw fail("post_processor \(pp["type"]!) lacks cls/sep")
            }
            prefix = [c]; suffix = [s]
        case "Sequence":
            for p in (pp["processors"] as? [[String: Any]]) ?? [] { try parsePostProcessor(p, &prefix, &suffix, table: table, fail) }
        case "ByteLevel": break
        case let t: throw fail("unsupported post_processor '\(t ?? "nil")'")
        }
    }
}
