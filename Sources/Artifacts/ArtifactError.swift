import Foundation

/// An error reading or writing an artifact. The description always names the file and,
/// where there is one, the dataset/attribute, and says what was expected vs found, e.g.
/// `results/a.h5: dataset 'case_0/logits': expected float32, found int64`.
public struct ArtifactError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The artifact file (the final destination for writers, not the temp file).
    public let file: String
    /// The dataset, group or attribute concerned ("" when the whole file is concerned).
    public let object: String
    /// What went wrong.
    public let message: String

    public init(file: String, object: String = "", _ message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String {
        object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)"
    }

    public var errorDescription: String? { description }
}
