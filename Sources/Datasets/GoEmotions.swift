import Foundation

/// GoEmotions (Demszky et al. 2020): Reddit comments with 27 emotions + neutral.
///
/// Two formats: the aggregated split files (`text \t label ids \t comment id`, no header, label ids
/// into `labels.txt`; a label is kept when at least two raters chose it) and the per-rater release
/// (`goemotions_1..3.csv`: one row per (comment, rater) with `id`, `text`, `rater_id`,
/// `example_very_unclear` and one 0/1 column per emotion name).
/// Paper A pools the 27 emotions into 7 clusters (`clusters`); neutral becomes "none", i.e. no
/// cluster. A rater (or an aggregate label set) selects a cluster when it selects any member.
public enum GoEmotions {
    /// Paper A's seven clusters (names in its appendix A.2 order) and their member emotions.
    public static let clusters: [(name: String, members: [String])] = [
        ("admiration", ["pride", "admiration", "gratitude", "relief", "approval", "realization"]),
        ("anger", ["anger", "disgust", "annoyance", "disapproval"]),
        ("fear", ["fear", "nervousness"]),
        ("joy", ["amusement", "excitement", "joy", "love"]),
        ("optimism", ["desire", "optimism", "caring"]),
        ("sadness", ["remorse", "embarrassment", "disappointment", "sadness", "grief"]),
        ("surprise", ["surprise", "confusion", "curiosity"]),
    ]

    /// Reads `labels.txt`: one label name per line, in id order (trailing blank lines ignored).
    public static func labelNames(path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "no such file or not readable")
        }
        var names = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        while names.last == "" { names.removeLast() }
        if names.isEmpty { throw DatasetError.emptyFile(path: path) }
        var seen = Set<String>()
        for (i, n) in names.enumerated() {
            if n.isEmpty { throw DatasetError.invalidValue(path: path, line: i + 1, column: "label", value: "", reason: "empty label name") }
            if !seen.insert(n).inserted { throw DatasetError.invalidValue(path: path, line: i + 1, column: "label", value: n, reason: "duplicate label name") }
        }
        return names
    }

    /// For each cluster, the indices of its members in `labelNames`; throws if one is missing.
    private static func clusterIndices(_ labelNames: [String], source: String) throws -> [[Int]] {
        try clusters.map { c in
            try c.members.map { m in
                guard let i = labelNames.firstIndex(of: m) else {
                    throw DatasetError.missingColumn(path: source, column: m, available: labelNames)
                }
                return i
            }
        }
    }

    /// Loads an aggregated split file. With `pooled`, the labels are the 7 clusters (a cluster is 1
    /// when any member label is present), else the names from `labels.txt`. Proportions are 0/1 and
    /// `annotators` nil. Label ids must be integers in range; an empty label field is an error.
    public static func loadAggregated(path: String, labelNames: [String], pooled: Bool) throws -> LabeledDataset {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: "\t"), columns: ["text", "labels", "id"])
        let groups = try pooled ? clusterIndices(labelNames, source: path) : labelNames.indices.map { [$0] }
        var items: [LabeledItem] = []
        items.reserveCapacity(t.rowCount)
        for r in 0..<t.rowCount {
            let field = t.string(r, 1)
            var chosen = [Bool](repeating: false, count: labelNames.count)
            for piece in field.split(separator: ",", omittingEmptySubsequences: false) {
                guard let id = Int(piece.trimmingCharacters(in: .whitespaces)), id >= 0, id < labelNames.count else {
                    throw DatasetError.invalidValue(path: path, line: t.line(ofRow: r), column: "labels", value: field,
                                                    reason: "label ids must be integers in 0..<\(labelNames.count)")
                }
                chosen[id] = true
            }
            let p = groups.map { g in g.contains { chosen[$0] } ? 1.0 : 0.0 }
            items.append(LabeledItem(id: t.string(r, 2), text: t.string(r, 0), proportions: p, annotators: nil,
                                     line: t.line(ofRow: r)))
        }
        return LabeledDataset(name: "goemotions", labels: pooled ? clusters.map(\.name) : labelNames,
                              multiLabel: true, items: items)
    }

    /// The 27 emotions and neutral, in the order of the official `labels.txt`.
    public static let emotionNames = [
        "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
        "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
        "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
        "remorse", "sadness", "surprise", "neutral",
    ]

    /// Loads the per-rater CSVs (`goemotions_1.csv` ... `goemotions_3.csv`) and returns one item per
    /// comment id (in order of first appearance) with, per label, the share of its raters who chose
    /// it. Rows flagged `example_very_unclear` carry no labels and are not counted as raters; a
    /// comment whose rows are all unclear is dropped (the count is in `droppedUnclear`).
    /// Columns must include `id`, `text`, `rater_id`, `example_very_unclear` and every emotion name.
    /// The same rater twice on one comment, or one id with different texts, is an error.
    public static func loadRaters(paths: [String], pooled: Bool) throws -> (dataset: LabeledDataset, droppedUnclear: Int) {
        let groups = try pooled ? clusterIndices(emotionNames, source: "GoEmotions clusters") : emotionNames.indices.map { [$0] }
        struct Comment { var text: String; var path: String; var line: Int; var raters: Set<String> = []; var votes: [Double]; var clearRaters = 0 }
        var order: [String] = []
        var comments: [String: Comment] = [:]
        for path in paths {
            let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: ","))
            let cID = try t.column("id"), cText = try t.column("text"), cRater = try t.column("rater_id")
            let cUnclear = try t.column("example_very_unclear")
            let cEmotions = try emotionNames.map { try t.column($0) }
            for r in 0..<t.rowCount {
                let id = t.string(r, cID), text = t.string(r, cText), rater = t.string(r, cRater)
                let line = t.line(ofRow: r)
                if comments[id] == nil {
                    order.append(id)
                    comments[id] = Comment(text: text, path: path, line: line, votes: [Double](repeating: 0, count: groups.count))
                }
                if comments[id]!.text != text {
                    throw DatasetError.inconsistent(path: path, line: line,
                        detail: "comment \(id) has a different text than at \(comments[id]!.path):\(comments[id]!.line)")
                }
                if !comments[id]!.raters.insert(rater).inserted {
                    throw DatasetError.inconsistent(path: path, line: line, detail: "rater \(rater) rates comment \(id) twice")
                }
                let chosen = try cEmotions.map { try binaryField(t, r, $0) == 1 }
                if try booleanField(t, r, cUnclear) {
                    if chosen.contains(true) {
                        throw DatasetError.inconsistent(path: path, line: line, detail: "row is marked example_very_unclear but has labels")
                    }
                    continue
                }
                comments[id]!.clearRaters += 1
                for (g, members) in groups.enumerated() where members.contains(where: { chosen[$0] }) {
                    comments[id]!.votes[g] += 1
                }
            }
        }
        var items: [LabeledItem] = []
        var dropped = 0
        for id in order {
            let c = comments[id]!
            if c.clearRaters == 0 { dropped += 1; continue }
            items.append(LabeledItem(id: id, text: c.text, proportions: c.votes.map { $0 / Double(c.clearRaters) },
                                     annotators: c.clearRaters, line: c.line))
        }
        let labels = pooled ? clusters.map(\.name) : emotionNames
        return (LabeledDataset(name: "goemotions", labels: labels, multiLabel: true, items: items), dropped)
    }
}
