import Foundation

/// An empirical distribution over words: counts, normalised to relative frequencies.
///
/// Paper B estimates both the human and the model next-word distributions this way (Monte Carlo:
/// the relative frequency of each word among the human answers, resp. the 40 sampled words).
/// Words are kept in a fixed order (UTF-8 byte order) so sums over them are bit-reproducible.
/// Words are Swift strings: canonically equivalent spellings (NFC vs NFD) count as one word.
public struct WordDistribution: Equatable {
    /// Distinct words in UTF-8 byte order.
    public let words: [String]
    /// `counts[i]` is the count of `words[i]` (> 0).
    public let counts: [Int]
    /// Sum of the counts (> 0 unless the distribution is empty).
    public let total: Int
    private let index: [String: Int]

    /// From word counts; every count must be > 0.
    public init(counts: [String: Int]) throws {
        for (w, c) in counts where c <= 0 { throw MetricsError.invalidCount(word: w, count: c) }
        let sorted = counts.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        words = sorted
        self.counts = sorted.map { counts[$0]! }
        total = self.counts.reduce(0, +)
        var idx: [String: Int] = [:]
        for (i, w) in sorted.enumerated() { idx[w] = i }
        index = idx
    }

    /// From (word, count) pairs; repeated words are added up. Every count must be > 0.
    public init(pairs: [(word: String, count: Int)]) throws {
        var c: [String: Int] = [:]
        for p in pairs {
            if p.count <= 0 { throw MetricsError.invalidCount(word: p.word, count: p.count) }
            c[p.word, default: 0] += p.count
        }
        try self.init(counts: c)
    }

    /// From a sample of words (each occurrence counts once).
    public init(samples: [String]) {
        var c: [String: Int] = [:]
        for w in samples { c[w, default: 0] += 1 }
        try! self.init(counts: c)   // counts from a sample are all >= 1
    }

    /// True when there are no words.
    public var isEmpty: Bool { total == 0 }

    /// Count of `word` (0 if absent).
    public func count(of word: String) -> Int { index[word].map { counts[$0] } ?? 0 }

    /// Relative frequency of `word` (0 if absent or the distribution is empty).
    public func probability(of word: String) -> Double {
        total == 0 ? 0 : Double(count(of: word)) / Double(total)
    }

    /// Whether `word` has a non-zero count.
    public func contains(_ word: String) -> Bool { index[word] != nil }
}

/// Total variation distance ½ Σ_w |p(w) − q(w)| over the union of both supports (paper B, its
/// footnote 6). In [0, 1]. Throws if either distribution is empty.
public func totalVariationDistance(_ p: WordDistribution, _ q: WordDistribution) throws -> Double {
    if p.isEmpty { throw MetricsError.empty(what: "first distribution of the TVD") }
    if q.isEmpty { throw MetricsError.empty(what: "second distribution of the TVD") }
    let pt = Double(p.total), qt = Double(q.total)
    var sum = 0.0
    for (i, w) in p.words.enumerated() {
        sum += abs(Double(p.counts[i]) / pt - Double(q.count(of: w)) / qt)
    }
    for (i, w) in q.words.enumerated() where !p.contains(w) {
        sum += Double(q.counts[i]) / qt
    }
    return 0.5 * sum
}

/// Shannon entropy −Σ p log p in nats. Throws if empty. (Paper B's entropy figure does not state
/// a unit; use `entropyBits` for base 2.)
public func entropyNats(_ p: WordDistribution) throws -> Double {
    if p.isEmpty { throw MetricsError.empty(what: "distribution of the entropy") }
    let t = Double(p.total)
    var h = 0.0
    for c in p.counts {
        let pr = Double(c) / t
        h -= pr * log(pr)
    }
    return h
}

/// Shannon entropy in bits (= nats / ln 2).
public func entropyBits(_ p: WordDistribution) throws -> Double {
    try entropyNats(p) / log(2.0)
}

/// Paper B's "unique word coverage": the share of distinct human answers that the model also
/// produced at least once, |H ∩ M| / |H| over distinct words. Throws if the human side is empty;
/// an empty model side gives 0.
public func uniqueWordCoverage(human: WordDistribution, model: WordDistribution) throws -> Double {
    if human.isEmpty { throw MetricsError.empty(what: "human distribution of the coverage") }
    var hit = 0
    for w in human.words where model.contains(w) { hit += 1 }
    return Double(hit) / Double(human.words.count)
}

/// Paper B's appendix G hit rate: the share of sampled words equal to the target. Throws if there
/// are no samples.
public func hitRate(samples: [String], target: String) throws -> Double {
    if samples.isEmpty { throw MetricsError.empty(what: "samples of the hit rate") }
    return Double(samples.filter { $0 == target }.count) / Double(samples.count)
}
