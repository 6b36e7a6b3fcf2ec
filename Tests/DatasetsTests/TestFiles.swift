import Foundation

/// Fixture files live next to this source file (found through #filePath, so no bundle resources).
func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// Writes `contents` to a fresh temporary file named `name` and returns its path.
func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let dir = NSTemporaryDirectory() + "/distlab-datasets-tests-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
}
