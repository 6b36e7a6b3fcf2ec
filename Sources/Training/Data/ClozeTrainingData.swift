import Numerics
import Foundation

/// Which human signal a fine-tuning run learns from (paper B, Table 1 rows).
public enum ClozeTargetKind: String, Codable, Sendable, CaseIterable {
    /// FT (Orig. corpus): the passage's actual next word, weight 1 (L_Label).
    case orig
    /// FT (Maj. label): the most frequent human answer, weight 1 (ties: first listed).
    case maj
    /// FT (Mul. labels): every human answer with its relative frequency (L_Var).
    case mul
}

/// One cloze context's training targets as words with counts, before tokenisation.
public struct ClozeWordTargets: Sendable, Equatable {
    public var context: String
    /// Distinct target words in first-seen order.
    public var words: [String]
    /// How often each word counts (human answer counts for `mul`; 1 for `orig` / `maj`).
    public var counts: [Int]
    public var total: Int { counts.reduce(0, +) }

    public init(context: String, words: [String], counts: [Int]) {
        self.context = context; self.words = words; self.counts = counts
    }

    /// Targets for one context.
    /// - Parameters:
    ///   - corpusWord: the word that followed in the passage (`orig`).
    ///   - answers: the human answers with counts in file order (`maj`, `mul`); repeated answers
    ///     are merged. For paper B's labels-per-context ablation pass the N sampled answers,
    ///     each with count 1 (they are merged here).
    public init(context: String, corpusWord: String, answers: [(response: String, count: Int)], kind: ClozeTargetKind) throws {
        var words: [String] = [], counts: [Int] = [], index: [String: Int] = [:]
        for (k, a) in answers.enumerated() {
            guard a.count > 0 else { throw TrainingError("context \(context.debugDescription): answer \(k) '\(a.response)' has count \(a.count)") }
            if let i = index[a.response] { counts[i] += a.count } else { index[a.response] = words.count; words.append(a.response); counts.append(a.count) }
        }
        switch kind {
        case .orig:
            guard !corpusWord.isEmpty else { throw TrainingError("context \(context.debugDescription): empty corpus word") }
            self.init(context: context, words: [corpusWord], counts: [1])
        case .maj:
            guard var best = words.indices.first else { throw TrainingError("context \(context.debugDescription): no human answers") }
            for i in words.indices where counts[i] > counts[best] { best = i }
            self.init(context: context, words: [words[best]], counts: [1])
        case .mul:
            guard !words.isEmpty else { throw TrainingError("context \(context.debugDescription): no human answers") }
            self.init(context: context, words: words, counts: counts)
        }
    }
}

/// A cloze context after tokenisation: the prompt once, every distinct target's tokens, counts.
public struct TokenizedClozeItem: Sendable, Equatable {
    /// Context tokens (base LM) or the chat prompt (instruct LM).
    public var prompt: [Int32]
    /// Token ids of each distinct target (word with its leading space, or reply + end-of-turn).
    public var targets: [[Int32]]
    public var counts: [Int]
    public init(prompt: [Int32], targets: [[Int32]], counts: [Int]) throws {
        guard !prompt.isEmpty else { throw TrainingError("cloze item with an empty prompt") }
        guard targets.count == counts.count, !targets.isEmpty else {
            throw TrainingError("cloze item: \(targets.count) targets, \(counts.count) counts")
        }
        if let k = targets.firstIndex(where: { $0.isEmpty }) { throw TrainingError("cloze item: target \(k) has no tokens") }
        if let k = counts.firstIndex(where: { $0 <= 0 }) { throw TrainingError("cloze item: target \(k) has count \(counts[k])") }
        self.prompt = prompt; self.targets = targets; self.counts = counts
    }
    public var total: Int { counts.reduce(0, +) }
}

/// How a fine-tuning run turns cloze items into a loss, and what one unit of the data order is.
///
/// - `wordDistribution` (base LM, paper B eq. 2): the unit is a context; each context is one
///   `TreeBatch` with its target words weighted by relative frequency, so its loss is
///   L_Var = −Σ_w p(w|c) log q(w|c) (L_Label for orig/maj). A batch of B contexts has loss
///   (1/B) Σ_contexts L_Var.
/// - `expandedExamples` (instruct LM, paper B's augmentation): the unit is one (prompt, reply)
///   example per human answer, repeated by its count. Each example's loss is its reply's mean
///   token NLL (as `TrainingSequence(prompt:response:)`), a batch's loss the mean over its B
///   examples. Instead of running the prompt once per example, the examples of a batch are
///   grouped by context and each group becomes one tree (prompt once, each distinct reply a
///   branch) with branch weight multiplicity/len(reply) · G/B, G the number of groups:
///   `TrainingLoop` averages over its G sequences, so the loss and gradient equal the mean over
///   the B expanded examples exactly.
public enum ClozeLossMode: String, Codable, Sendable {
    case wordDistribution
    case expandedExamples
}

