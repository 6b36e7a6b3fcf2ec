import Artifacts
import Foundation
import Numerics

/// The text whose hash keys a command's resumable chunks (`infer sample`, `labels`, `breakdown`):
/// a chunk is kept on a rerun only when this text is unchanged. Every command's text starts with
/// its chunk format, the splits and the model, goes on with the command's own settings and ends
/// with the BLAS setup (thread count and kernel family change the last bits, so a run resumed under
/// another setup recomputes its chunks instead of mixing them).
/// The bytes are part of every carried chunk's identity: changing a line here recomputes them all.
enum ChunkSettings {
    /// The first lines: the chunk format and the inputs. The splits count by content
    /// (ArtifactDigest), not bytes: splits made again by a later commit on a new machine
    /// (scripts/carry.sh remake) keep the chunks carried there.
    static func head(format: String, splits: String, modelSHA256: String) throws -> String {
        "format: \(format)\nsplits_content: \(try ArtifactDigest.content(ofFile: splits))\nmodel_sha256: \(modelSHA256)\n"
    }

    /// The last line: this process's BLAS setup.
    static var blasSetup: String { "blas: threads \(blasThreads), core \(openBLASCore())\n" }
}
