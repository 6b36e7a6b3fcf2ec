import Foundation

/// Every error the Plots module throws. Each case names where the problem is (file and line for
/// input files, the chart and series for chart data) so the user can fix the input.
public enum PlotsError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A CSV file (or text) could not be parsed or holds a bad field; `line` is 1-based.
    case csv(source: String, line: Int, message: String)
    /// A claim's arguments could not be parsed.
    case claimSyntax(source: String, line: Int, claimID: String, message: String)
    /// Chart or statistics input that cannot be drawn or computed (empty, non-finite, mismatched).
    case badData(context: String, message: String)
    /// Two numbers were given for the same table cell.
    case duplicateCell(context: String, cell: String)
    /// Reading or writing a file failed.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case let .csv(source, line, message): return "\(source):\(line): \(message)"
        case let .claimSyntax(source, line, claimID, message):
            return "\(source):\(line): claim \(claimID): \(message)"
        case let .badData(context, message): return "\(context): \(message)"
        case let .duplicateCell(context, cell): return "\(context): cell \(cell) given twice"
        case let .io(path, message): return "\(path): \(message)"
        }
    }

    public var errorDescription: String? { description }
}
