import Artifacts
import Foundation
import Plots
import StageKit

/// `results/paper<X>/provenance.csv`: where each artifact of the paper came from, read from its
/// provenance attributes (stage, code version, seed, BLAS setup, config hash). A full replication
/// spans sessions and commits, so "the run's commit" of a report is a list; this file makes it
/// checkable, and shows which artifacts a BLAS change (the `compute` column) or a code change
/// touched. One row per artifact under the artifacts folder, path-sorted; left out: weights
/// (model/, checkpoint/, hf/) and the chunks of runs still in progress. A file without complete
/// provenance attributes (not made by a distlab stage, or damaged) is listed with code_version
/// `none` and the reason in `stage`, and counted in what the report prints: the tables made from
/// the other artifacts are still written.
struct ArtifactProvenanceTable {
    struct Row: Equatable {
        var path: String, stage: String, codeVersion: String, seed: String, compute: String, configSHA256: String
    }

    /// Whether a file under the artifacts folder is a finished artifact the table lists.
    static func lists(_ relativePath: String) -> Bool {
        let p = "/" + relativePath
        return !["/model/", "/checkpoint/", "/hf/", ".chunks/"].contains { p.contains($0) }
    }

    /// The rows of `paper` ("A": under paperA/, "B": the rest; WallTime.paper decides both).
    static func rows(artifactsDir: String, paper: String) throws -> [Row] {
        var out: [Row] = []
        for path in ReportBuilder.artifactFiles(under: artifactsDir) {
            let rel = String(path.dropFirst(artifactsDir.count + 1))
            guard lists(rel), WallTime.paper(of: rel) == paper else { continue }
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard let p = try? Provenance.read(from: r) else {
                out.append(Row(path: rel, stage: "no provenance attributes", codeVersion: "none", seed: "", compute: "", configSHA256: ""))
                continue
            }
            out.append(Row(path: rel, stage: p.stage, codeVersion: p.codeVersion, seed: p.seed.map(String.init) ?? "",
                           compute: p.compute ?? "", configSHA256: p.configSHA256))
        }
        return out
    }

    /// Writes the table (nothing when the paper has no artifacts) and prints the code versions it spans.
    static func write(artifactsDir: String, to path: String, paper: String) throws {
        let rows = try rows(artifactsDir: artifactsDir, paper: paper)
        guard !rows.isEmpty else { return }
        var t = CSVTable(header: ["path", "stage", "code_version", "seed", "compute", "config_sha256"])
        for r in rows { try t.append([r.path, r.stage, r.codeVersion, r.seed, r.compute, r.configSHA256]) }
        try writeTextFileAtomically(t.render(), to: path)
        var perVersion: [String: Int] = [:]
        for r in rows { perVersion[r.codeVersion, default: 0] += 1 }
        let versions = perVersion.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key.prefix(7))\($0.key.hasSuffix("-dirty") ? "-dirty" : "") ×\($0.value)" }
        let none = perVersion["none"] ?? 0
        print("paper \(paper) provenance: \(rows.count) artifacts from \(perVersion.count - (none > 0 ? 1 : 0)) code versions "
              + "(\(versions.joined(separator: ", ")))" + (none > 0 ? ", \(none) without provenance attributes" : "") + " (\(path))")
    }
}
