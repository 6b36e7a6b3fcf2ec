import Artifacts
import Foundation
import StageKit

/// Resumable per-item work for `infer labels` and `infer breakdown`: the items are cut into chunks
/// of `size`; each finished chunk is written (atomically) to <output>.chunks/chunk_<first>_<last>.h5
/// with the run's configuration hash, so a rerun after an interruption keeps the finished chunks
/// and computes the rest. A chunk made under other settings, holding other items, or unreadable
/// is recomputed (and said so). The caller empties its prefix cache at each chunk it computes, so
/// the numbers do not depend on where a run was interrupted.
struct ItemChunks<Part> {
    let command: String
    let dir: String
    let ranges: [ClosedRange<Int>]
    let configHash: String

    init(command: String, output: String, count: Int, size: Int, configHash: String) {
        self.command = command
        dir = output + ".chunks"
        ranges = stride(from: 0, to: count, by: size).map { $0...min($0 + size, count) - 1 }
        self.configHash = configHash
    }

    func path(_ r: ClosedRange<Int>) -> String { dir + "/chunk_\(r.lowerBound)_\(r.upperBound).h5" }

    /// The parts of every chunk: read back when finished with these settings, else computed by
    /// `compute` (given the chunk's range) and written with `write`.
    func run(read: (String) throws -> Part, items: (Part) -> [Int], expected: (ClosedRange<Int>) -> [Int],
             compute: (ClosedRange<Int>) throws -> Part, write: @escaping (Part, ArtifactWriter) throws -> Void,
             ctx: StageContext) throws -> [Part] {
        var parts: [Part?] = ranges.map { r in
            let p = path(r)
            guard FileManager.default.fileExists(atPath: p) else { return nil }
            do {
                let reader = try ArtifactReader(path: p)
                let hash = reader.hasAttribute("config_hash") ? try reader.stringAttribute("config_hash") : ""
                reader.close()
                guard hash == configHash else { note("\(p) was made with other settings; recomputing it"); return nil }
                let part = try read(p)
                guard items(part) == expected(r) else { note("\(p) holds other items; recomputing it"); return nil }
                return part
            } catch {
                note("cannot read \(p) (\(error)); recomputing it")
                return nil
            }
        }
        let reused = parts.compactMap { $0 }.count
        if reused > 0 { note("reusing \(reused) of \(ranges.count) finished chunks in \(dir)") }
        for (j, r) in ranges.enumerated() where parts[j] == nil {
            let part = try compute(r)
            try ctx.writeArtifact(to: path(r)) { w in
                try write(part, w)
                try w.setAttribute("config_hash", .string(configHash))
            }
            parts[j] = part
        }
        return parts.map { $0! }
    }

    func removeChunks() { try? FileManager.default.removeItem(atPath: dir) }

    private func note(_ s: String) { FileHandle.standardError.write(Data("infer \(command): \(s)\n".utf8)) }
}
