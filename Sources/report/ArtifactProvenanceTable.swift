import Artifacts
import Foundation
import Plots
import StageKit

/// `results/paper<X>/provenance.csv`: where each artifact of the paper came from, read from its
/// provenance attributes (stage, code version, seed, BLAS setup, config hash; for a training run
/// resumed from its checkpoint, every invocation: `RunSegments` of `finetune`). A full replication
/// spans sessions and commits, so "the run's commit" of a report is a list; this file makes it
/// checkable, and shows which artifacts a BLAS change (the `compute` column) or a code change
/// touched. One row per artifact under the artifacts folder, path-sorted; left out: weights
/// (model/, checkpoint/, hf/) and the chunks of runs still in progress. An HDF5 file without
/// complete provenance attributes (not made by a distlab stage) is listed with code_version `none`
/// and the reason in `stage`, and counted in what the report prints; a file that is not valid HDF5
/// stops the report, naming it (as it does when the report gathers the tables).
struct ArtifactProvenanceTable {
    struct Row: Equatable {
        /// "A" or "B" (WallTime.paper of the path).
        var paper: String
        var path: String, stage: String, codeVersion: String, seed: String, compute: String, configSHA256: String
        /// A training run made by more than one invocation (resumed from its checkpoint): each one's
        /// first step and code version, with its BLAS setup where it differs from the artifact's.
        var segments = ""
    }

    /// The `segments` cell: "0 ef3032a; 4200 58a0405 (OpenBLAS threads 1, …)", empty for a run
    /// made by one invocation or an artifact without the attributes (not a training run).
    static func segmentsCell(_ r: ArtifactReader, compute: String) -> String {
        guard let starts = try? r.intArrayAttribute("segment_start_step"), starts.count > 1,
              let versions = try? r.stringArrayAttribute("segment_code_version"),
              let computes = try? r.stringArrayAttribute("segment_compute"),
              versions.count == starts.count, computes.count == starts.count else { return "" }
        return starts.indices.map { i in
            "\(starts[i]) \(short(versions[i]))" + (computes[i] == compute ? "" : " (\(computes[i]))")
        }.joined(separator: "; ")
    }

    /// A code version as printed: the commit's first 7 digits, and "-dirty" when it was.
    static func short(_ version: String) -> String {
        version.prefix(7) + (version.hasSuffix("-dirty") ? "-dirty" : "")
    }

    /// Whether a file under the artifacts folder is a finished artifact the table lists.
    static func lists(_ relativePath: String) -> Bool {
        let p = "/" + relativePath
        return !["/model/", "/checkpoint/", "/hf/", ".chunks/"].contains { p.contains($0) }
    }

    /// The rows of both papers, path-sorted, from one pass over the artifacts folder.
    static func rows(artifactsDir: String) throws -> [Row] {
        var out: [Row] = []
        for path in ReportBuilder.artifactFiles(under: artifactsDir) {
            let rel = String(path.dropFirst(artifactsDir.count + 1))
            guard lists(rel) else { continue }
            let paper = WallTime.paper(of: rel)
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            let p: Provenance
            do { p = try Provenance.read(from: r) } catch {
                out.append(Row(paper: paper, path: rel, stage: "no provenance attributes (\(error))", codeVersion: "none", seed: "",
                               compute: "", configSHA256: ""))
                continue
            }
            out.append(Row(paper: paper, path: rel, stage: p.stage, codeVersion: p.codeVersion, seed: p.seed.map(String.init) ?? "",
                           compute: p.compute ?? "", configSHA256: p.configSHA256, segments: segmentsCell(r, compute: p.compute ?? "")))
        }
        return out
    }

    /// Writes `<outputDir>/paper<X>/provenance.csv` for papers A and B.
    static func write(artifactsDir: String, outputDir: String) throws {
        let all = try rows(artifactsDir: artifactsDir)
        for paper in ["A", "B"] {
            try write(all.filter { $0.paper == paper }, to: outputDir + "/paper\(paper)/provenance.csv", paper: paper)
        }
    }

    /// Writes one paper's table (only its header when the paper has no artifacts, so no earlier
    /// run's rows stay) and prints the code versions it spans.
    static func write(_ rows: [Row], to path: String, paper: String) throws {
        var t = CSVTable(header: ["path", "stage", "code_version", "seed", "compute", "config_sha256", "segments"])
        for r in rows { try t.append([r.path, r.stage, r.codeVersion, r.seed, r.compute, r.configSHA256, r.segments]) }
        try writeTextFileAtomically(t.render(), to: path)
        let resumed = rows.filter { !$0.segments.isEmpty }.count
        var perVersion: [String: Int] = [:], none = 0
        for r in rows { if r.codeVersion == "none" { none += 1 } else { perVersion[r.codeVersion, default: 0] += 1 } }
        let versions = perVersion.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\(short($0.key)) ×\($0.value)" }
        print("paper \(paper) provenance: \(rows.count) artifacts from \(perVersion.count) code versions "
              + "(\(versions.joined(separator: ", ")))" + (none > 0 ? ", \(none) without provenance attributes" : "")
              + (resumed > 0 ? ", \(resumed) training runs resumed from a checkpoint (column segments)" : "") + " (\(path))")
    }
}
