import Foundation

/// A tab- or comma-separated file parsed once into field byte ranges (RFC 4180 quoting), with
/// header-driven column lookup and typed field access that reports file:line:column on bad data.
///
/// Why byte ranges: the Provo file is 12 MB with the whole passage repeated on every row; scanning
/// bytes and materialising a `String` only for the fields a loader asks for keeps loading fast.
///
/// Quoting rules (RFC 4180, as Python's csv module writes them): a field that starts with `"` is
/// quoted; inside it separators, tabs and newlines are data and `""` stands for one `"`; after the
/// closing quote only a separator or a line end may follow. A `"` inside an unquoted field is kept
/// as data. Lines may end in `\n` or `\r\n`. A UTF-8 byte-order mark before the header is skipped.
/// Files that are not valid UTF-8 are decoded as ISO-8859-1, which maps every byte (copies of the
/// official Provo CSV are read that way in published code, `encoding="ISO-8859-1"`).
/// Trailing blank lines at the end of the file are ignored; a blank line elsewhere is a row with
/// one empty field and so a field-count error.
public struct DelimitedTable {
    /// The file the table was read from (used in every error message).
    public let path: String
    /// Column names from the first line, in file order.
    public let header: [String]
    /// Number of data rows (the header excluded).
    public private(set) var rowCount: Int = 0

    private let bytes: [UInt8]
    private let isUTF8: Bool
    // Field f of row r is at index r * header.count + f: bytes[start..<end], with `escaped` set when
    // the field contains doubled quotes that must be collapsed on access.
    private var fieldStart: [Int] = []
    private var fieldEnd: [Int] = []
    private var fieldEscaped: [Bool] = []
    private var rowLines: [Int] = []

