import Artifacts
import Datasets
import Numerics

/// Paper A's label types (its appendix A.4): an item has no label, one, or several, by the
/// majority of its annotators (a label is present when at least half chose it).
public enum LabelType: Int, CaseIterable, Sendable {
    case none = 0, single = 1, multi = 2

    public init(proportions: [Double]) {
        let n = proportions.filter { $0 >= 0.5 }.count
        self = n == 0 ? .none : n == 1 ? .single : .multi
    }

    public var name: String { ["no label", "single label", "multi-label"][rawValue] }
}

/// The `prepare-splits labels` artifact: one classification dataset of paper A with its human
/// label proportions and the sets the paper's experiments use (appendix A.4):
///
///     /labels                    str     [L]     label names, paper A's order
///     /items/id                  str     [N]
///     /items/text                str     [N]
///     /items/source              str     [N]     the file split it came from (train, dev, test, all)
///     /items/proportions         float64 [N, L]  share of annotators choosing each label (eq. 1)
///     /items/annotators          int32   [N]     annotators per item, 0 for aggregate-only labels
///     /sets/main_test            int32           item indices: paper A's main test set, uniform over
///                                                label type × disagreement (§5)
///     /sets/multilabel_test      int32           items with several labels (§3/§4 analysis)
///     /sets/demos                int32   [K]     the in-context examples, half of them multi-label
///     /sets/train                int32           the demo pool minus the demos (probes, SFT)
///     /sets/probe_train          int32           a seeded sample of train for the linear probes
///
/// Root attributes: dataset, multi_label, seed, selection (the rules below in words), and per set
/// its size. Every draw uses NumPy's legacy RandomState(seed) so a Python user can redo it.
public struct LabelTaskSplits: Equatable {
    public var dataset: LabeledDataset
    /// Per item, the file split it came from.
    public var sources: [String]
    public var mainTest: [Int]
    public var multiLabelTest: [Int]
    public var demos: [Int]
    public var train: [Int]
    /// The linear probes' training items: a seeded sample of `train`, in file order.
    public var probeTrain: [Int]
    public var seed: UInt32
    /// Human-readable notes on cells that had fewer candidates than their quota.
    public var shortfalls: [String]

    public init(dataset: LabeledDataset, sources: [String], mainTest: [Int], multiLabelTest: [Int], demos: [Int],
                train: [Int], probeTrain: [Int], seed: UInt32, shortfalls: [String]) {
        self.dataset = dataset; self.sources = sources; self.mainTest = mainTest; self.multiLabelTest = multiLabelTest
        self.demos = demos; self.train = train; self.probeTrain = probeTrain; self.seed = seed; self.shortfalls = shortfalls
    }

    public static let selectionRule = """
        label type by majority (a label counts when >= half of the annotators chose it): none, single, multi; \
        disagreement = some label chosen by some but not all annotators (only with per-annotator data); \
        main_test: per (type, disagreement) cell, RandomState(seed).permutation of the cell's test candidates \
        (cells in that order, one generator), the first quota items (the set is then sorted into file order), quotas size/cells with the remainder \
        to the first cells, a short cell gives all it has and the rest comes from the others in cell order; \
        multilabel_test: the first items of a permutation of the multi-label test candidates not in main_test; \
        demos: half (rounded up) from a permutation of the multi-label pool items, the rest from one of the \
        other pool items, then shuffled; train: the pool minus the demos, in file order; probe_train: the \
        first items of a permutation of train, sorted
        """

