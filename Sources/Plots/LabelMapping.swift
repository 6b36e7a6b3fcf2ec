import Foundation

/// Renames our model and dataset labels to the paper's (data/published/mapping.csv:
/// `paper,table,ours,published,note`, `table` = a table id or `*`). A label is matched whole,
/// per `/`-separated component of a row or column: with the entry
/// `B,*,Gemma-3-270M,GPT-2`, our cell `B/1/Base/Gemma-3-270M` becomes `B/1/Base/GPT-2` and
/// `B/F4/FT (Mul. labels)/Gemma-3-270M/slope` becomes `.../GPT-2/slope`.
/// A table-specific entry wins over a `*` entry; unmatched components pass through unchanged.
public struct LabelMapping {
    public struct Entry: Equatable {
        public var paper: String
        public var table: String
        public var ours: String
        public var published: String
        public init(paper: String, table: String, ours: String, published: String) {
            self.paper = paper; self.table = table; self.ours = ours; self.published = published
        }
    }

    public private(set) var entries: [Entry]
    private var lookup: [String: String]   // "paper\u{1}table\u{1}ours" -> published

    /// A mapping of the given entries; throws if one (paper, table, ours) maps to two labels.
    public init(entries: [Entry], context: String = "<memory>") throws {
        self.entries = []
        self.lookup = [:]
        for e in entries {
            let k = LabelMapping.key(e.paper, e.table, e.ours)
            if let prev = lookup[k], prev != e.published {
                throw PlotsError.badData(context: context, message: "label '\(e.ours)' (paper \(e.paper), table \(e.table)) maps to both '\(prev)' and '\(e.published)'")
            }
            lookup[k] = e.published
            self.entries.append(e)
        }
    }

    private static func key(_ p: String, _ t: String, _ o: String) -> String { p + "\u{1}" + t + "\u{1}" + o }

    /// Reads mapping.csv.
    public static func load(path: String) throws -> LabelMapping {
        let csv = try CSVTable.read(path: path)
        let want = ["paper", "table", "ours", "published", "note"]
        guard csv.header == want else {
            throw PlotsError.csv(source: path, line: 1, message: "header must be \(want.joined(separator: ","))")
        }
        var es: [Entry] = []
        for (r, line) in zip(csv.rows, csv.lines) {
            if r[0].isEmpty || r[1].isEmpty || r[2].isEmpty || r[3].isEmpty {
                throw PlotsError.csv(source: path, line: line, message: "paper, table, ours and published must be non-empty")
            }
            if r[2].contains("/") || r[3].contains("/") {
                throw PlotsError.csv(source: path, line: line, message: "labels are matched per '/'-component and must not contain '/'")
            }
            es.append(Entry(paper: r[0], table: r[1], ours: r[2], published: r[3]))
        }
        return try LabelMapping(entries: es, context: path)
    }

    /// The paper's label for one of our label components in (paper, table).
    public func map(_ label: String, paper: String, table: String) -> String {
        lookup[LabelMapping.key(paper, table, label)] ?? lookup[LabelMapping.key(paper, "*", label)] ?? label
    }

    private func mapPath(_ s: String, paper: String, table: String) -> String {
        s.split(separator: "/", omittingEmptySubsequences: false)
            .map { map(String($0), paper: paper, table: table) }
            .joined(separator: "/")
    }

    /// The key with our labels replaced by the paper's.
    public func apply(_ key: CellKey) -> CellKey {
        CellKey(paper: key.paper, table: key.table,
                row: mapPath(key.row, paper: key.paper, table: key.table),
                column: mapPath(key.column, paper: key.paper, table: key.table))
    }

    /// The cell with our labels replaced by the paper's.
    public func apply(_ cell: NumberCell) -> NumberCell {
        var c = cell
        c.key = apply(cell.key)
        return c
    }
}
