import Artifacts

/// One number of a paper's table as we measured it, in the paper's cell scheme
/// (`paper/table/row/column`, our own model and dataset labels; `report` maps them to the paper's).
public struct SummaryRow: Equatable, Sendable {
    public var paper: String
    public var table: String
    public var row: String
    public var column: String
    public var value: Double
    /// Spread over seeds (population SD, as paper B), nil when there is one run.
    public var sd: Double?
    /// Bootstrap 95% CI over items, when computed.
    public var ciLower: Double?
    public var ciUpper: Double?
    /// Number of items the value averages over.
    public var n: Int

    public init(paper: String, table: String, row: String, column: String, value: Double, sd: Double? = nil,
                ciLower: Double? = nil, ciUpper: Double? = nil, n: Int) {
        self.paper = paper; self.table = table; self.row = row; self.column = column
        self.value = value; self.sd = sd; self.ciLower = ciLower; self.ciUpper = ciUpper; self.n = n
    }
}

/// `evaluate` artifacts carry their table numbers in a `/summary` group of parallel columns, so
/// `report` can gather every number without knowing which evaluation produced it:
///
///     /summary/paper, table, row, column   str     [K]
///     /summary/value, sd, ci_lower, ci_upper float64 [K]  (NaN = not available)
///     /summary/n                            int64   [K]
public enum SummaryTable {
    public static func write(_ rows: [SummaryRow], to w: ArtifactWriter) throws {
        let k = rows.count
        try w.writeStrings(rows.map(\.paper), at: "summary/paper")
        try w.writeStrings(rows.map(\.table), at: "summary/table")
        try w.writeStrings(rows.map(\.row), at: "summary/row")
        try w.writeStrings(rows.map(\.column), at: "summary/column")
        try w.write(rows.map(\.value), shape: [k], at: "summary/value")
        try w.write(rows.map { $0.sd ?? .nan }, shape: [k], at: "summary/sd")
        try w.write(rows.map { $0.ciLower ?? .nan }, shape: [k], at: "summary/ci_lower")
        try w.write(rows.map { $0.ciUpper ?? .nan }, shape: [k], at: "summary/ci_upper")
        try w.write(rows.map { Int64($0.n) }, shape: [k], at: "summary/n")
    }

    /// The summary rows of an artifact; empty if it has no `/summary` group.
    public static func read(from r: ArtifactReader) throws -> [SummaryRow] {
        guard r.contains("summary") else { return [] }
        let paper = try r.readStrings("summary/paper")
        let k = paper.count
        let table = try r.readStrings("summary/table"), row = try r.readStrings("summary/row")
        let column = try r.readStrings("summary/column")
        guard table.count == k, row.count == k, column.count == k else {
            throw ArtifactError(file: r.path, object: "summary", "label columns differ in length")
        }
        let value = try r.read(Double.self, "summary/value", shape: [k]).values
        let sd = try r.read(Double.self, "summary/sd", shape: [k]).values
        let lo = try r.read(Double.self, "summary/ci_lower", shape: [k]).values
        let hi = try r.read(Double.self, "summary/ci_upper", shape: [k]).values
        let n = try r.read(Int64.self, "summary/n", shape: [k]).values
        func opt(_ x: Double) -> Double? { x.isNaN ? nil : x }
        return (0..<k).map { i in
            SummaryRow(paper: paper[i], table: table[i], row: row[i], column: column[i], value: value[i],
                       sd: opt(sd[i]), ciLower: opt(lo[i]), ciUpper: opt(hi[i]), n: Int(n[i]))
        }
    }
}
