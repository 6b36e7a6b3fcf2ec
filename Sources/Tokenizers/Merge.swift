/// The merge loops of BPE (by merge rank) and SentencePiece-BPE (by token score).
///
/// Both keep the symbols of one word in a doubly linked list and candidate pairs in a binary
/// heap ordered by (priority, left position): the best pair is merged first and, among equal
/// priorities, the leftmost — the order llama.cpp and Hugging Face use. A popped pair whose
/// symbols changed since it was pushed is stale and skipped. O(n log n) per word, so long
/// words (whitespace runs, a whole SentencePiece text) stay cheap.

/// One BPE merge: the rank (lower merges first) and the symbol it produces.
struct BPEMerge {
    var rank: Int32
    var result: Int32
}

@inline(__always)
func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
}

/// Reusable scratch buffers for the merge loops (no allocation per word once warm).
struct MergeWork {
    var id: [Int32] = []
    var start: [Int32] = []   // byte offset (SentencePiece only)
    var len: [Int32] = []     // byte length (SentencePiece only)
    var prev: [Int32] = []
    var next: [Int32] = []
    var heap: [Candidate] = []

    struct Candidate {
        var priority: Float   // lower is better
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32
        var result: Int32

        @inline(__always)
        func before(_ o: Candidate) -> Bool {
            priority < o.priority || (priority == o.priority && left < o.left)
        }
    }

