/// Reuses the KV caches of earlier token sequences for new sequences that share a prefix with
/// them (prompts with a common instruction, the same context with different continuations).
///
/// Sequences are stored in a radix tree over token ids: each edge holds a run of tokens, each
/// stored sequence ends at a node that keeps a snapshot of its KV cache. A lookup walks the tree
/// as far as the new sequence matches; any stored sequence below that point shares the matched
/// prefix, so a fork of its cache truncated to the match length is a valid cache for it.
/// At most `maxEntries` snapshots are kept; the least recently used one is dropped first.
public final class PrefixCache {
    final class Node {
        var edge: [Int32]            // tokens on the edge from the parent to this node
        var children: [Int32: Node] = [:]  // keyed by the first token of the child's edge
        weak var parent: Node?
        var entry: Entry?
        init(edge: [Int32], parent: Node?) { self.edge = edge; self.parent = parent }
    }
    final class Entry {
        let cache: KVCache
        var lastUsed: Int
        unowned let node: Node
        init(cache: KVCache, lastUsed: Int, node: Node) { self.cache = cache; self.lastUsed = lastUsed; self.node = node }
    }

    public let model: LanguageModel
    public let maxEntries: Int
    private let root = Node(edge: [], parent: nil)
    private var entries: [Entry] = []
    private var clock = 0

    public init(model: LanguageModel, maxEntries: Int = 16) {
        self.model = model
        self.maxEntries = max(1, maxEntries)
    }

    /// Number of stored snapshots.
    public var count: Int { entries.count }

    /// Drops every snapshot, so the next sequences are computed as if nothing had run before.
    public func removeAll() {
        entries.removeAll()
        root.children.removeAll()
    }

    /// A fresh cache holding the longest stored prefix of `tokens`, at most `limit` tokens long,
    /// and that prefix's length (0 and an empty cache when nothing matches).
    public func lookup(_ tokens: [Int32], limit: Int? = nil) -> (cache: KVCache, matched: Int) {
        let maxLen = min(limit ?? tokens.count, tokens.count)
        var node = root, depth = 0
        // Descend while whole edges match.
        while depth < maxLen, let child = node.children[tokens[depth]] {
            var i = 0
            while i < child.edge.count && depth + i < maxLen && child.edge[i] == tokens[depth + i] { i += 1 }
            depth += i
            node = child
            if i < child.edge.count { break }  // stopped inside this edge: the subtree still shares `depth` tokens
        }
        guard depth > 0, let entry = newestEntry(below: node) else {
            return (model.makeCache(), 0)
        }
        clock += 1
        entry.lastUsed = clock
        let cache = entry.cache.fork()
        cache.truncate(to: depth)
        return (cache, depth)
    }

    /// Stores a snapshot (a fork) of `cache`, which must hold exactly `tokens`.
    public func insert(_ tokens: [Int32], cache: KVCache) throws {
        guard cache.count == tokens.count else {
            throw ModelInputError("PrefixCache.insert: cache holds \(cache.count) tokens, sequence has \(tokens.count)")
        }
        if tokens.isEmpty { return }
        var node = root, depth = 0
        while depth < tokens.count {
            guard let child = node.children[tokens[depth]] else {
                let leaf = Node(edge: Array(tokens[depth...]), parent: node)
                node.children[tokens[depth]] = leaf
                node = leaf
                depth = tokens.count
                break
            }
            var i = 0
            while i < child.edge.count && depth + i < tokens.count && child.edge[i] == tokens[depth + i] { i += 1 }
            if i < child.edge.count {
                // Split the edge: node → mid (shared part) → child (rest).
                let mid = Node(edge: Array(child.edge[..<i]), parent: node)
                node.children[tokens[depth]] = mid
                child.edge = Array(child.edge[i...])
                child.parent = mid
                mid.children[child.edge[0]] = child
                node = mid
            } else {
                node = child
            }
            depth += i
        }
        clock += 1
        if let e = node.entry {
            e.lastUsed = clock
            entries.removeAll { $0 === e }
        }
        let entry = Entry(cache: cache.fork(), lastUsed: clock, node: node)
        node.entry = entry
        entries.append(entry)
        while entries.count > maxEntries { evictOldest() }
    }

