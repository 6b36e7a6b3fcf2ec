import Foundation

/// A tokenizer file (GGUF vocabulary or `tokenizer.json`) that cannot be used, or a chat
/// template that is not supported. The message names the file and the offending field.
public struct TokenizerError: Error, CustomStringConvertible, LocalizedError {
    /// The file the problem was found in (or a short description of the source).
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
    public var errorDescription: String? { description }
}
