/// One text with human label proportions (paper A's empirical human distribution, its eq. 1).
public struct LabeledItem: Equatable {
    /// The item id (unique within the dataset as loaded).
    public var id: String
    /// The text to classify.
    public var text: String
    /// Per label (in `LabeledDataset.labels` order): the share of annotators who chose it. For
    /// datasets that only ship aggregate labels these are 0 or 1.
    public var proportions: [Double]
    /// How many annotators the proportions come from; nil for aggregate-only labels.
    public var annotators: Int?
    /// 1-based line of the item's (first) row in its file.
    public var line: Int

    public init(id: String, text: String, proportions: [Double], annotators: Int?, line: Int) {
        self.id = id; self.text = text; self.proportions = proportions; self.annotators = annotators; self.line = line
    }
}

/// A classification dataset with per-label human proportions.
public struct LabeledDataset: Equatable {
    /// Dataset name (e.g. "goemotions").
    public var name: String
    /// Label names, in the order of `LabeledItem.proportions`.
    public var labels: [String]
    /// True for multi-label tasks (labels are independent Bernoulli events), false when the
    /// proportions form one categorical distribution (they sum to 1).
    public var multiLabel: Bool
    /// Items in file order.
    public var items: [LabeledItem]

    public init(name: String, labels: [String], multiLabel: Bool, items: [LabeledItem]) {
        self.name = name; self.labels = labels; self.multiLabel = multiLabel; self.items = items
    }
}

/// Reads a 0/1 field; anything else is an `invalidValue` error naming file:line:column.
func binaryField(_ t: DelimitedTable, _ row: Int, _ column: Int) throws -> Int {
    let v = try t.int(row, column)
    if v != 0 && v != 1 {
        throw DatasetError.invalidValue(path: t.path, line: t.line(ofRow: row), column: t.header[column],
                                        value: t.string(row, column), reason: "expected 0 or 1")
    }
    return v
}

/// Reads a boolean field written as 0/1 or True/False (any case); other values are errors.
func booleanField(_ t: DelimitedTable, _ row: Int, _ column: Int) throws -> Bool {
    switch t.string(row, column).trimmingCharacters(in: .whitespaces).lowercased() {
    case "1", "true": return true
    case "0", "false": return false
    default:
        throw DatasetError.invalidValue(path: t.path, line: t.line(ofRow: row), column: t.header[column],
                                        value: t.string(row, column), reason: "expected 0/1 or True/False")
    }
}
