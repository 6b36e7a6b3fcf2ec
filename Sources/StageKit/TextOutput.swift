import Artifacts
import Foundation

/// Write `text` as UTF-8 to `path` atomically (temp file + fsync + rename), creating
/// missing parent folders. Used for the CSV/SVG/Markdown outputs of `report`, so a reader
/// never sees a half-written file and a failed run leaves the previous one intact.
public func writeTextFileAtomically(_ text: String, to path: String) throws {
    try ensureParentDirectory(of: path)
    try AtomicFile.write(Array(text.utf8), to: path)
}

/// Create the folder that will hold `path` (and its parents) if missing.
public func ensureParentDirectory(of path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    } catch {
        throw StageError.input(path, "cannot create output folder \(dir.path): \(error.localizedDescription)")
    }
}