    /// Builds the sets. `testCandidates` and `pool` are disjoint item indices: the test file and the
    /// training file for datasets that ship splits, else a seeded partition made by the caller.
    public static func select(dataset: LabeledDataset, sources: [String], testCandidates: [Int], pool: [Int],
                              mainTestSize: Int, multiLabelTestSize: Int, shots: Int, probeTrainSize: Int = 0,
                              seed: UInt32) throws -> LabelTaskSplits {
        guard mainTestSize >= 0, multiLabelTestSize >= 0, shots >= 0 else { throw StageError.usage("set sizes must be >= 0") }
        var rng = NumpyRandomState(seed: seed)
        let items = dataset.items
        let perAnnotator = items.contains { $0.annotators != nil }
        func disagreement(_ i: Int) -> Int { items[i].proportions.contains { $0 > 0 && $0 < 1 } ? 1 : 0 }
        let typeCells = dataset.multiLabel ? LabelType.allCases.map(\.rawValue) : [LabelType.single.rawValue]
        let disagreementCells = perAnnotator ? [0, 1] : [0]
        var cells: [(type: Int, dis: Int)] = []
        for t in typeCells { for d in disagreementCells { cells.append((t, d)) } }
        func cellOf(_ i: Int) -> Int? {
            let t = dataset.multiLabel ? LabelType(proportions: items[i].proportions).rawValue : LabelType.single.rawValue
            let d = perAnnotator ? disagreement(i) : 0
            return cells.firstIndex { $0.type == t && $0.dis == d }
        }
        var shortfalls: [String] = []
        // Main test set: equal quotas per cell, seeded permutation within each cell.
        var permuted: [[Int]] = cells.indices.map { c in
            let members = testCandidates.filter { cellOf($0) == c }
            return rng.permutation(members.count).map { members[$0] }
        }
        var quotas = cells.indices.map { c in mainTestSize / cells.count + (c < mainTestSize % cells.count ? 1 : 0) }
        var main: [Int] = []
        var missing = 0
        for c in cells.indices {
            let take = min(quotas[c], permuted[c].count)
            if take < quotas[c] {
                shortfalls.append("main_test cell \(cellName(cells[c], perAnnotator)) has \(permuted[c].count) candidates for a quota of \(quotas[c])")
                missing += quotas[c] - take
            }
            main += permuted[c].prefix(take)
            permuted[c].removeFirst(take)
            quotas[c] = take
        }
        for c in cells.indices where missing > 0 {
            let take = min(missing, permuted[c].count)
            main += permuted[c].prefix(take)
            permuted[c].removeFirst(take)
            missing -= take
        }
        if missing > 0 { shortfalls.append("main_test has \(main.count) items: every test candidate, fewer than \(mainTestSize)") }
        // Multi-label test set.
        let inMain = Set(main)
        let multi = testCandidates.filter { !inMain.contains($0) && LabelType(proportions: items[$0].proportions) == .multi }
        let multiPerm = rng.permutation(multi.count).map { multi[$0] }
        if dataset.multiLabel && multiPerm.count < multiLabelTestSize {
            shortfalls.append("multilabel_test has \(multiPerm.count) candidates for \(multiLabelTestSize)")
        }
        let multiTest = dataset.multiLabel ? Array(multiPerm.prefix(multiLabelTestSize)) : []
        // Demonstrations: half multi-label (appendix A.4), the rest of any other type.
        let poolMulti = pool.filter { LabelType(proportions: items[$0].proportions) == .multi }
        let poolOther = pool.filter { LabelType(proportions: items[$0].proportions) != .multi }
        let nMulti = dataset.multiLabel ? (shots + 1) / 2 : 0
        guard poolMulti.count >= nMulti, poolOther.count >= shots - nMulti else {
            throw StageError.input(dataset.name, "the demonstration pool has \(poolMulti.count) multi-label and \(poolOther.count) other items; \(shots) shots need \(nMulti) and \(shots - nMulti)")
        }
        var demos = rng.permutation(poolMulti.count).prefix(nMulti).map { poolMulti[$0] }
            + rng.permutation(poolOther.count).prefix(shots - nMulti).map { poolOther[$0] }
        rng.shuffle(&demos)
        let demoSet = Set(demos)
        let train = pool.filter { !demoSet.contains($0) }
        if probeTrainSize > train.count { shortfalls.append("probe_train has \(train.count) candidates for \(probeTrainSize)") }
        let probeTrain = rng.permutation(train.count).prefix(probeTrainSize).map { train[$0] }.sorted()
        // Test sets in file order, so that a prefix (`infer labels --limit`) mixes the cells.
        return LabelTaskSplits(dataset: dataset, sources: sources, mainTest: main.sorted(), multiLabelTest: multiTest.sorted(), demos: demos,
                               train: train, probeTrain: probeTrain, seed: seed, shortfalls: shortfalls)
    }

    private static func cellName(_ c: (type: Int, dis: Int), _ perAnnotator: Bool) -> String {
        LabelType(rawValue: c.type)!.name + (perAnnotator ? (c.dis == 1 ? " with disagreement" : " without disagreement") : "")
    }

