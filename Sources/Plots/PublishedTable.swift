import Foundation

/// Address of one table cell: `paper/table/row/column` with the paper's own labels
/// (see data/published/README.md). Row labels never contain `/`; column labels may
/// (`GoEmotions/NLL`), so a path splits at its first three `/`.
public struct CellKey: Hashable, Comparable, CustomStringConvertible {
    public var paper: String
    public var table: String
    public var row: String
    public var column: String

    public init(paper: String, table: String, row: String, column: String) {
        self.paper = paper; self.table = table; self.row = row; self.column = column
    }

    /// Parses `paper/table/row/column`; nil if it has fewer than four non-empty parts.
    public init?(path: String) {
        let parts = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, !parts.contains(where: { $0.isEmpty }) else { return nil }
        self.init(paper: parts[0], table: parts[1], row: parts[2], column: parts[3])
    }

    public var description: String { "\(paper)/\(table)/\(row)/\(column)" }

    public static func < (a: CellKey, b: CellKey) -> Bool {
        (a.paper, a.table, a.row, a.column) < (b.paper, b.table, b.row, b.column)
    }
}

/// One number of a results table: ours or published. `sd` is the ± spread when known.
public struct NumberCell: Equatable {
    public var key: CellKey
    public var value: Double
    public var sd: Double?
    public var note: String

    public init(key: CellKey, value: Double, sd: Double? = nil, note: String = "") {
        self.key = key; self.value = value; self.sd = sd; self.note = note
    }

    public init(paper: String, table: String, row: String, column: String, value: Double, sd: Double? = nil, note: String = "") {
        self.init(key: CellKey(paper: paper, table: table, row: row, column: column), value: value, sd: sd, note: note)
    }
}

/// The header of published-number files (and of our own numbers written for the diff).
public let numberCSVHeader = ["paper", "table", "row", "column", "value", "sd", "note"]

/// A set of numbers keyed by cell, in file order: the papers' published tables, or ours.
/// Loading validates every field and names `file:line` on error; a cell given twice is an error.
public struct PublishedTable {
    /// Cells in the order they were read.
    public private(set) var cells: [NumberCell]
    private var index: [CellKey: Int]

    /// A table of the given cells; throws if a cell appears twice.
    public init(cells: [NumberCell], context: String = "<memory>") throws {
        self.cells = []
        self.index = [:]
        for c in cells { try add(c, context: context) }
    }

    private mutating func add(_ c: NumberCell, context: String) throws {
        if index[c.key] != nil { throw PlotsError.duplicateCell(context: context, cell: c.key.description) }
        index[c.key] = cells.count
        cells.append(c)
    }

    /// The number at `key`, if present.
    public subscript(key: CellKey) -> NumberCell? {
        guard let i = index[key] else { return nil }
        return cells[i]
    }

    /// Cells of one paper and table, in file order.
    public func cells(paper: String, table: String) -> [NumberCell] {
        cells.filter { $0.key.paper == paper && $0.key.table == table }
    }

    /// Parses a number CSV (`paper,table,row,column,value,sd,note`).
    public static func parse(_ csv: CSVTable) throws -> PublishedTable {
        guard csv.header == numberCSVHeader else {
            throw PlotsError.csv(source: csv.source, line: 1,
                                 message: "header must be \(numberCSVHeader.joined(separator: ",")), got \(csv.header.joined(separator: ","))")
        }
        var t = try PublishedTable(cells: [])
        for (r, line) in zip(csv.rows, csv.lines) {
            func fail(_ m: String) -> PlotsError { PlotsError.csv(source: csv.source, line: line, message: m) }
            for (name, f) in zip(numberCSVHeader[0..<4], r[0..<4]) where f.isEmpty || f != f.trimmingCharacters(in: .whitespaces) {
                throw fail("field '\(name)' is empty or has surrounding spaces: '\(f)'")
            }
            if r[2].contains("/") { throw fail("row label '\(r[2])' contains '/', which would make cell paths ambiguous") }
            guard let v = Double(r[4]), v.isFinite else { throw fail("value '\(r[4])' is not a finite number") }
            var sd: Double? = nil
            if !r[5].isEmpty {
                guard let s = Double(r[5]), s.isFinite, s >= 0 else { throw fail("sd '\(r[5])' is not a finite number >= 0") }
                sd = s
            }
            let cell = NumberCell(paper: r[0], table: r[1], row: r[2], column: r[3], value: v, sd: sd, note: r[6])
            if let prev = t.index[cell.key] {
                throw fail("cell \(cell.key) already given on line \(csv.lines[prev])")
            }
            try t.add(cell, context: csv.source)
        }
        return t
    }

    /// Reads one number CSV file.
    public static func load(path: String) throws -> PublishedTable {
        try parse(try CSVTable.read(path: path))
    }

    /// Reads every `paper*.csv` in `directory` (sorted by name) into one table.
    public static func loadDirectory(_ directory: String) throws -> PublishedTable {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw PlotsError.io(path: directory, message: "cannot list directory: \(error.localizedDescription)")
        }
        let files = names.filter { $0.hasPrefix("paper") && $0.hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else { throw PlotsError.io(path: directory, message: "no paper*.csv files") }
        var all = try PublishedTable(cells: [])
        for f in files {
            let path = (directory as NSString).appendingPathComponent(f)
            for c in try load(path: path).cells { try all.add(c, context: path) }
        }
        return all
    }

    /// The cells as a number CSV (same schema as the published files; values with `digits` decimals).
    public func csv(digits: Int = 4) -> CSVTable {
        var t = CSVTable(header: numberCSVHeader)
        for c in cells {
            // Appending a row of the header's width cannot fail.
            t.appendFixedWidth([c.key.paper, c.key.table, c.key.row, c.key.column, formatFixed(c.value, digits: digits),
                           c.sd.map { formatFixed($0, digits: digits) } ?? "", c.note])
        }
        return t
    }
}
