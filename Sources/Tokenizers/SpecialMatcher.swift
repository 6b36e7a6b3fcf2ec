/// Finds special tokens in raw text before ordinary tokenization (llama.cpp's
/// `tokenizer_st_partition`): tokens are tried longest first; each takes every
/// non-overlapping occurrence, left to right, that does not overlap a token already taken.
/// Control and unknown tokens are only matched when the caller asks to parse specials;
/// user-defined tokens are always matched (as llama.cpp and Hugging Face do).
struct SpecialMatcher {
    struct Entry { var id: Int32; var length: Int; var alwaysMatched: Bool }
    private var entries: [Entry] = []
    /// Byte trie: child[(node << 8) | byte] = node; terminal[node] = entry index or -1.
    private var child: [Int: Int32] = [:]
    private var terminal: [Int32] = [-1]
    private var firstByte = [Bool](repeating: false, count: 256)

    var isEmpty: Bool { entries.isEmpty }

    mutating func add<S: Collection>(id: Int32, text: S, alwaysMatched: Bool) where S.Element == UInt8 {
        guard !text.isEmpty else { return }
        var node = 0
        for b in text {
            let key = node << 8 | Int(b)
            if let c = child[key] { node = Int(c) } else {
                terminal.append(-1)
                child[key] = Int32(terminal.count - 1)
                node = terminal.count - 1
            }
        }
        firstByte[Int(text.first!)] = true
        // A duplicate text keeps its first id.
        if terminal[node] < 0 {
            terminal[node] = Int32(entries.count)
            entries.append(Entry(id: id, length: text.count, alwaysMatched: alwaysMatched))
        }
    }

    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Splits `bytes` into raw-text ranges and special tokens.
    func partition(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = bytes.count
        if n == 0 { return [] }
        // All occurrences (position, entry).
        var occ: [(pos: Int, e: Int)] = []
        if !entries.isEmpty {
            for pos in 0..<n where firstByte[Int(bytes[pos])] {
                var node = 0, q = pos
                while q < n, let c = child[node << 8 | Int(bytes[q])] {
                    node = Int(c)
                    q += 1
                    let t = terminal[node]
                    if t >= 0 && (parseSpecial || entries[Int(t)].alwaysMatched) { occ.append((pos, Int(t))) }
                }
            }
        }
        if occ.isEmpty { return [.text(0..<n)] }
        occ.sort { a, b in
            let ea = entries[a.e], eb = entries[b.e]
            if ea.length != eb.length { return ea.length > eb.length }
            if ea.id != eb.id { return ea.id < eb.id }
            return a.pos < b.pos
        }
        var covered = [Bool](repeating: false, count: n)
        var taken: [(pos: Int, e: Int)] = []
        for o in occ {
            let len = entries[o.e].length
            var free = true
            for i in o.pos..<(o.pos + len) where covered[i] { free = false; break }
            if !free { continue }
            for i in o.pos..<(o.pos + len) { covered[i] = true }
            taken.append(o)
        }
        taken.sort { $0.pos < $1.pos }
        var out: [Fragment] = []
        var at = 0
        for t in taken {
            if t.pos > at { out.append(.text(at..<t.pos)) }
            out.append(.token(entries[t.e].id))
            at = t.pos + entries[t.e].length
        }
        if at < n { out.append(.text(at..<n)) }
        return out
    }
}
