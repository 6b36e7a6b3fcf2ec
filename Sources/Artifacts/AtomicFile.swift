import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Temp-file-then-rename publishing, so a reader never sees a half-written output and a
/// crashed or failed stage leaves no file at the destination. Shared by ArtifactWriter
/// and StageKit's text writers.
public enum AtomicFile {
    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    /// A fresh temp path in the destination's folder (rename is only atomic within one
    /// file system): `dir/.name.tmp-<pid>-<n>`.
    public static func tempPath(for destination: String) -> String {
        counterLock.lock()
        counter += 1
        let n = counter
        counterLock.unlock()
        let url = URL(fileURLWithPath: destination)
        let dir = url.deletingLastPathComponent().path
        return (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(n)")
    }

    /// fsync `tempPath`, rename it over `destination`, then fsync the folder so the rename
    /// itself survives a crash. Throws an error naming the destination on failure.
    public static func publish(tempPath: String, to destination: String) throws {
        let fd = open(tempPath, O_RDONLY)
        guard fd >= 0 else { throw ArtifactError(file: destination, "cannot reopen temp file \(tempPath): \(errnoText())") }
        let syncResult = fsync(fd)
        let syncErr = errno
        close(fd)
        guard syncResult == 0 else { throw ArtifactError(file: destination, "fsync failed: \(String(cString: strerror(syncErr)))") }
        guard rename(tempPath, destination) == 0 else {
            throw ArtifactError(file: destination, "cannot rename temp file into place: \(errnoText())")
        }
        let dir = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }  // best effort: some file systems refuse
    }

    /// Write `bytes` to `destination` atomically (temp file + fsync + rename). Any parent
    /// folders must exist; on failure nothing appears at the destination.
    public static func write(_ bytes: [UInt8], to destination: String) throws {
        let tmp = tempPath(for: destination)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ArtifactError(file: destination, "cannot create temp file: \(errnoText())") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        let err = errnoText()
        close(fd)
        guard ok else {
            unlink(tmp)
            throw ArtifactError(file: destination, "write failed: \(err)")
        }
        do { try publish(tempPath: tmp, to: destination) } catch { unlink(tmp); throw error }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
