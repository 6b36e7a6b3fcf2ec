/// Pre-tokenizers: split text (as code points) into the pieces that BPE then encodes
/// independently. Each is a hand-written scanner that reproduces one regular expression's
/// leftmost-first alternation semantics; Swift `Regex` does the same job far slower (see
/// `RegexPreTokenizer` and the benchmark test).
public enum PreTokenizer: Sendable, Equatable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Llama-3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Qwen2: as Llama-3 but single digits `\p{N}`.
    case qwen2
    /// SmolLM / StarCoder (llama.cpp `smollm`): first every `\p{N}` becomes its own piece,
    /// then the GPT-2 pattern runs inside each piece.
    case digitsThenGPT2
    /// No splitting (SentencePiece works on the whole text).
    case none

    /// The pieces of `text` (for inspection and tests; encoding works on buffers directly).
    public func pieces(of text: String) -> [String] {
        let bytes = Array(text.utf8)
        var cps: [UInt32] = [], starts: [Int] = [], ends: [Int] = []
        bytes.withUnsafeBufferPointer { decodeScalars($0, &cps, &starts) }
        cps.withUnsafeBufferPointer { split($0, 0, $0.count, &ends) }
        var lo = 0
        return ends.map { e in
            defer { lo = e }
            return String(decoding: bytes[starts[lo]..<starts[e]], as: UTF8.self)
        }
    }

    /// The regular expression this scanner implements (Hugging Face `tokenizer.json` spelling).
    public var pattern: String? {
        switch self {
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .none, .digitsThenGPT2: return nil  // digits: two stages, no single pattern
        }
    }

    /// Splits `cps[start..<end]`, appending the end index of every piece to `ends`.
    func split(_ cps: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ ends: inout [Int]) {
        switch self {
        case .gpt2: scanGPT2(cps, start, end, &ends)
        case .llama3: scanLlama3(cps, start, end, maxDigits: 3, &ends)
        case .qwen2: scanLlama3(cps, start, end, maxDigits: 1, &ends)
        case .digitsThenGPT2:
            var pos = start, chunk = start
            while pos < end {
                if charClass(cps[pos]).contains(.number) {
                    if chunk < pos { scanGPT2(cps, chunk, pos, &ends) }
                    ends.append(pos + 1)
                    chunk = pos + 1
                }
                pos += 1
            }
            if chunk < end { scanGPT2(cps, chunk, end, &ends) }
        case .none:
            if end > start { ends.append(end) }
        }
    }
}

@inline(__always) private func isLetter(_ c: UInt32) -> Bool { charClass(c).contains(.letter) }
@inline(__always) private func isNumber(_ c: UInt32) -> Bool { charClass(c).contains(.number) }
@inline(__always) private func isSpace(_ c: UInt32) -> Bool { charClass(c).contains(.whitespace) }
/// `[^\s\p{L}\p{N}]`
@inline(__always) private func isOther(_ c: UInt32) -> Bool {
    charClass(c).intersection([.letter, .number, .whitespace]).isEmpty
}
@inline(__always) private func lower(_ c: UInt32) -> UInt32 { (c >= 65 && c <= 90) ? c + 32 : c }

/// Length of a contraction `'s|'t|'re|'ve|'m|'ll|'d` at `pos`, or 0.
@inline(__always)
private func contraction(_ cps: UnsafeBufferPointer<UInt32>, _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
    guard cps[pos] == 0x27, pos + 1 < end else { return 0 }
    let a = caseInsensitive ? lower(cps[pos + 1]) : cps[pos + 1]
    if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
    if pos + 2 < end {
        let b = caseInsensitive ? lower(cps[pos + 2]) : cps[pos + 2]
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
    }
    return 0
}

/// Length of the whitespace piece at `pos` under `\s+(?!\S)|\s+`: a run followed by a
/// non-space keeps its last character for the next piece (" word").
@inline(__always)
private func whitespacePiece(_ cps: UnsafeBufferPointer<UInt32>, _ pos: Int, _ end: Int) -> Int {
    var run = 0
    while pos + run < end && isSpace(cps[pos + run]) { run += 1 }
    return (run > 1 && pos + run < end) ? run - 1 : run
}

private func scanGPT2(_ cps: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ ends: inout [Int]) {
    var pos = start
    while pos < end {
        let c = cps[pos]
        var len = contraction(cps, pos, end, caseInsensitive: false)
        if len == 0 {
            // ` ?X+` for X in {\p{L}, \p{N}, [^\s\p{L}\p{N}]}, tried in that order.
            let hasSpace = c == 0x20 && pos + 1 < end
            let first = hasSpace ? cps[pos + 1] : c
            let p = pos + (hasSpace ? 1 : 0)
            let classTest: ((UInt32) -> Bool)?
            if isLetter(c) || (hasSpace && isLetter(first)) { classTest = isLetter }
            else if isNumber(c) || (hasSpace && isNumber(first)) { classTest = isNumber }
            else if isOther(c) || (hasSpace && isOther(first)) { classTest = isOther }
            else { classTest = nil }
            if let test = classTest {
                // The optional space applies only if the character itself is not in the class.
                var q = test(c) ? pos : p
                while q < end && test(cps[q]) { q += 1 }
                len = q - pos
            } else {
                len = whitespacePiece(cps, pos, end)
            }
        }
        if len == 0 { len = 1 }
        pos += len
        ends.append(pos)
    }
}

private func scanLlama3(_ cps: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, maxDigits: Int, _ ends: inout [Int]) {
    var pos = start
    while pos < end {
        let c = cps[pos]
        let cc = charClass(c)
        var len = contraction(cps, pos, end, caseInsensitive: true)
        if len == 0 {
            // [^\r\n\p{L}\p{N}]?\p{L}+
            var q = pos
            if !cc.contains(.letter) && c != 0x0D && c != 0x0A && !cc.contains(.number) && pos + 1 < end && isLetter(cps[pos + 1]) {
                q = pos + 1
            }
            if isLetter(cps[q]) {
                while q < end && isLetter(cps[q]) { q += 1 }
                len = q - pos
            }
        }
        if len == 0 && cc.contains(.number) {
            // \p{N}{1,maxDigits}
            var q = pos
            while q < end && q - pos < maxDigits && isNumber(cps[q]) { q += 1 }
            len = q - pos
        }
        if len == 0 {
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            var q = pos
            if c == 0x20 && pos + 1 < end && isOther(cps[pos + 1]) { q = pos + 1 }
            if isOther(cps[q]) {
                while q < end && isOther(cps[q]) { q += 1 }
                while q < end && (cps[q] == 0x0D || cps[q] == 0x0A) { q += 1 }
                len = q - pos
            }
        }
        if len == 0 && cc.contains(.whitespace) {
            // \s*[\r\n]+ : the whitespace run up to and including its last newline.
            var q = pos, lastNewline = -1
            while q < end && isSpace(cps[q]) {
                if cps[q] == 0x0D || cps[q] == 0x0A { lastNewline = q }
                q += 1
            }
            len = lastNewline >= 0 ? lastNewline + 1 - pos : whitespacePiece(cps, pos, end)
        }
        if len == 0 { len = 1 }
        pos += len
        ends.append(pos)
    }
}
