/// SemEval-2018 Task 1 E-c (English): tweets with 11 binary emotion labels (aggregate only).
public enum SemEvalEc {
    /// Paper A's eleven labels, in the file's column order.
    public static let labels = ["anger", "anticipation", "disgust", "fear", "joy", "love", "optimism",
                                "pessimism", "sadness", "surprise", "trust"]

    /// Loads `2018-E-c-En-{train,dev,test-gold}.txt` (tab-separated `ID, Tweet, <11 labels>`).
    /// Label values must be 0 or 1; proportions are those 0/1 values, `annotators` is nil.
    public static func load(path: String) throws -> LabeledDataset {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: "\t"))
        let cID = try t.column("ID"), cText = try t.column("Tweet")
        let cLabels = try labels.map { try t.column($0) }
        var items: [LabeledItem] = []
        items.reserveCapacity(t.rowCount)
        for r in 0..<t.rowCount {
            let p = try cLabels.map { Double(try binaryField(t, r, $0)) }
            items.append(LabeledItem(id: t.string(r, cID), text: t.string(r, cText), proportions: p,
                                     annotators: nil, line: t.line(ofRow: r)))
        }
        return LabeledDataset(name: "semeval2018_ec", labels: labels, multiLabel: true, items: items)
    }
}
