/// SemEval-2023 Task 11 "Learning With Disagreements" (HS-Brexit, MD-Agreement): binary
/// single-label items with every annotator's label.
public enum LeWiDi {
    /// Loads `HS-Brexit.tsv` / `MD-Agreement.tsv` (columns `dataset, split, id, text, n_annotators,
    /// annotations, soft_label_1`), keeping the rows of `split` ("train", "dev", "test") or all rows
    /// when nil. Labels are ["0", "1"]; proportions = (share of 0s, share of 1s). Item ids are
    /// "<split>/<id>" because ids are unique within a split only. Checks (errors with file:line):
    /// annotations are 0/1, their number equals `n_annotators`, and `soft_label_1` equals the share
    /// of 1s within 1e-5 (the file rounds it to 6 decimals).
    public static func load(path: String, split: String? = nil) throws -> LabeledDataset {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: "\t"))
        let cName = try t.column("dataset"), cSplit = try t.column("split"), cID = try t.column("id")
        let cText = try t.column("text"), cN = try t.column("n_annotators")
        let cAnn = try t.column("annotations"), cSoft = try t.column("soft_label_1")
        var items: [LabeledItem] = []
        var seen = Set<String>()
        var name = ""
        for r in 0..<t.rowCount {
            let s = t.string(r, cSplit)
            if let split, s != split { continue }
            let line = t.line(ofRow: r)
            if name.isEmpty { name = t.string(r, cName) }
            let field = t.string(r, cAnn)
            var ones = 0, count = 0
            for piece in field.split(separator: ",", omittingEmptySubsequences: false) {
                switch piece.trimmingCharacters(in: .whitespaces) {
                case "0": count += 1
                case "1": count += 1; ones += 1
                default:
                    throw DatasetError.invalidValue(path: path, line: line, column: "annotations", value: field,
                                                    reason: "labels must be 0 or 1")
                }
            }
            let n = try t.int(r, cN)
            if n != count {
                throw DatasetError.inconsistent(path: path, line: line, detail: "n_annotators is \(n) but annotations has \(count) labels")
            }
            let share = Double(ones) / Double(count)
            let soft = try t.double(r, cSoft)
            if abs(soft - share) > 1e-5 {
                throw DatasetError.inconsistent(path: path, line: line, detail: "soft_label_1 \(soft) != share of 1s \(share)")
            }
            let id = s + "/" + t.string(r, cID)
            if !seen.insert(id).inserted {
                throw DatasetError.inconsistent(path: path, line: line, detail: "duplicate id \(id)")
            }
            items.append(LabeledItem(id: id, text: t.string(r, cText), proportions: [1 - share, share],
                                     annotators: count, line: line))
        }
        return LabeledDataset(name: name.isEmpty ? "lewidi" : name, labels: ["0", "1"], multiLabel: false, items: items)
    }
}