    mutating func push(_ c: Candidate) {
        heap.append(c)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if heap[i].before(heap[p]) { heap.swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> Candidate {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && heap[l].before(heap[m]) { m = l }
                if r < n && heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }

    mutating func reset(_ n: Int) {
        id.removeAll(keepingCapacity: true)
        start.removeAll(keepingCapacity: true)
        len.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            prev.append(Int32(i - 1))
            next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
    }

    /// Unlinks `right` after merging it into `left`.
    @inline(__always)
    mutating func absorb(_ left: Int, _ right: Int) {
        let nx = next[right]
        next[left] = nx
        if nx >= 0 { prev[Int(nx)] = Int32(left) }
        id[right] = -1
        next[right] = -2
    }
}

/// Rank-based BPE over the symbol ids in `syms` (in place). Symbols with negative ids (characters
/// outside the vocabulary) never merge.
func bpeMerge(_ syms: inout [Int32], _ merges: PairTable, _ w: inout MergeWork) {
    let n = syms.count
    if n < 2 { return }
    w.reset(n)
    w.id.append(contentsOf: syms)
    @inline(__always) func consider(_ w: inout MergeWork, _ l: Int, _ r: Int) {
        guard l >= 0, r >= 0 else { return }
        let a = w.id[l], b = w.id[r]
        guard a >= 0, b >= 0, let m = merges[pairKey(a, b)] else { return }
        w.push(.init(priority: Float(m.rank), left: Int32(l), right: Int32(r), leftID: a, rightID: b, result: m.result))
    }
    for i in 0..<(n - 1) { consider(&w, i, i + 1) }
    while !w.heap.isEmpty {
        let c = w.pop()
        let l = Int(c.left), r = Int(c.right)
        guard w.id[l] == c.leftID, w.id[r] == c.rightID, w.next[l] == c.right else { continue }
        w.id[l] = c.result
        w.absorb(l, r)
        consider(&w, Int(w.prev[l]), l)
        consider(&w, l, Int(w.next[l]))
    }
    syms.removeAll(keepingCapacity: true)
    var i = 0
    while i >= 0 { syms.append(w.id[i]); i = Int(w.next[i]) }
}

/// SentencePiece-BPE (llama.cpp's `llm_tokenizer_spm`): start from UTF-8 characters, repeatedly
/// merge the adjacent pair whose concatenation is the vocabulary token with the highest score;
/// a final symbol that is no token is emitted as `<0xXX>` byte tokens.
func spmMerge(_ text: UnsafeBufferPointer<UInt8>, _ vocab: TokenTable, _ scores: [Float], _ vocabSize: Int,
              _ byteTokens: [Int32], _ unk: Int32, _ out: inout [Int32], _ w: inout MergeWork) {
    let base = text.baseAddress!
    var count = 0
    var offs = 0
    while offs < text.count { offs += min(utf8Length(text[offs]), text.count - offs); count += 1 }
    w.reset(count)
    offs = 0
    for _ in 0..<count {
        let l = min(utf8Length(text[offs]), text.count - offs)
        w.start.append(Int32(offs)); w.len.append(Int32(l)); w.id.append(0)
        offs += l
    }
    // `id` here only marks liveness/version: the merged length identifies the symbol's extent.
    @inline(__always) func consider(_ w: inout MergeWork, _ l: Int, _ r: Int) {
        guard l >= 0, r >= 0 else { return }
        let n = Int(w.len[l] + w.len[r])
        let tok = vocab.lookup(base + Int(w.start[l]), n)
        guard tok >= 0, Int(tok) < vocabSize else { return }
        w.push(.init(priority: -scores[Int(tok)], left: Int32(l), right: Int32(r), leftID: w.len[l], rightID: w.len[r], result: tok))
    }
    for i in 0..<max(count - 1, 0) { consider(&w, i, i + 1) }
    while !w.heap.isEmpty {
        let c = w.pop()
        let l = Int(c.left), r = Int(c.right)
        guard w.next[l] == c.right, w.len[l] == c.leftID, w.len[r] == c.rightID else { continue }
        w.len[l] += w.len[r]
        w.absorb(l, r)
        w.len[r] = 0
        consider(&w, Int(w.prev[l]), l)
        consider(&w, l, Int(w.next[l]))
    }
    var i = 0
    while i >= 0 && count > 0 {
        let s = Int(w.start[i]), n = Int(w.len[i])
        let tok = vocab.lookup(base + s, n)
        if tok >= 0 && Int(tok) < vocabSize {
            out.append(tok)
        } else {
            for j in 0..<n {
                let bt = byteTokens[Int(text[s + j])]
                out.append(bt >= 0 ? bt : unk)
            }
        }
        i = Int(w.next[i])
    }
}

/// Open-addressing hash map from a symbol pair (`pairKey`) to its merge. The merge loop does a
/// lookup per adjacent pair, so this replaces `Dictionary` (SipHash) with one multiply.
struct PairTable {
    private var keys: [UInt64]
    private var values: [BPEMerge]
    private var shift: UInt64
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int = 0) {
        var bits: UInt64 = 4
        while (1 << bits) < capacity * 2 { bits += 1 }
        keys = [UInt64](repeating: PairTable.empty, count: 1 << bits)
        values = [BPEMerge](repeating: BPEMerge(rank: 0, result: 0), count: 1 << bits)
        shift = 64 - bits
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    subscript(key: UInt64) -> BPEMerge? {
        get {
            let mask = keys.count - 1
            var s = slot(key)
            return keys.withUnsafeBufferPointer { k in
                while true {
                    let cur = k[s]
                    if cur == key { return values[s] }
                    if cur == PairTable.empty { return nil }
                    s = (s + 1) & mask
                }
            }
        }
        set {
            guard let v = newValue else { return }  // no removal needed
            if (count + 1) * 2 > keys.count { grow() }
            let mask = keys.count - 1
            var s = slot(key)
            while keys[s] != PairTable.empty && keys[s] != key { s = (s + 1) & mask }
            if keys[s] == PairTable.empty { count += 1 }
            keys[s] = key
            values[s] = v
        }
    }

    private mutating func grow() {
        let oldK = keys, oldV = values
        self = PairTable(capacity: oldK.count)
        for i in 0..<oldK.count where oldK[i] != PairTable.empty { self[oldK[i]] = oldV[i] }
    }
}
