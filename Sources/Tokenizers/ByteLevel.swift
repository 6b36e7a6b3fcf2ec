/// GPT-2's reversible byte ↔ character map: printable bytes (33–126, 161–172, 174–255) stand
/// for themselves, the other 68 bytes map to U+0100 onwards in byte order. Byte-level BPE
/// vocabularies are written in these characters (so a space is "Ġ" = U+0120).
enum ByteLevel {
    /// Code point standing for each byte.
    static let charForByte: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var extra: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                map[b] = UInt32(b)
            } else {
                map[b] = extra
                extra += 1
            }
        }
        return map
    }()

    /// UTF-8 of the character standing for each byte.
    static let utf8ForByte: [[UInt8]] = charForByte.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// Byte for each code point below 324 (the map's range), or -1.
    static let byteForChar: [Int16] = {
        var inv = [Int16](repeating: -1, count: 324)
        for (b, c) in charForByte.enumerated() { inv[Int(c)] = Int16(b) }
        return inv
    }()

    /// Decodes byte-level text back to raw bytes; characters outside the map are kept as UTF-8.
    static func decode(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var cps: [UInt32] = [], starts: [Int] = []
        let arr = Array(text)
        arr.withUnsafeBufferPointer { decodeScalars($0, &cps, &starts) }
        for (i, c) in cps.enumerated() {
            if c < 324, byteForChar[Int(c)] >= 0 { out.append(UInt8(byteForChar[Int(c)])) }
            else { out.append(contentsOf: arr[starts[i]..<starts[i + 1]]) }
        }
    }
}
