import Foundation

/// Every way a raw data file can be rejected. Each case names the file and, where there is one,
/// the 1-based line (of the row's first physical line), the column and the offending value.
public enum DatasetError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file has no header line.
    case emptyFile(path: String)
    /// A column the loader needs is not in the header.
    case missingColumn(path: String, column: String, available: [String])
    /// The same column name appears twice in the header.
    case duplicateColumn(path: String, column: String)
    /// A row has a different number of fields than the header.
    case wrongFieldCount(path: String, line: Int, expected: Int, found: Int)
    /// RFC-4180 quoting is broken (text after a closing quote, or a quote never closed).
    case badQuoting(path: String, line: Int, detail: String)
    /// A field that must be a number is not one.
    case notNumeric(path: String, line: Int, column: String, value: String)
    /// A field is well-formed but its value is not allowed (e.g. a count <= 0, an unknown label).
    case invalidValue(path: String, line: Int, column: String, value: String, reason: String)
    /// Rows that must agree (same context, same passage) disagree.
    case inconsistent(path: String, line: Int, detail: String)
    /// A JSON file has the wrong structure.
    case badJSON(path: String, detail: String)
    /// A parameter given to a dataset operation is out of range (no file involved).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read file: \(reason)"
        case let .emptyFile(path): return "\(path): file is empty (no header line)"
        case let .missingColumn(path, column, available):
            return "\(path): missing column '\(column)' (header has: \(available.joined(separator: ", ")))"
        case let .duplicateColumn(path, column): return "\(path): column '\(column)' appears twice in the header"
        case let .wrongFieldCount(path, line, expected, found):
            return "\(path):\(line): malformed row: \(found) fields, header has \(expected)"
        case let .badQuoting(path, line, detail): return "\(path):\(line): malformed quoting: \(detail)"
        case let .notNumeric(path, line, column, value):
            return "\(path):\(line): column '\(column)': expected a number, found '\(value)'"
        case let .invalidValue(path, line, column, value, reason):
            return "\(path):\(line): column '\(column)': invalid value '\(value)': \(reason)"
        case let .inconsistent(path, line, detail): return "\(path):\(line): \(detail)"
        case let .badJSON(path, detail): return "\(path): \(detail)"
        case let .invalidArgument(detail): return detail
        }
    }

    public var errorDescription: String? { description }
}
