/// Turning a sampled continuation into one predicted word, as paper B's evaluation does: remove
/// the context from the decoded text, delete punctuation with Python's `re.sub(r"[^\w\s]", "", s)`,
/// split on whitespace, take the first piece, lower-case it.
///
/// Python semantics reproduced (Python 3, `str` patterns, Unicode):
///  - `\w`: a character that is alphabetic (general category Lu, Ll, Lt, Lm, Lo), has a numeric
///    type (decimal, digit or numeric: Nd, most Nl/No such as ², ½, Ⅻ), or is `_`. Combining marks
///    (Mn, Mc) are NOT word characters, so a decomposed "é" (e + U+0301) loses its accent.
///  - `\s` and `str.split()`: Python's `str.isspace` set (listed in `isPythonWhitespace`).
///  - `str.lower()`: full Unicode lower-casing (Swift's `lowercased()`).
/// Hence "don't" → "dont", "well-being" → "wellbeing", "U.S." → "us", "..." → (nothing).

/// Python's `str.isspace()` for one scalar: tab, LF, VT, FF, CR, the separators 0x1C-0x1F, space,
/// NEL, NBSP, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
public func isPythonWhitespace(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// Python's regex `\w` for one scalar (see the file comment).
public func isPythonWordCharacter(_ u: Unicode.Scalar) -> Bool {
    if u == "_" { return true }
    let p = u.properties
    switch p.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
        return true
    default:
        return p.numericType != nil
    }
}

/// `re.sub(r"[^\w\s]", "", s)`: keeps word characters and whitespace, drops everything else.
public func removePunctuation(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    for u in s.unicodeScalars where isPythonWordCharacter(u) || isPythonWhitespace(u) { out.append(u) }
    return String(out)
}

/// The predicted word of one sample, or nil when it has no word.
///
/// `sample` is the decoded text; if it starts with `context` (byte-wise, like Python's
/// `startswith`) that prefix is removed first — pass `context: ""` when `sample` is already only the
/// continuation. Then punctuation is deleted, the rest split on whitespace, and the first non-empty
/// piece lower-cased.
public func extractWord(sample: String, context: String = "") -> String? {
    var rest = Substring(sample)
    if !context.isEmpty && sample.utf8.starts(with: context.utf8) {
        let cut = sample.utf8.index(sample.utf8.startIndex, offsetBy: context.utf8.count)
        rest = sample[cut...]
    }
    var piece = String.UnicodeScalarView()
    for u in rest.unicodeScalars {
        if isPythonWhitespace(u) {
            if !piece.isEmpty { break }
            continue
        }
        if isPythonWordCharacter(u) { piece.append(u) }
    }
    if piece.isEmpty { return nil }
    return String(piece).lowercased()
}

/// Whether more text appended to `continuation` can no longer change `extractWord` of it: a word
/// character has been seen and whitespace follows it. Used to stop sampling a continuation once
/// its first word is known (whitespace is one byte, so the text before it is fully decoded).
public func firstWordIsComplete(_ continuation: String) -> Bool {
    var seenWord = false
    for u in continuation.unicodeScalars {
        if isPythonWhitespace(u) {
            if seenWord { return true }
        } else if isPythonWordCharacter(u) {
            seenWord = true
        }
    }
    return false
}