    public func write(to w: ArtifactWriter) throws {
        let n = dataset.items.count, l = dataset.labels.count
        try w.setAttribute("dataset", .string(dataset.name))
        try w.setAttribute("multi_label", .int(dataset.multiLabel ? 1 : 0))
        try w.setAttribute("seed", .int(Int(seed)))
        try w.setAttribute("selection", .string(Self.selectionRule))
        try w.setAttribute("shortfalls", .string(shortfalls.joined(separator: "; ")))
        try w.writeStrings(dataset.labels, at: "labels")
        try w.writeStrings(dataset.items.map(\.id), at: "items/id")
        try w.writeStrings(dataset.items.map(\.text), at: "items/text")
        try w.writeStrings(sources, at: "items/source")
        try w.write(dataset.items.flatMap(\.proportions), shape: [n, l], at: "items/proportions")
        try w.write(dataset.items.map { Int32($0.annotators ?? 0) }, shape: [n], at: "items/annotators")
        for (name, set) in [("main_test", mainTest), ("multilabel_test", multiLabelTest), ("demos", demos), ("train", train),
                            ("probe_train", probeTrain)] {
            try w.write(set.map { Int32($0) }, shape: [set.count], at: "sets/\(name)")
            try w.setAttribute("n_\(name)", .int(set.count))
        }
    }

    /// Reads an artifact written by `write(to:)`, checking shapes, proportions in [0, 1] and set
    /// indices in range (errors name the file and object).
    public static func read(path: String) throws -> LabelTaskSplits {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let labels = try r.readStrings("labels")
        let ids = try r.readStrings("items/id")
        let n = ids.count, l = labels.count
        let texts = try r.readStrings("items/text")
        let sources = try r.readStrings("items/source")
        guard texts.count == n, sources.count == n else {
            throw ArtifactError(file: path, object: "items", "items/text, items/source and items/id differ in length")
        }
        let props = try r.read(Double.self, "items/proportions", shape: [n, l]).values
        let annotators = try r.read(Int32.self, "items/annotators", shape: [n]).values
        for (k, v) in props.enumerated() where !(v >= 0 && v <= 1) {
            throw ArtifactError(file: path, object: "items/proportions", "item \(k / l) label \(labels[k % l]): \(v) is not in [0, 1]")
        }
        var items: [LabeledItem] = []
        for i in 0..<n {
            items.append(LabeledItem(id: ids[i], text: texts[i], proportions: Array(props[(i * l)..<((i + 1) * l)]),
                                     annotators: annotators[i] == 0 ? nil : Int(annotators[i]), line: 0))
        }
        func set(_ name: String) throws -> [Int] {
            let v = try r.read(Int32.self, "sets/\(name)").values.map(Int.init)
            if let bad = v.first(where: { $0 < 0 || $0 >= n }) {
                throw ArtifactError(file: path, object: "sets/\(name)", "index \(bad) is outside 0..<\(n)")
            }
            return v
        }
        let dataset = LabeledDataset(name: try r.stringAttribute("dataset"), labels: labels,
                                     multiLabel: try r.intAttribute("multi_label") != 0, items: items)
        let seed = try r.intAttribute("seed")
        guard let s = UInt32(exactly: seed) else { throw ArtifactError(file: path, object: "seed", "\(seed) is not a 32-bit seed") }
        let short = try r.stringAttribute("shortfalls")
        return LabelTaskSplits(dataset: dataset, sources: sources, mainTest: try set("main_test"),
                               multiLabelTest: try set("multilabel_test"), demos: try set("demos"), train: try set("train"),
                               probeTrain: try set("probe_train"), seed: s, shortfalls: short.isEmpty ? [] : short.components(separatedBy: "; "))
    }

    /// The labels an answer about item `i` names (demonstrations, SFT targets): its majority labels
    /// (share ≥ 0.5), or for a single-label task its most chosen label.
    public func answerLabels(_ i: Int) -> [String] {
        let p = dataset.items[i].proportions
        let shown = dataset.multiLabel ? dataset.labels.indices.filter { p[$0] >= 0.5 } : [p.indices.max { p[$0] < p[$1] }!]
        return shown.map { dataset.labels[$0] }
    }

    /// The items of a named set ("main_test", "multilabel_test", "demos", "train").
    public func indices(of set: String) throws -> [Int] {
        switch set {
        case "main_test": return mainTest
        case "multilabel_test": return multiLabelTest
        case "demos": return demos
        case "train": return train
        case "probe_train": return probeTrain
        default: throw StageError.usage("unknown set '\(set)' (main_test, multilabel_test, demos, train, probe_train)")
        }
    }
}
