import Foundation

/// Where the tests find what lives outside the repository, for every test target: the default
/// models, the shared reference files and the raw datasets. Each is an environment variable that
/// the Makefile exports from its own setting (MODELS_DIR, REFERENCE_DIR, DATASETS_DIR), so
/// `make test` and a bare `swift test` look in the same places.
public enum TestPaths {
    /// The package root: this file is Tests/TestSupport/TestPaths.swift.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The default models: env DISTLAB_MODELS_DIR, else `models/` at the package root (where
    /// `make models` fetches them). Tests that need a model skip when its file is absent.
    public static let models = environment("DISTLAB_MODELS_DIR") ?? packageRoot.appendingPathComponent("models").path

    /// The shared reference files (log-probabilities, tokenizer vectors): env DISTLAB_REFERENCE_DIR,
    /// else ../shared/reference next to the package.
    public static let reference = environment("DISTLAB_REFERENCE_DIR") ?? besidePackage("shared/reference")

    /// The raw datasets: env DISTLAB_DATASETS_DIR, else ../shared/datasets next to the package; nil
    /// when that folder does not exist (tests on the real files then skip).
    public static var datasets: String? {
        let dir = environment("DISTLAB_DATASETS_DIR") ?? besidePackage("shared/datasets")
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue ? dir : nil
    }

    private static func environment(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    private static func besidePackage(_ relative: String) -> String {
        packageRoot.deletingLastPathComponent().appendingPathComponent(relative).standardizedFileURL.path
    }
}
