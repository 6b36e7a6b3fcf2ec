/// Byte-exact text → id lookup over a flat buffer of token texts.
///
/// Why not `[String: Int32]`: Swift `String` equality is canonical equivalence, so "é" (U+00E9)
/// and "e\u{301}" would be the same key, while tokenizers compare raw bytes. This table hashes
/// and compares UTF-8 bytes, and looks up slices of a byte buffer without allocating.
struct TokenTable {
    /// All texts concatenated; text i is bytes[offsets[i] ..< offsets[i+1]].
    // A leading dummy byte keeps `bytes` non-empty, so its base address always exists.
    private(set) var bytes: [UInt8] = [0]
    private(set) var offsets: [Int] = [1]
    /// Open addressing with linear probing; -1 = empty. Power-of-two size.
    private var slots: [Int32] = []
    private var mask = 0

    var count: Int { offsets.count - 1 }

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        bytes.reserveCapacity(capacity * 8)
        offsets.reserveCapacity(capacity + 1)
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        // FNV-1a, 64-bit.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Appends a text and returns its index. A duplicate text maps to the newest index
    /// (last one wins, as in llama.cpp's `token_to_id[word] = i`).
    @discardableResult
    mutating func append<S: Collection>(_ text: S) -> Int32 where S.Element == UInt8 {
        let id = Int32(count)
        bytes.append(contentsOf: text)
        offsets.append(bytes.count)
        if count * 2 > slots.count { rehash() } else { insert(id) }
        return id
    }

    private mutating func insert(_ id: Int32) {
        let start = offsets[Int(id)], n = offsets[Int(id) + 1] - start
        let h = bytes.withUnsafeBufferPointer { TokenTable.hash($0.baseAddress! + start, n) }
        var s = h & mask
        while true {
            let cur = slots[s]
            if cur < 0 { slots[s] = id; return }
            if equal(Int(cur), start, n) { slots[s] = id; return }
            s = (s + 1) & mask
        }
    }

    private func equal(_ other: Int, _ start: Int, _ n: Int) -> Bool {
        let os = offsets[other], on = offsets[other + 1] - os
        guard on == n else { return false }
        return bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + os, b.baseAddress! + start, n) == 0 }
    }

    private mutating func rehash() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for i in 0..<count { insert(Int32(i)) }
    }

    /// The index of the text `p[0..<n]`, or -1.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        var s = TokenTable.hash(p, n) & mask
        return bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            while true {
                let cur = slots[s]
                if cur < 0 { return -1 }
                let os = offsets[Int(cur)]
                if offsets[Int(cur) + 1] - os == n && (n == 0 || memcmp(base + os, p, n) == 0) { return cur }
                s = (s + 1) & mask
            }
        }
    }

    func lookup(_ text: ArraySlice<UInt8>) -> Int32 {
        if text.isEmpty { return [UInt8(0)].withUnsafeBufferPointer { lookup($0.baseAddress!, 0) } }
        return text.withUnsafeBufferPointer { lookup($0.baseAddress!, $0.count) }
    }

    func lookup<S: Sequence>(_ text: S) -> Int32 where S.Element == UInt8 {
        let a = Array(text)
        if a.isEmpty { return [UInt8(0)].withUnsafeBufferPointer { lookup($0.baseAddress!, 0) } }
        return a.withUnsafeBufferPointer { lookup($0.baseAddress!, $0.count) }
    }

    /// The bytes of text `i`.
    func text(_ i: Int) -> ArraySlice<UInt8> { bytes[offsets[i] ..< offsets[i + 1]] }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
