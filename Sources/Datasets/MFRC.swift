/// Moral Foundations Reddit Corpus (Trager et al. 2022) with paper A's six foundations.
///
/// Two formats: the vote-count TSV (`ID, text`, then per category the number of annotators who
/// chose it) and the official per-annotation CSV (`text, annotator, annotation, confidence,
/// subreddit, bucket`; `annotation` is a comma-separated list of category names).
/// "Non-Moral" and "Thin Morality" are paper A's "none": they are read and validated but are not
/// among the output labels.
public enum MFRC {
    /// Paper A's six labels (its appendix A.2 order).
    public static let labels = ["care", "proportionality", "equality", "purity", "authority", "loyalty"]
    /// All categories as they are spelled in the files.
    public static let categories = ["Care", "Proportionality", "Equality", "Purity", "Authority", "Loyalty",
                                    "Non-Moral", "Thin Morality"]

    /// Loads `mfrc_vote_counts.tsv`. Each comment had 3 annotators, so proportion = count / 3;
    /// when a row's largest category count exceeds 3 (2 rows in the shipped file have 4) that count
    /// is the denominator instead, as the datasets README prescribes. Counts must be integers >= 0.
    public static func loadVoteCounts(path: String) throws -> LabeledDataset {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: "\t"))
        let cID = try t.column("ID"), cText = try t.column("text")
        let cCats = try categories.map { try t.column($0) }
        var items: [LabeledItem] = []
        items.reserveCapacity(t.rowCount)
        for r in 0..<t.rowCount {
            var counts: [Int] = []
            for c in cCats {
                let v = try t.int(r, c)
                if v < 0 {
                    throw DatasetError.invalidValue(path: path, line: t.line(ofRow: r), column: t.header[c],
                                                    value: String(v), reason: "a vote count must be >= 0")
                }
                counts.append(v)
            }
            let denominator = max(3, counts.max()!)
            let p = (0..<labels.count).map { Double(counts[$0]) / Double(denominator) }
            items.append(LabeledItem(id: t.string(r, cID), text: t.string(r, cText), proportions: p,
                                     annotators: denominator, line: t.line(ofRow: r)))
        }
        return LabeledDataset(name: "mfrc", labels: labels, multiLabel: true, items: items)
    }

    /// Loads the official per-annotation CSV. Rows are grouped by `text` (the release has no comment
    /// id; items get ids "0", "1", ... in order of first appearance); the proportion of a foundation
    /// is the share of the text's annotators whose `annotation` lists it. Category names are matched
    /// case-insensitively; an unknown name, an empty annotation or the same annotator twice on one
    /// text is an error with file:line.
    public static func loadAnnotations(path: String) throws -> LabeledDataset {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: ","))
        let cText = try t.column("text"), cAnnotator = try t.column("annotator"), cAnnotation = try t.column("annotation")
        let known = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1.lowercased(), $0) })
        struct Item { var line: Int; var annotators: Set<String> = []; var votes: [Double] }
        var order: [String] = []
        var byText: [String: Item] = [:]
        for r in 0..<t.rowCount {
            let text = t.string(r, cText), annotator = t.string(r, cAnnotator), annotation = t.string(r, cAnnotation)
            let line = t.line(ofRow: r)
            if byText[text] == nil {
                order.append(text)
                byText[text] = Item(line: line, votes: [Double](repeating: 0, count: labels.count))
            }
            if !byText[text]!.annotators.insert(annotator).inserted {
                throw DatasetError.inconsistent(path: path, line: line,
                    detail: "annotator \(annotator) annotates the text of line \(byText[text]!.line) twice")
            }
            var chosen = Set<Int>()
            for piece in annotation.split(separator: ",") {
                let name = piece.trimmingCharacters(in: .whitespaces).lowercased()
                if name.isEmpty { continue }
                guard let k = known[name] else {
                    throw DatasetError.invalidValue(path: path, line: line, column: "annotation", value: annotation,
                        reason: "unknown category '\(piece.trimmingCharacters(in: .whitespaces))' (known: \(categories.joined(separator: ", ")))")
                }
                chosen.insert(k)
            }
            if chosen.isEmpty {
                throw DatasetError.invalidValue(path: path, line: line, column: "annotation", value: annotation, reason: "no category")
            }
            for k in chosen where k < labels.count { byText[text]!.votes[k] += 1 }
        }
        var items: [LabeledItem] = []
        for (i, text) in order.enumerated() {
            let it = byText[text]!
            let n = Double(it.annotators.count)
            items.append(LabeledItem(id: String(i), text: text, proportions: it.votes.map { $0 / n },
                                     annotators: it.annotators.count, line: it.line))
        }
        return LabeledDataset(name: "mfrc", labels: labels, multiLabel: true, items: items)
    }
}
