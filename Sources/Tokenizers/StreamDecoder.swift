/// Incremental detokenization for generation: tokens can end inside a multi-byte UTF-8
/// character (byte-level BPE, `<0xXX>` byte fallback), so bytes are held back until the
/// character is complete. Concatenating every `append` result and `finish()` gives
/// `tokenizer.decode(ids)` for byte-level vocabularies (SentencePiece's leading-space removal aside).
public struct StreamDecoder {
    public let tokenizer: Tokenizer
    public let skipSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, skipSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Text completed by token `id` (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        if skipSpecial && tokenizer.isSpecial(id) { return "" }
        pending.append(contentsOf: tokenizer.tokenBytes(id))
        // Emit up to the start of a trailing incomplete UTF-8 sequence.
        var cut = pending.count
        var k = pending.count - 1
        while k >= 0 && k >= pending.count - 4 {
            let b = pending[k]
            if b & 0xC0 != 0x80 {  // lead or ASCII byte
                if b >= 0xC0 && pending.count - k < utf8Length(b) { cut = k }
                break
            }
            k -= 1
        }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is still held back (an incomplete character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}
