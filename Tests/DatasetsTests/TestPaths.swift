import Foundation

/// Fixture files live next to this source file (found through #filePath, so no bundle resources).
func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// The shared raw-data directory: $DISTLAB_DATASETS_DIR, else ../shared/datasets next to the package.
/// Returns nil when it does not exist (tests on the real files are then skipped).
func datasetsDir() -> String? {
    let env = ProcessInfo.processInfo.environment["DISTLAB_DATASETS_DIR"]
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let dir = env ?? packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL.path
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue ? dir : nil
}

/// Writes `contents` to a fresh temporary file named `name` and returns its path.
func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let dir = NSTemporaryDirectory() + "/distlab-datasets-tests-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
}
