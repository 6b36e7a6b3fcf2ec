import Foundation

/// Why a metric could not be computed. Thrown instead of returning NaN or trapping.
public enum MetricsError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A distribution or sample that must be non-empty is empty (`what` says which).
    case empty(what: String)
    /// Too few values for the statistic (e.g. a sample SD of one value).
    case tooFewValues(what: String, needed: Int, found: Int)
    /// Two vectors that must have the same length do not.
    case lengthMismatch(what: String, left: Int, right: Int)
    /// A probability outside [0, 1] or not finite, at `index`.
    case invalidProbability(what: String, index: Int, value: Double)
    /// A count that must be positive is not.
    case invalidCount(word: String, count: Int)
    /// A parameter outside its valid range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .empty(what): return "\(what) is empty"
        case let .tooFewValues(what, needed, found): return "\(what): needs at least \(needed) values, got \(found)"
        case let .lengthMismatch(what, l, r): return "\(what): lengths differ (\(l) vs \(r))"
        case let .invalidProbability(what, i, v): return "\(what): entry \(i) = \(v) is not a probability in [0, 1]"
        case let .invalidCount(word, c): return "count of '\(word)' is \(c), must be > 0"
        case let .invalidArgument(s): return s
        }
    }

    public var errorDescription: String? { description }
}