    /// Runs `tokens` reusing the longest stored prefix, stores the result, and returns the logits
    /// of the rows asked for (indices into `tokens`) plus the full cache. The reused prefix is
    /// cut short of the first requested row (and of the last token), so every requested row is
    /// computed in this call.
    public func forward(tokens: [Int32], logitRows rows: [Int]) throws -> (logits: [Float], cache: KVCache) {
        guard !tokens.isEmpty else { throw ModelInputError("PrefixCache.forward: empty sequence") }
        let minRow = rows.min() ?? tokens.count - 1
        let (cache, matched) = lookup(tokens, limit: min(tokens.count - 1, minRow))
        let logits = try model.forward(tokens: Array(tokens[matched...]), cache: cache,
                                       logitRows: .rows(rows.map { $0 - matched }))
        try insert(tokens, cache: cache)
        return (logits, cache)
    }

    /// `LanguageModel.prefill(_:)` reusing the longest stored prefix of `prompt` (and storing
    /// this one): consecutive Provo contexts of a passage extend each other, so each prefill
    /// runs only the tokens its predecessor did not have.
    public func prefill(_ prompt: [Int32]) throws -> PrefilledPrompt {
        guard !prompt.isEmpty else { throw ModelInputError("prefill needs a non-empty prompt") }
        let (logits, cache) = try forward(tokens: prompt, logitRows: [prompt.count - 1])
        return PrefilledPrompt(cache: cache, lastLogits: logits)
    }

    /// The length of the prefix all `prompts` share, short of each one's last token (every prompt
    /// needs a row of its own for its next-token logits). 0 for no prompts.
    public static func sharedPrefixLength(_ prompts: [[Int32]]) -> Int {
        guard let first = prompts.first else { return 0 }
        var p = max(0, prompts.map { $0.count - 1 }.min()!)
        for q in prompts.dropFirst() {
            var i = 0
            while i < p && q[i] == first[i] { i += 1 }
            p = i
        }
        return p
    }

    /// Prefills several prompts that begin with the same `sharedPrefix` tokens (at most
    /// `sharedPrefixLength(prompts)`): that prefix once, through this cache (and stored here),
    /// then every prompt's remaining tokens together in one batched pass, each from its own fork
    /// of the prefix's KV cache, so each weight matrix is read once for the whole batch. Returns
    /// each prompt's cache (holding the whole prompt) and its last token's logits, prompt-major
    /// [prompts.count × vocab]. The same numbers as one prompt at a time up to float rounding.
    public func prefill(batch prompts: [[Int32]], sharedPrefix p: Int) throws -> (caches: [KVCache], lastLogits: [Float]) {
        guard !prompts.isEmpty, prompts.allSatisfy({ !$0.isEmpty }) else { throw ModelInputError("prefill: an empty batch or prompt") }
        guard p >= 0, p <= Self.sharedPrefixLength(prompts) else {
            throw ModelInputError("prefill: \(p) tokens are not a prefix every prompt shares short of its last token")
        }
        let shared = p > 0 ? try forward(tokens: Array(prompts[0][..<p]), logitRows: [p - 1]).cache : nil
        let inputs = prompts.map { SequenceInput(tokens: Array($0[p...]), cache: shared?.fork() ?? model.makeCache(capacity: $0.count)) }
        let h = try model.hiddenStates(batch: inputs)
        var lastRows: [Int] = [], r = 0
        for s in inputs { r += s.tokens.count; lastRows.append(r - 1) }
        return (inputs.map(\.cache), try model.logits(hidden: h, rows: lastRows))
    }

    private func newestEntry(below node: Node) -> Entry? {
        var best = node.entry
        for child in node.children.values {
            if let e = newestEntry(below: child), e.lastUsed > (best?.lastUsed ?? -1) { best = e }
        }
        return best
    }

    private func evictOldest() {
        guard let oldest = entries.min(by: { $0.lastUsed < $1.lastUsed }) else { return }
        entries.removeAll { $0 === oldest }
        var node: Node? = oldest.node
        node?.entry = nil
        // Prune nodes left with neither a snapshot nor children.
        while let n = node, n !== root, n.entry == nil, n.children.isEmpty, let parent = n.parent {
            parent.children[n.edge[0]] = nil
            node = parent
        }
    }
}
