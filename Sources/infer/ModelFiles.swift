import Artifacts
import Foundation
import StageKit

/// The files that make up a model: the GGUF file itself, or every regular file of a Hugging Face
/// directory (sorted, so hashes do not depend on directory order).
func modelFiles(_ path: String) throws -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw StageError.input(path, "no such model file or directory")
    }
    if !isDir.boolValue { return [path] }
    let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    return names.map { (path as NSString).appendingPathComponent($0) }.filter {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
    }
}

/// SHA-256 identifying a model: the file's digest, or for a directory the digest of the lines
/// "<name> <sha256>" of its files.
func modelSHA256(_ path: String, fileHashes: [String: String]) throws -> String {
    let files = try modelFiles(path)
    if files.count == 1 && files[0] == path, let h = fileHashes[path] { return h }
    var text = ""
    for f in files {
        let h = try fileHashes[f] ?? SHA256.hexDigest(ofFile: f)
        text += "\((f as NSString).lastPathComponent) \(h)\n"
    }
    return SHA256.hexDigest(text)
}

/// The name a model goes by in tables when no --model-label is given: its file (or folder) name
/// without the extension.
func defaultModelLabel(_ path: String) -> String {
    ((path as NSString).lastPathComponent as NSString).deletingPathExtension
}
