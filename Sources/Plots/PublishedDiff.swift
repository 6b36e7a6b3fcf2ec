import Foundation

/// One cell present both in our numbers and in the paper's.
public struct DiffRow: Equatable {
    public var key: CellKey
    public var ours: Double
    public var oursSD: Double?
    public var published: Double
    public var publishedSD: Double?
    /// ours - published.
    public var delta: Double
    /// Whether |delta| <= sqrt(oursSD² + publishedSD²) (a missing SD counts as 0);
    /// nil when neither side has an SD, since then nothing says what "close" means.
    public var withinSD: Bool?
}

/// Our numbers against the published ones: matched cells, plus the cells only one side has.
public struct PublishedDiff {
    /// Matched cells, in published-file order.
    public var rows: [DiffRow]
    /// Published cells we have no number for, in published-file order.
    public var missingOurs: [CellKey]
    /// Our cells the paper has no number for, in our order (figure-only cells, our extras).
    public var missingPublished: [CellKey]

    public init(rows: [DiffRow], missingOurs: [CellKey], missingPublished: [CellKey]) {
        self.rows = rows; self.missingOurs = missingOurs; self.missingPublished = missingPublished
    }

    /// Matched cells as CSV: `paper,table,row,column,ours,ours_sd,published,published_sd,delta,within_sd`
    /// (`within_sd` is `yes`, `no` or empty when no SD is known).
    public func csv(digits: Int = 4) -> CSVTable {
        var t = CSVTable(header: ["paper", "table", "row", "column", "ours", "ours_sd", "published", "published_sd", "delta", "within_sd"])
        for r in rows {
            let f = { (x: Double?) in x.map { formatFixed($0, digits: digits) } ?? "" }
            let w = r.withinSD.map { $0 ? "yes" : "no" } ?? ""
            t.appendFixedWidth([r.key.paper, r.key.table, r.key.row, r.key.column, f(r.ours), f(r.oursSD),
                           f(r.published), f(r.publishedSD), f(r.delta), w])
        }
        return t
    }

    /// Unmatched cells as CSV: `paper,table,row,column,missing_in` with `missing_in` = `ours` or `published`.
    public func missingCSV() -> CSVTable {
        var t = CSVTable(header: ["paper", "table", "row", "column", "missing_in"])
        for k in missingOurs { t.appendFixedWidth([k.paper, k.table, k.row, k.column, "ours"]) }
        for k in missingPublished { t.appendFixedWidth([k.paper, k.table, k.row, k.column, "published"]) }
        return t
    }
}

/// Diffs our numbers against the published table. Our cells are first renamed with `mapping`
/// (our model/dataset labels -> the paper's); two of our cells landing on the same key is an
/// error (the mapping or our report is wrong), as is a non-finite value or SD of ours.
public func diffAgainstPublished(ours: [NumberCell], published: PublishedTable,
                                 mapping: LabelMapping? = nil) throws -> PublishedDiff {
    let mapped = ours.map { mapping?.apply($0) ?? $0 }
    for o in ours {
        guard o.value.isFinite, o.sd.map({ $0.isFinite && $0 >= 0 }) ?? true else {
            throw PlotsError.badData(context: "our numbers", message: "cell \(o.key) has value \(o.value), sd \(o.sd.map { "\($0)" } ?? "none")")
        }
    }
    let oursTable = try PublishedTable(cells: mapped, context: "our numbers (after label mapping)")
    var rows: [DiffRow] = []
    var missingOurs: [CellKey] = []
    for p in published.cells {
        guard let o = oursTable[p.key] else { missingOurs.append(p.key); continue }
        let delta = o.value - p.value
        var within: Bool? = nil
        if o.sd != nil || p.sd != nil {
            let a = o.sd ?? 0, b = p.sd ?? 0
            within = abs(delta) <= (a * a + b * b).squareRoot()
        }
        rows.append(DiffRow(key: p.key, ours: o.value, oursSD: o.sd, published: p.value, publishedSD: p.sd,
                            delta: delta, withinSD: within))
    }
    let missingPublished = oursTable.cells.filter { published[$0.key] == nil }.map(\.key)
    return PublishedDiff(rows: rows, missingOurs: missingOurs, missingPublished: missingPublished)
}