    /// Reads and parses `path`. `separator` is the field separator byte (tab or comma).
    /// `columns`: names for a file without a header line (every line is then a data row).
    public static func read(path: String, separator: UInt8, columns: [String]? = nil) throws -> DelimitedTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw DatasetError.unreadable(path: path, reason: reason)
        }
        return try DelimitedTable(bytes: [UInt8](data), path: path, separator: separator, columns: columns)
    }

    /// Reads `path`, choosing the separator from the extension: `.csv` ⇒ comma, otherwise tab.
    public static func read(path: String) throws -> DelimitedTable {
        let sep: UInt8 = path.lowercased().hasSuffix(".csv") ? UInt8(ascii: ",") : UInt8(ascii: "\t")
        return try read(path: path, separator: sep)
    }

    /// Parses in-memory file contents; `path` only names the source in errors. `columns` names the
    /// columns of a file without a header line.
    public init(bytes rawBytes: [UInt8], path: String, separator: UInt8, columns: [String]? = nil) throws {
        self.path = path
        var b = rawBytes
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { b.removeFirst(3) }
        self.bytes = b
        self.isUTF8 = String(validating: b, as: UTF8.self) != nil

        var starts: [Int] = [], ends: [Int] = [], escaped: [Bool] = [], lines: [Int] = []
        var headerFields = columns?.count ?? 0
        let firstDataRecord = columns == nil ? 1 : 0
        try b.withUnsafeBufferPointer { buf in
            let n = buf.count
            var pos = 0, line = 1, recordIndex = 0
            let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
            recordLoop: while pos < n {
                // Stop at trailing blank lines.
                if buf[pos] == newline || buf[pos] == cr {
                    var k = pos
                    while k < n && (buf[k] == newline || buf[k] == cr) { k += 1 }
                    if k == n { break recordLoop }
                }
                let recordLine = line
                var fieldsInRecord = 0
                fieldLoop: while true {
                    fieldsInRecord += 1
                    if pos < n && buf[pos] == quote {
                        pos += 1
                        let start = pos
                        var hasEscapes = false
                        var end = -1
                        while pos < n {
                            let c = buf[pos]
                            if c == quote {
                                if pos + 1 < n && buf[pos + 1] == quote { hasEscapes = true; pos += 2; continue }
                                end = pos; pos += 1; break
                            }
                            if c == newline { line += 1 }
                            pos += 1
                        }
                        if end < 0 {
                            throw DatasetError.badQuoting(path: path, line: recordLine,
                                detail: "quoted field \(fieldsInRecord) is never closed")
                        }
                        starts.append(start); ends.append(end); escaped.append(hasEscapes)
                        if pos >= n { break fieldLoop }
                        let c = buf[pos]
                        if c == separator { pos += 1; continue fieldLoop }
                        if c == newline { pos += 1; line += 1; break fieldLoop }
                        if c == cr && (pos + 1 == n || buf[pos + 1] == newline) {
                            pos += (pos + 1 == n) ? 1 : 2; line += 1; break fieldLoop
                        }
                        throw DatasetError.badQuoting(path: path, line: line,
                            detail: "text after the closing quote of field \(fieldsInRecord)")
                    } else {
                        let start = pos
                        while pos < n {
                            let c = buf[pos]
                            if c == separator || c == newline { break }
                            pos += 1
                        }
                        var end = pos
                        let atLineEnd = pos >= n || buf[pos] == newline
                        if atLineEnd && end > start && buf[end - 1] == cr { end -= 1 }
                        starts.append(start); ends.append(end); escaped.append(false)
                        if pos >= n { break fieldLoop }
                        if buf[pos] == separator { pos += 1; continue fieldLoop }
                        pos += 1; line += 1
                        break fieldLoop
                    }
                }
                if recordIndex == 0 && columns == nil {
                    headerFields = fieldsInRecord
                } else {
                    if fieldsInRecord != headerFields {
                        throw DatasetError.wrongFieldCount(path: path, line: recordLine,
                                                           expected: headerFields, found: fieldsInRecord)
                    }
                    lines.append(recordLine)
                }
                recordIndex += 1
            }
        }
        if headerFields == 0 { throw DatasetError.emptyFile(path: path) }
        var names: [String] = columns ?? []
        if columns == nil {
            for f in 0..<headerFields {
                names.append(DelimitedTable.decode(b, starts[f], ends[f], escaped[f], isUTF8))
            }
        }
        let skip = firstDataRecord * headerFields
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw DatasetError.duplicateColumn(path: path, column: name)
        }
        self.header = names
        self.fieldStart = Array(starts[skip...])
        self.fieldEnd = Array(ends[skip...])
        self.fieldEscaped = Array(escaped[skip...])
        self.rowLines = lines
        self.rowCount = lines.count
    }

    private static func decode(_ b: [UInt8], _ start: Int, _ end: Int, _ escaped: Bool, _ utf8: Bool) -> String {
        var slice = Array(b[start..<end])
        if escaped {
            var out: [UInt8] = []
            out.reserveCapacity(slice.count)
            var i = 0
            while i < slice.count {
                out.append(slice[i])
                if slice[i] == UInt8(ascii: "\"") && i + 1 < slice.count && slice[i + 1] == UInt8(ascii: "\"") { i += 1 }
                i += 1
            }
            slice = out
        }
        if utf8 { return String(decoding: slice, as: UTF8.self) }
        // ISO-8859-1: byte value = code point, so this never fails.
        return String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
    }

    /// Index of column `name`; throws `missingColumn` naming the file.
    public func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw DatasetError.missingColumn(path: path, column: name, available: header)
        }
        return i
    }

    /// Whether the header has a column `name`.
    public func hasColumn(_ name: String) -> Bool { header.contains(name) }

    /// The 1-based line of the file on which data row `row` (0-based) starts.
    public func line(ofRow row: Int) -> Int { rowLines[row] }

    /// The text of field (`row`, `column`), quotes removed and doubled quotes collapsed.
    public func string(_ row: Int, _ column: Int) -> String {
        let f = row * header.count + column
        return DelimitedTable.decode(bytes, fieldStart[f], fieldEnd[f], fieldEscaped[f], isUTF8)
    }

    /// Field (`row`, `column`) as an integer. Accepts optional surrounding spaces, a sign, and an
    /// integral decimal such as `40.0` (spreadsheet exports); anything else throws `notNumeric`.
    public func int(_ row: Int, _ column: Int) throws -> Int {
        let f = row * header.count + column
        var s = fieldStart[f], e = fieldEnd[f]
        if !fieldEscaped[f] {
            // Fast path on bytes: [spaces][+|-]digits[spaces]
            while s < e && bytes[s] == 0x20 { s += 1 }
            while e > s && bytes[e - 1] == 0x20 { e -= 1 }
            var i = s, negative = false
            if i < e && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                negative = bytes[i] == UInt8(ascii: "-"); i += 1
            }
            if i < e && e - i <= 18 {
                var value = 0, ok = true
                while i < e {
                    let d = Int(bytes[i]) - 48
                    if d < 0 || d > 9 { ok = false; break }
                    value = value * 10 + d
                    i += 1
                }
                if ok { return negative ? -value : value }
            }
        }
        let text = string(row, column)
        if let d = Double(text.trimmingCharacters(in: .whitespaces)), d.isFinite, d == d.rounded(),
           abs(d) < 9.0e15 {
            return Int(d)
        }
        throw DatasetError.notNumeric(path: path, line: rowLines[row], column: header[column], value: text)
    }

    /// Field (`row`, `column`) as a finite double; throws `notNumeric` otherwise.
    public func double(_ row: Int, _ column: Int) throws -> Double {
        let text = string(row, column)
        if let d = Double(text.trimmingCharacters(in: .whitespaces)), d.isFinite { return d }
        throw DatasetError.notNumeric(path: path, line: rowLines[row], column: header[column], value: text)
    }
}
