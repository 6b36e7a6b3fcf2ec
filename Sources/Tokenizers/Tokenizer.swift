import Foundation

/// Token types as stored in GGUF `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// The tokenization algorithm of a vocabulary.
public enum TokenizerModel: String, Sendable {
    /// GPT-2-style byte-level BPE with merge ranks (GGUF `gpt2`, HF BPE + ByteLevel).
    case byteLevelBPE
    /// SentencePiece BPE: merges by token score, spaces as "▁", `<0xXX>` byte fallback (GGUF `llama`).
    case sentencePiece
    /// Character-level BPE with merge ranks, "▁" spaces and byte fallback (HF Llama/Mistral/Gemma `tokenizer.json`).
    case metaspaceBPE
    /// BERT WordPiece with `##` continuations.
    case wordPiece
}

/// A text tokenizer that reproduces llama.cpp's (GGUF vocabularies) and Hugging Face's
/// (`tokenizer.json`) tokenization exactly. Immutable after loading; safe to share between threads.
public final class Tokenizer: @unchecked Sendable {
    public let model: TokenizerModel
    /// The file the vocabulary came from.
    public let source: String
    /// Number of token ids (embedding rows).
    public let vocabSize: Int
    public let bosID: Int32?
    public let eosID: Int32?
    public let unknownID: Int32?
    public let paddingID: Int32?
    /// Whether `encode(_, addBOS: nil)` adds BOS (GGUF `add_bos_token`, or the model family's default).
    public let addsBOSByDefault: Bool
    /// Whether adding specials also appends EOS (GGUF `add_eos_token`).
    public let addsEOSByDefault: Bool
    /// SentencePiece: prepend a space to text (GGUF `add_space_prefix`).
    public let addSpacePrefix: Bool
    /// Pre-tokenizer of byte-level BPE models.
    public let preTokenizer: PreTokenizer
    /// Maximum sequence length with specials (HF `truncation.max_length`; WordPiece encoders).
    public let maxLength: Int?
    /// The `tokenizer.chat_template` text, if the file has one.
    public let chatTemplate: String?

    /// Texts of all symbols: ids 0..<vocabSize are tokens; ids beyond are BPE merge
    /// intermediates that are not themselves tokens.
    let table: TokenTable
    let types: [TokenType]
    let scores: [Float]
    let merges: PairTable
    /// Byte-level BPE: byte → symbol of its byte-level character.
    let byteSymbol: [Int32]
    /// `<0xXX>` byte tokens (-1 where missing).
    let byteTokens: [Int32]
    let specials: SpecialMatcher
    /// llama.cpp `ignore_merges` / HF `ignore_merges`: a whole pre-token found in the vocabulary is emitted as is.
    let ignoreMerges: Bool
    /// Tokens added around the text when adding specials (HF post-processor; BOS for GGUF).
    let prefixTokens: [Int32]
    let suffixTokens: [Int32]
    /// HF-specific normalization settings.
    let hf: HFSettings

    struct HFSettings {
        var byteLevelAddPrefixSpace = false
        var metaspacePrepend = Prepend.never  // when to prepend "▁" to a stretch of text
        var metaspaceSplit = false       // split into words at "▁"
        var byteFallback = false
        var nfc = false
        var bert: BertNormalizer? = nil
        var wordPiecePrefix = "##"
        var wordPieceMaxChars = 100
        var regex: RegexPreTokenizer? = nil
    }

    enum Prepend { case never, first, always }

    struct BertNormalizer {
        var cleanText = true
        var chineseChars = true
        var stripAccents = true
        var lowercase = true
    }

