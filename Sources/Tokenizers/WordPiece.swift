import Foundation

/// BERT tokenization (Hugging Face `BertNormalizer` + `BertPreTokenizer` + `WordPiece`).
extension Tokenizer {
    /// BertNormalizer: drop control characters and map whitespace to spaces, surround CJK
    /// ideographs with spaces, strip accents (NFD, drop combining marks), lower-case.
    func bertNormalize(_ text: String, _ cfg: BertNormalizer) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            let cls = charClass(v)
            if cfg.cleanText {
                if v == 0 || v == 0xFFFD { continue }
                if cls.contains(.whitespace) { scalars.append(" "); continue }
                if cls.contains(.control) && v != 9 && v != 10 && v != 13 { continue }
            }
            if cfg.chineseChars && isCJK(v) {
                scalars.append(" "); scalars.append(s); scalars.append(" ")
                continue
            }
            scalars.append(s)
        }
        var out = String(scalars)
        if cfg.stripAccents {
            var kept = String.UnicodeScalarView()
            for s in out.decomposedStringWithCanonicalMapping.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
                kept.append(s)
            }
            out = String(kept)
        }
        if cfg.lowercase { out = out.lowercased() }
        return out
    }

    /// BertPreTokenizer + WordPiece on normalized text.
    func encodeWordPiece(_ text: UnsafeBufferPointer<UInt8>, _ out: inout [Int32]) {
        var cps: [UInt32] = [], starts: [Int] = []
        decodeScalars(text, &cps, &starts)
        // Words: runs of non-space, non-punctuation characters; every punctuation character alone.
        var i = 0
        while i < cps.count {
            let c = cps[i], cls = charClass(c)
            if cls.contains(.whitespace) { i += 1; continue }
            var j = i + 1
            if !isBertPunctuation(c, cls) {
                while j < cps.count {
                    let cj = charClass(cps[j])
                    if cj.contains(.whitespace) || isBertPunctuation(cps[j], cj) { break }
                    j += 1
                }
            }
            wordPiece(text, starts, i, j, &out)
            i = j
        }
    }

    /// Greedy longest-match-first WordPiece of characters `lo..<hi`; a word with no complete
    /// segmentation (or longer than the limit) becomes the unknown token.
    private func wordPiece(_ text: UnsafeBufferPointer<UInt8>, _ starts: [Int], _ lo: Int, _ hi: Int, _ out: inout [Int32]) {
        if hi - lo > hf.wordPieceMaxChars { if let u = unknownID { out.append(u) }; return }
        let prefix = Array(hf.wordPiecePrefix.utf8)
        var pieces: [Int32] = []
        var s = lo
        var buf: [UInt8] = []
        while s < hi {
            var e = hi
            var found: Int32 = -1
            while e > s {
                buf.removeAll(keepingCapacity: true)
                if s > lo { buf.append(contentsOf: prefix) }
                buf.append(contentsOf: UnsafeBufferPointer(rebasing: text[starts[s]..<starts[e]]))
                let t = buf.withUnsafeBufferPointer { table.lookup($0.baseAddress!, $0.count) }
                if t >= 0 && Int(t) < vocabSize { found = t; break }
                e -= 1
            }
            if found < 0 { if let u = unknownID { out.append(u) }; return }
            pieces.append(found)
            s = e
        }
        out.append(contentsOf: pieces)
    }

    /// WordPiece decoder: join with spaces, glue `##` continuations, tidy spaces before punctuation.
    func decodeWordPiece(_ ids: [Int32], skipSpecial: Bool) -> String {
        var out = ""
        for id in ids {
            if skipSpecial && isSpecial(id) { continue }
            let t = token(of: id)
            if t.hasPrefix(hf.wordPiecePrefix) { out += t.dropFirst(hf.wordPiecePrefix.count) }
            else { if !out.isEmpty { out += " " }; out += t }
        }
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            out = out.replacingOccurrences(of: a, with: b)
        }
        return out
    }
}

/// BERT treats ASCII symbols ($, +, <, …) as punctuation too.
@inline(__always)
func isBertPunctuation(_ c: UInt32, _ cls: CharClass) -> Bool {
    if (33...47).contains(c) || (58...64).contains(c) || (91...96).contains(c) || (123...126).contains(c) { return true }
    return cls.contains(.punctuation)
}

/// The CJK ideograph blocks BERT splits into single characters.
func isCJK(_ c: UInt32) -> Bool {
    (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c) ||
    (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B820...0x2CEAF).contains(c) ||
    (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
}
