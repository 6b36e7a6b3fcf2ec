import Foundation
import Plots
import StageKit

/// `results/paperB/wall_time.csv` from the Makefile's timing ledger (`<artifacts>/timings.tsv`,
/// written by scripts/timed.sh): the measured wall time of every stage run of the experiment, per
/// target and summed per stage, so the cost of a run that spans sessions is on record next to its
/// numbers. Invocations of one target add up (a resumed run logs each part that finished; a part
/// killed at a session's end logged nothing).
struct WallTime {
    struct Entry { var target: String; var seconds: Double; var status: String }

    /// Reads the ledger; a malformed line is an error naming the file and line.
    static func read(_ path: String) throws -> [Entry] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [Entry] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if i == 0 {
                guard f.first == "target" else { throw StageError.input("\(path):1", "expected the header target, started_utc, seconds, exit_status, cores") }
                continue
            }
            guard f.count == 5, let s = Double(f[2]), s >= 0 else {
                throw StageError.input("\(path):\(i + 1)", "expected 5 tab-separated fields with seconds ≥ 0, found '\(line)'")
            }
            out.append(Entry(target: f[0], seconds: s, status: f[3]))
        }
        return out
    }

    /// The stage a target belongs to, from its artifact path.
    static func stage(of target: String) -> String {
        let target = target.hasPrefix("/") ? target : "/" + target
        if target.contains("/provo/finetune/") { return "finetune" }
        if target.contains("/provo/samples/") { return "infer sample" }
        if target.contains("/webquestions/samples/") { return "infer qa" }
        if target.contains("/provo/eval/oracle") { return "evaluate oracle" }
        if target.contains("/provo/eval/") { return "evaluate tvd" }
        if target.contains("/webquestions/eval/") { return "evaluate qa" }
        if target.hasSuffix("splits.h5") || target.hasSuffix("qa.h5") { return "prepare-splits" }
        return "other"
    }

    /// Writes the summary (stage rows first, then the total, then one row per target); no ledger, no file.
    static func write(artifactsDir: String, to path: String) throws {
        let ledger = artifactsDir + "/timings.tsv"
        guard FileManager.default.fileExists(atPath: ledger) else { return }
        let entries = try read(ledger)
        var perTarget: [String: (runs: Int, seconds: Double, failed: Int)] = [:]
        for e in entries {
            let rel = e.target.hasPrefix(artifactsDir + "/") ? String(e.target.dropFirst(artifactsDir.count + 1)) : e.target
            var v = perTarget[rel] ?? (0, 0, 0)
            v.runs += 1; v.seconds += e.seconds; if e.status != "0" { v.failed += 1 }
            perTarget[rel] = v
        }
        var t = CSVTable(header: ["level", "stage", "target", "invocations", "failed", "seconds", "hours"])
        func fmt(_ s: Double) -> [String] { [String(format: "%.1f", s), String(format: "%.3f", s / 3600)] }
        var perStage: [String: (Int, Int, Double)] = [:]
        for (target, v) in perTarget {
            let s = stage(of: target)
            let p = perStage[s] ?? (0, 0, 0)
            perStage[s] = (p.0 + v.runs, p.1 + v.failed, p.2 + v.seconds)
        }
        for (s, v) in perStage.sorted(by: { $0.key < $1.key }) {
            try t.append(["stage", s, "", String(v.0), String(v.1)] + fmt(v.2))
        }
        let total = perTarget.values.reduce(0) { $0 + $1.seconds }
        try t.append(["total", "", "", String(entries.count), String(perTarget.values.reduce(0) { $0 + $1.failed })] + fmt(total))
        for (target, v) in perTarget.sorted(by: { $0.key < $1.key }) {
            try t.append(["target", stage(of: target), target, String(v.runs), String(v.failed)] + fmt(v.seconds))
        }
        try writeTextFileAtomically(t.render(), to: path)
        print("paper B wall time: \(String(format: "%.2f", total / 3600)) h over \(entries.count) stage runs (\(path))")
    }
}