/// One unit of the data order: item index and (for expanded examples) target index.
public struct ClozeUnit: Sendable, Equatable {
    public var item: Int
    public var target: Int
    public init(item: Int, target: Int) { self.item = item; self.target = target }
}

/// The units of a data set in canonical order (contexts; or each context's examples, each
/// target repeated by its count).
public func clozeUnits(_ items: [TokenizedClozeItem], mode: ClozeLossMode) -> [ClozeUnit] {
    switch mode {
    case .wordDistribution:
        return items.indices.map { ClozeUnit(item: $0, target: 0) }
    case .expandedExamples:
        var out: [ClozeUnit] = []
        for (i, it) in items.enumerated() {
            for (k, n) in it.counts.enumerated() { for _ in 0..<n { out.append(ClozeUnit(item: i, target: k)) } }
        }
        return out
    }
}

/// The training sequences of one batch of units (see `ClozeLossMode` for the weighting; the
/// `TrainingLoop` mean over the returned sequences is the batch loss).
public func clozeBatchSequences(_ units: [ClozeUnit], items: [TokenizedClozeItem], mode: ClozeLossMode) throws -> [TrainingSequence] {
    guard !units.isEmpty else { throw TrainingError("empty batch") }
    switch mode {
    case .wordDistribution:
        return try units.map { u in
            let it = items[u.item]
            let total = Float(it.total)
            let tree = try TreeBatch(context: it.prompt, words: it.targets, weights: it.counts.map { Float($0) / total })
            return TrainingSequence(tree: tree)
        }
    case .expandedExamples:
        // Group by item in first-seen order; multiplicity of each target within the batch.
        var order: [Int] = [], mult: [Int: [Int: Int]] = [:]
        for u in units {
            if mult[u.item] == nil { order.append(u.item); mult[u.item] = [:] }
            mult[u.item]![u.target, default: 0] += 1
        }
        let scale = Float(order.count) / Float(units.count)
        return try order.map { i in
            let it = items[i]
            let ks = mult[i]!.keys.sorted()
            let tree = try TreeBatch(context: it.prompt, words: ks.map { it.targets[$0] },
                                     weights: ks.map { Float(mult[i]![$0]!) / Float(it.targets[$0].count) * scale })
            return TrainingSequence(tree: tree)
        }
    }
}

/// What an epoch's data order shuffles (see `clozeEpochOrder`).
public enum ShuffleUnit: String, Codable, Sendable {
    /// Every unit on its own (`epochOrder` over all units).
    case example
    /// Contexts, each context's units kept together (in a shuffled order of their own), so
    /// expanded examples of one context share batches and their prompt is computed once per batch.
    case context
}

/// The order of `units` (indices into it) for one epoch. Units of the same item must be
/// contiguous, as `clozeUnits` returns them. Deterministic in (seed, epoch) on every machine.
public func clozeEpochOrder(_ units: [ClozeUnit], shuffle: ShuffleUnit, seed: UInt64, epoch: Int) -> [Int] {
    switch shuffle {
    case .example:
        return epochOrder(count: units.count, seed: seed, epoch: epoch)
    case .context:
        if units.isEmpty { return [] }
        var groups: [Range<Int>] = []
        var start = 0
        for i in 1...units.count where i == units.count || units[i].item != units[start].item {
            groups.append(start..<i); start = i
        }
        var out: [Int] = []
        out.reserveCapacity(units.count)
        for g in epochOrder(count: groups.count, seed: seed, epoch: epoch) {
            let r = groups[g]
            // Within a context: its own permutation, keyed by (seed, epoch, item).
            let inner = epochOrder(count: r.count, seed: SplitMix64.mix(seed ^ SplitMix64.hash(UInt64(units[r.lowerBound].item))), epoch: epoch)
            out += inner.map { r.lowerBound + $0 }
        }
        return out
    }
}
