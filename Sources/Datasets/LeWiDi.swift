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

/// One row of a Le-Wi-Di `*_annotators.tsv` file.
public struct LeWiDiAnnotators: Equatable {
    /// "<split>/<id>", matching `LabeledItem.id` from `LeWiDi.load`.
    public var id: String
    /// Annotator ids, in the order of the item's `annotations`.
    public var annotators: [String]
    /// The organisers' hard label (0 or 1; ties were broken at random by them).
    public var hardLabel: Int
    /// `other_info_json` as text (HS-Brexit's other annotation layers), not interpreted here.
    public var otherInfoJSON: String

    public init(id: String, annotators: [String], hardLabel: Int, otherInfoJSON: String) {
        self.id = id; self.annotators = annotators; self.hardLabel = hardLabel; self.otherInfoJSON = otherInfoJSON
    }
}

extension LeWiDi {
    /// Loads `HS-Brexit_annotators.tsv` / `MD-Agreement_annotators.tsv` (columns `dataset, split, id,
    /// annotators, hard_label, other_info_json`), optionally one split. `hard_label` must be 0/1 and
    /// the annotator list non-empty; errors name file:line.
    public static func loadAnnotators(path: String, split: String? = nil) throws -> [LeWiDiAnnotators] {
        let t = try DelimitedTable.read(path: path, separator: UInt8(ascii: "\t"))
        let cSplit = try t.column("split"), cID = try t.column("id"), cAnn = try t.column("annotators")
        let cHard = try t.column("hard_label"), cInfo = try t.column("other_info_json")
        var out: [LeWiDiAnnotators] = []
        for r in 0..<t.rowCount {
            let s = t.string(r, cSplit)
            if let split, s != split { continue }
            let names = t.string(r, cAnn).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if names.isEmpty || names.contains("") {
                throw DatasetError.invalidValue(path: path, line: t.line(ofRow: r), column: "annotators",
                                                value: t.string(r, cAnn), reason: "empty annotator id")
            }
            out.append(LeWiDiAnnotators(id: s + "/" + t.string(r, cID), annotators: names,
                                        hardLabel: try binaryField(t, r, cHard), otherInfoJSON: t.string(r, cInfo)))
        }
        return out
    }
}
