import Foundation

/// A rectangular table of strings with a header row, written and read as RFC 4180 CSV
/// (comma separated; a field is quoted when it holds a comma, quote, CR or LF; quotes inside are
/// doubled). Output uses LF line endings (input may use LF or CRLF). Remembers the 1-based file
/// line each record starts on, so consumers can report `file:line` for bad values.
public struct CSVTable: Equatable {
    /// Column names.
    public let header: [String]
    /// Data records, each with `header.count` fields.
    public private(set) var rows: [[String]]
    /// For each record, the line it starts on in the source (0 for rows appended in memory).
    public private(set) var lines: [Int]
    /// Where the table came from (file path or a label), used in error messages.
    public let source: String

    /// An empty table with the given header.
    public init(header: [String], source: String = "<memory>") {
        self.header = header
        self.rows = []
        self.lines = []
        self.source = source
    }

    /// Appends a record; throws if its field count differs from the header's.
    public mutating func append(_ row: [String]) throws {
        guard row.count == header.count else {
            throw PlotsError.badData(context: source,
                                     message: "row \(rows.count + 1) has \(row.count) fields, header has \(header.count)")
        }
        rows.append(row)
        lines.append(0)
    }

    /// Appends a record built by this module with the header's width by construction
    /// (diff, claim and number tables), so no error path is needed.
    mutating func appendFixedWidth(_ row: [String]) {
        assert(row.count == header.count, "internal table built with the wrong width")
        rows.append(row)
        lines.append(0)
    }

    /// Index of the named column; throws naming the source if it is absent.
    public func columnIndex(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw PlotsError.csv(source: source, line: 1, message: "missing column '\(name)' (header: \(header.joined(separator: ",")))")
        }
        return i
    }

    /// The CSV text: header then records, each line ending in LF.
    public func render() -> String {
        var out = ""
        CSVTable.appendRecord(header, to: &out)
        for r in rows { CSVTable.appendRecord(r, to: &out) }
        return out
    }

    /// Writes `render()` to `path` (UTF-8), replacing any existing file.
    public func write(to path: String) throws { try writeText(render(), to: path) }

    /// Quotes one field if RFC 4180 requires it.
    public static func quote(_ field: String) -> String {
        let needs = field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func appendRecord(_ fields: [String], to out: inout String) {
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += quote(f)
        }
        out += "\n"
    }

    /// Reads and parses a CSV file; the first record is the header.
    public static func read(path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlotsError.io(path: path, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PlotsError.io(path: path, message: "not valid UTF-8")
        }
        return try parse(text, source: path)
    }

    /// Parses CSV text; the first record is the header. Every record must have as many fields as
    /// the header. Errors name `source:line`. A final line ending is optional; blank lines are
    /// errors (a blank line is a one-field record, which is almost always a mistake).
    public static func parse(_ text: String, source: String) throws -> CSVTable {
        // Work on unicode scalars: "\r\n" is a single Character in Swift, scalars keep it simple.
        let s = Array(text.unicodeScalars)
        var records: [([String], Int)] = []
        var field = String.UnicodeScalarView()
        var fields: [String] = []
        var line = 1            // current physical line
        var recordLine = 1      // line the current record started on
        var i = 0
        var inRecord = false    // saw anything of the current record
        func endField() { fields.append(String(field)); field = String.UnicodeScalarView() }
        while i < s.count {
            let c = s[i]
            if c == "\"" && field.isEmpty {
                // Quoted field: read to the closing quote, "" is a literal quote.
                let startLine = line
                inRecord = true
                i += 1
                var closed = false
                while i < s.count {
                    let q = s[i]
                    if q == "\"" {
                        if i + 1 < s.count && s[i + 1] == "\"" { field.append("\""); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    if q == "\n" { line += 1 }
                    field.append(q); i += 1
                }
                guard closed else {
                    throw PlotsError.csv(source: source, line: startLine, message: "unterminated quoted field")
                }
                // After a closing quote only a separator or a line end may follow.
                if i < s.count && s[i] != "," && s[i] != "\n" && s[i] != "\r" {
                    throw PlotsError.csv(source: source, line: line, message: "unexpected character after closing quote")
                }
                continue
            }
            if c == "," { inRecord = true; endField(); i += 1; continue }
            if c == "\r" || c == "\n" {
                if c == "\r" {
                    guard i + 1 < s.count, s[i + 1] == "\n" else {
                        throw PlotsError.csv(source: source, line: line, message: "bare CR (only LF or CRLF line endings are accepted)")
                    }
                    i += 1
                }
                endField()
                records.append((fields, recordLine))
                fields = []
                inRecord = false
                line += 1
                recordLine = line
                i += 1
                continue
            }
            if c == "\"" {
                throw PlotsError.csv(source: source, line: line, message: "quote inside an unquoted field")
            }
            inRecord = true
            field.append(c); i += 1
        }
        if inRecord || !field.isEmpty { endField(); records.append((fields, recordLine)) }
        guard let first = records.first else {
            throw PlotsError.csv(source: source, line: 1, message: "empty file (no header)")
        }
        var table = CSVTable(header: first.0, source: source)
        for (fs, ln) in records.dropFirst() {
            guard fs.count == table.header.count else {
                let what = fs == [""] ? "blank line" : "\(fs.count) fields, header has \(table.header.count)"
                throw PlotsError.csv(source: source, line: ln, message: what)
            }
            table.rows.append(fs)
            table.lines.append(ln)
        }
        return table
    }
}
