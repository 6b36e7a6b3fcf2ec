import Foundation

/// Where this module's tests find the default models: env DISTLAB_MODELS_DIR (`make test` sets
/// it), else `models/` at the package root (where `make models` fetches them).
enum TestModels {
    static let dir = ProcessInfo.processInfo.environment["DISTLAB_MODELS_DIR"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models").path
}
