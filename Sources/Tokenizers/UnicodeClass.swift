/// Character classes the pre-tokenizers need, from the Unicode general category
/// (`Unicode.Scalar.Properties`), with an ASCII fast path.
struct CharClass: OptionSet {
    let rawValue: UInt8
    /// \p{L}: Lu, Ll, Lt, Lm, Lo.
    static let letter = CharClass(rawValue: 1)
    /// \p{N}: Nd, Nl, No.
    static let number = CharClass(rawValue: 2)
    /// \s: the Unicode White_Space property.
    static let whitespace = CharClass(rawValue: 4)
    /// \p{P}: Pc, Pd, Ps, Pe, Pi, Pf, Po.
    static let punctuation = CharClass(rawValue: 8)
    /// \p{S}: Sm, Sc, Sk, So.
    static let symbol = CharClass(rawValue: 16)
    /// Cc, Cf, Co, Cs, Cn (BERT's "control" characters are removed by its normalizer).
    static let control = CharClass(rawValue: 32)
    /// \p{M}: combining marks (stripped by BERT's accent removal after NFD).
    static let mark = CharClass(rawValue: 64)
}

private let asciiClasses: [CharClass] = (0..<128).map { classify(UInt32($0)) }

private func classify(_ c: UInt32) -> CharClass {
    guard let s = Unicode.Scalar(c) else { return [] }
    var f: CharClass = []
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f.insert(.letter)
    case .decimalNumber, .letterNumber, .otherNumber: f.insert(.number)
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation: f.insert(.punctuation)
    case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: f.insert(.symbol)
    case .control, .format, .privateUse, .surrogate, .unassigned: f.insert(.control)
    case .nonspacingMark, .spacingMark, .enclosingMark: f.insert(.mark)
    default: break
    }
    if s.properties.isWhitespace { f.insert(.whitespace) }
    return f
}

/// The classes of code point `c`.
@inline(__always)
func charClass(_ c: UInt32) -> CharClass {
    c < 128 ? asciiClasses[Int(c)] : classify(c)
}

/// Decodes UTF-8 bytes into code points, recording the byte offset where each one starts
/// (plus a final entry = byte count). Input comes from a Swift `String`, so it is valid UTF-8.
func decodeScalars(_ bytes: UnsafeBufferPointer<UInt8>, _ cps: inout [UInt32], _ starts: inout [Int]) {
    cps.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = UInt32(bytes[i])
        starts.append(i)
        if b0 < 0x80 { cps.append(b0); i += 1 }
        else if b0 < 0xE0, i + 1 < n { cps.append((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)); i += 2 }
        else if b0 < 0xF0, i + 2 < n {
            cps.append((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)); i += 3
        } else if i + 3 < n {
            cps.append((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)); i += 4
        } else { cps.append(0xFFFD); i = n }
    }
    starts.append(n)
}

/// Number of bytes of the UTF-8 sequence starting with byte `b` (1 for invalid lead bytes).
@inline(__always)
func utf8Length(_ b: UInt8) -> Int {
    if b < 0x80 { return 1 }
    if b < 0xC0 { return 1 }
    if b < 0xE0 { return 2 }
    if b < 0xF0 { return 3 }
    return 4
}
