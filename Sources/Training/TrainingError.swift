import Foundation

/// A bad input to a training routine: names what was wrong (tensor, target row, word index…).
public struct TrainingError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "training: \(message)" }
    public var errorDescription: String? { description }
}