    init(model: TokenizerModel, source: String, table: TokenTable, vocabSize: Int, types: [TokenType], scores: [Float],
         merges: PairTable, preTokenizer: PreTokenizer, ignoreMerges: Bool,
         bos: Int32?, eos: Int32?, unk: Int32?, pad: Int32?, addBOS: Bool, addEOS: Bool, addSpacePrefix: Bool,
         prefixTokens: [Int32]? = nil, suffixTokens: [Int32]? = nil, maxLength: Int? = nil,
         chatTemplate: String?, hf: HFSettings = HFSettings()) {
        self.model = model
        self.source = source
        self.table = table
        self.vocabSize = vocabSize
        self.types = types
        self.scores = scores
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        self.bosID = bos
        self.eosID = eos
        self.unknownID = unk
        self.paddingID = pad
        self.addsBOSByDefault = addBOS
        self.addsEOSByDefault = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.maxLength = maxLength
        self.chatTemplate = chatTemplate
        self.hf = hf
        self.prefixTokens = prefixTokens ?? (bos.map { [$0] } ?? [])
        self.suffixTokens = suffixTokens ?? (addEOS ? (eos.map { [$0] } ?? []) : [])

        var bs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { bs[b] = table.lookup(ByteLevel.utf8ForByte[b]) }
        byteSymbol = bs
        var bt = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let t = table.lookup(Array(String(format: "<0x%02X>", b).utf8))
            if t >= 0 && Int(t) < vocabSize { bt[b] = t }
        }
        byteTokens = bt
        var sm = SpecialMatcher()
        for i in 0..<vocabSize {
            switch types[i] {
            case .control, .unknown: sm.add(id: Int32(i), text: table.text(i), alwaysMatched: false)
            case .userDefined: sm.add(id: Int32(i), text: table.text(i), alwaysMatched: true)
            default: break
            }
        }
        specials = sm
    }

    // MARK: - Lookup

    /// The id of a token given its vocabulary text (byte-level BPE: in the byte-level alphabet, e.g. "Ġthe").
    public func id(of token: String) -> Int32? {
        let t = table.lookup(Array(token.utf8))
        return t >= 0 && Int(t) < vocabSize ? t : nil
    }

    /// The vocabulary text of a token (as stored: "Ġthe", "▁the", "##ing", "<0x0A>").
    public func token(of id: Int32) -> String {
        guard id >= 0, Int(id) < vocabSize else { return "" }
        return String(decoding: table.text(Int(id)), as: UTF8.self)
    }

    public func tokenType(_ id: Int32) -> TokenType {
        guard id >= 0, Int(id) < vocabSize else { return .undefined }
        return types[Int(id)]
    }

    /// SentencePiece score of a token (0 when the vocabulary has none).
    public func score(_ id: Int32) -> Float {
        guard id >= 0, Int(id) < scores.count else { return 0 }
        return scores[Int(id)]
    }

    /// Control and unknown tokens (BOS, EOS, `<|im_start|>`, …).
    public func isSpecial(_ id: Int32) -> Bool {
        let t = tokenType(id)
        return t == .control || t == .unknown
    }

    // MARK: - Encoding

    /// Token ids of `text`.
    /// - Parameters:
    ///   - addBOS: add the model's framing specials (BOS; for BERT [CLS] … [SEP]); `nil` follows the model's rule.
    ///   - parseSpecial: recognise control tokens written in the text (e.g. `<|im_start|>`) as single tokens.
    ///     User-defined tokens are always recognised.
    ///   - maxLength: truncate to this many ids including specials (default: the file's truncation length, if any).
    public func encode(_ text: String, addBOS: Bool? = nil, parseSpecial: Bool = false, maxLength: Int? = nil) -> [Int32] {
        let addSpecial = addBOS ?? addsBOSByDefault
        let bytes = Array(text.utf8)
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 4)
        var work = MergeWork()
        bytes.withUnsafeBufferPointer { buf in
            let fragments = specials.partition(buf, parseSpecial: parseSpecial)
            var isFirst = true, prevSpecial = true
            for f in fragments {
                switch f {
                case .token(let id):
                    out.append(id)
                    prevSpecial = true
                case .text(let r):
                    let part = UnsafeBufferPointer(rebasing: buf[r])
                    if hf.bert != nil || hf.nfc {
                        // Hugging Face normalizes the text between added tokens, not the tokens themselves.
                        let s = String(decoding: part, as: UTF8.self)
                        let normalized = Array((hf.bert.map { bertNormalize(s, $0) } ?? s.precomposedStringWithCanonicalMapping).utf8)
                        normalized.withUnsafeBufferPointer { encodeFragment($0, first: isFirst, prevSpecial: prevSpecial, &out, &work) }
                    } else {
                        encodeFragment(part, first: isFirst, prevSpecial: prevSpecial, &out, &work)
                    }
                    prevSpecial = false
                }
                isFirst = false
            }
        }
        // Truncation (HF applies the file's limit with or without specials) keeps room for the specials.
        if let m = maxLength ?? self.maxLength {
            let room = max(m - (addSpecial ? prefixTokens.count + suffixTokens.count : 0), 0)
            if out.count > room { out.removeLast(out.count - room) }
        }
        return addSpecial ? prefixTokens + out + suffixTokens : out
    }

    /// Tokens of one stretch of text between special tokens.
    private func encodeFragment(_ part: UnsafeBufferPointer<UInt8>, first: Bool, prevSpecial: Bool, _ out: inout [Int32], _ work: inout MergeWork) {
        switch model {
        case .byteLevelBPE: encodeByteLevel(part, first: first, &out, &work)
        case .sentencePiece: encodeSentencePiece(part, spacePrefix: addSpacePrefix && prevSpecial, &out, &work)
        case .metaspaceBPE: encodeMetaspace(part, first: first, &out, &work)
        case .wordPiece: encodeWordPiece(part, &out)
        }
    }

    /// Byte-level BPE on one raw-text fragment: pre-tokenize, then BPE each piece.
    private func encodeByteLevel(_ text: UnsafeBufferPointer<UInt8>, first: Bool, _ out: inout [Int32], _ work: inout MergeWork) {
        if hf.byteLevelAddPrefixSpace && first && text.first != 0x20 {
            // HF ByteLevel(add_prefix_space): the text is read as if it started with a space.
            let owned = [UInt8(0x20)] + Array(text)
            owned.withUnsafeBufferPointer { encodeByteLevelPieces($0, &out, &work) }
        } else {
            encodeByteLevelPieces(text, &out, &work)
        }
    }

    private func encodeByteLevelPieces(_ text: UnsafeBufferPointer<UInt8>, _ out: inout [Int32], _ work: inout MergeWork) {
        var syms: [Int32] = []
        if let rx = hf.regex {
            for r in rx.split(text) { encodeBPEWord(text, r.lowerBound, r.upperBound, &syms, &out, &work) }
            return
        }
        var cps: [UInt32] = [], starts: [Int] = [], ends: [Int] = []
        decodeScalars(text, &cps, &starts)
        cps.withUnsafeBufferPointer { preTokenizer.split($0, 0, $0.count, &ends) }
        var lo = 0
        for e in ends {
            encodeBPEWord(text, starts[lo], starts[e], &syms, &out, &work)
            lo = e
        }
    }

    /// BPE of one pre-token `text[lo..<hi]` (raw bytes).
    private func encodeBPEWord(_ text: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ syms: inout [Int32],
                               _ out: inout [Int32], _ work: inout MergeWork) {
        if ignoreMerges {
            var enc: [UInt8] = []
            for i in lo..<hi { enc.append(contentsOf: ByteLevel.utf8ForByte[Int(text[i])]) }
            let t = table.lookup(enc)
            if t >= 0 && Int(t) < vocabSize { out.append(t); return }
        }
        syms.removeAll(keepingCapacity: true)
        for i in lo..<hi { syms.append(byteSymbol[Int(text[i])]) }
        bpeMerge(&syms, merges, &work)
        for s in syms { emitSymbol(s, &out) }
    }

    /// Emits a merged symbol; one that is not a token falls back to the tokens of its single
    /// bytes (llama.cpp's rule), or to byte tokens / unknown.
    @inline(__always)
    private func emitSymbol(_ s: Int32, _ out: inout [Int32]) {
        if s >= 0 && Int(s) < vocabSize { out.append(s); return }
        if s >= 0 {
            for b in table.text(Int(s)) {
                let t = table.lookup([b])
                if t >= 0 && Int(t) < vocabSize { out.append(t) }
            }
        } else if let u = unknownID {
            out.append(u)
        }
    }

    /// SentencePiece (GGUF `llama`): the whole fragment with spaces escaped as "▁".
    private func encodeSentencePiece(_ text: UnsafeBufferPointer<UInt8>, spacePrefix: Bool, _ out: inout [Int32], _ work: inout MergeWork) {
        var esc: [UInt8] = []
        esc.reserveCapacity(text.count + 8)
        if spacePrefix { esc.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for b in text {
            if b == 0x20 { esc.append(contentsOf: [0xE2, 0x96, 0x81]) } else { esc.append(b) }
        }
        esc.withUnsafeBufferPointer { spmMerge($0, table, scores, vocabSize, byteTokens, unknownID ?? 0, &out, &work) }
    }

    /// Hugging Face rank-BPE over characters with "▁" spaces and byte fallback.
    private func encodeMetaspace(_ text: UnsafeBufferPointer<UInt8>, first: Bool, _ out: inout [Int32], _ work: inout MergeWork) {
        var esc: [UInt8] = []
        // HF Metaspace prepends "▁" only to text that does not already start with a space.
        if (hf.metaspacePrepend == .always || (hf.metaspacePrepend == .first && first)) && text.first != 0x20 {
            esc.append(contentsOf: [0xE2, 0x96, 0x81])
        }
        for b in text {
            if b == 0x20 { esc.append(contentsOf: [0xE2, 0x96, 0x81]) } else { esc.append(b) }
        }
        // Words: split before each "▁" when the pre-tokenizer splits, else the whole text.
        var words: [Range<Int>] = []
        if hf.metaspaceSplit {
            var lo = 0, i = 0
            while i < esc.count {
                if i > lo && esc[i] == 0xE2 && i + 2 < esc.count && esc[i + 1] == 0x96 && esc[i + 2] == 0x81 {
                    words.append(lo..<i); lo = i
                }
                i += 1
            }
            if lo < esc.count { words.append(lo..<esc.count) }
        } else if !esc.isEmpty {
            words = [0..<esc.count]
        }
        var syms: [Int32] = []
        var charStart: [Int] = []
        esc.withUnsafeBufferPointer { buf in
            for w in words {
                if ignoreMerges {
                    let t = table.lookup(buf.baseAddress! + w.lowerBound, w.count)
                    if t >= 0 && Int(t) < vocabSize { out.append(t); continue }
                }
                syms.removeAll(keepingCapacity: true)
                charStart.removeAll(keepingCapacity: true)
                var i = w.lowerBound
                while i < w.upperBound {
                    let n = min(utf8Length(buf[i]), w.upperBound - i)
                    let t = table.lookup(buf.baseAddress! + i, n)
                    // Characters outside the vocabulary get a negative id encoding their offset.
                    syms.append(t >= 0 && Int(t) < vocabSize ? t : Int32(-1 - i))
                    i += n
                }
                bpeMerge(&syms, merges, &work)
                for s in syms {
                    if s >= 0 { emitSymbol(s, &out); continue }
                    let at = Int(-1 - s)
                    let n = min(utf8Length(buf[at]), w.upperBound - at)
                    if hf.byteFallback && (0..<n).allSatisfy({ byteTokens[Int(buf[at + $0])] >= 0 }) {
                        for j in 0..<n { out.append(byteTokens[Int(buf[at + j])]) }
                    } else if let u = unknownID {
                        out.append(u)
                    }
                }
            }
        }
    }

    // MARK: - Decoding

    /// The raw bytes a token stands for (byte-level decoded, "▁" → space, `<0xXX>` → byte).
    /// A token may be part of a multi-byte UTF-8 character.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < vocabSize else { return [] }
        let text = table.text(Int(id))
        var out: [UInt8] = []
        switch (model, types[Int(id)]) {
        case (_, .byte) where text.count == 6:
            if let v = UInt8(String(decoding: text.dropFirst(3).prefix(2), as: UTF8.self), radix: 16) { out.append(v) }
        case (.byteLevelBPE, .normal), (.byteLevelBPE, .undefined), (.byteLevelBPE, .unused):
            ByteLevel.decode(text, into: &out)
        case (.sentencePiece, _), (.metaspaceBPE, _):
            if byteTokens.contains(id) && text.count == 6,
               let v = UInt8(String(decoding: text.dropFirst(3).prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
            } else {
                var i = text.startIndex
                while i < text.endIndex {
                    if i + 2 < text.endIndex && text[i] == 0xE2 && text[i + 1] == 0x96 && text[i + 2] == 0x81 {
                        out.append(0x20); i += 3
                    } else { out.append(text[i]); i += 1 }
                }
            }
        default:
            out.append(contentsOf: text)
        }
        return out
    }

    /// One token as text (invalid UTF-8 of a partial character is repaired with U+FFFD).
    public func decodeToken(_ id: Int32) -> String {
        String(decoding: tokenBytes(id), as: UTF8.self)
    }

    /// Text of a token sequence. `skipSpecial` drops control tokens (BOS, EOS, …).
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        if model == .wordPiece { return decodeWordPiece(ids, skipSpecial: skipSpecial) }
        var bytes: [UInt8] = []
        for id in ids {
            if skipSpecial && isSpecial(id) { continue }
            bytes.append(contentsOf: tokenBytes(id))
        }
        // SentencePiece drops the space it prefixed.
        let prefixed = (model == .sentencePiece && addSpacePrefix) || (model == .metaspaceBPE && hf.metaspacePrepend != .never)
        if prefixed && bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
