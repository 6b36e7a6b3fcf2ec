import Foundation
import Plots
import StageKit

/// `results/paper<X>/wall_time.csv` from the Makefile's timing ledger (`<artifacts>/timings.tsv`,
/// written by scripts/timed.sh): the measured wall time of every stage run of the experiment, per
/// target and summed per stage, so the cost of a run that spans sessions is on record next to its
/// numbers. Invocations of one target add up: each finished part logs its row, and a part killed at
/// a session's end left a heartbeat row (status "interrupted", to within 30 s) in
/// `timings.tsv.partial/`, which timed.sh moves into the ledger when the target runs again and
/// which is read from there until then. Column `unfinished` counts those heartbeat rows: runs
/// killed mid-way, or still running when the report was written (with their time so far), and
/// rows marked "lost" (scripts/carry.sh: a training run's part whose checkpoint stayed on a
/// machine that was not kept; its time was spent, so it counts). The shell scripts read the
/// ledger by the same rules through scripts/ledger.sh. Row `total` sums the stage runs' seconds;
/// row `elapsed` counts the same runs by the clock (the union of their intervals: two stages at a
/// time count once), which is the run's measured wall time on its machine, sessions' gaps excluded.
struct WallTime {
    struct Entry { var target: String; var started: Date; var seconds: Double; var status: String }

    /// Reads the ledger; a malformed line is an error naming the file and line.
    static func read(_ path: String) throws -> [Entry] {
        try read(path, text: try String(contentsOfFile: path, encoding: .utf8), header: true)
    }

    /// Rows of `text` (the ledger, with its header line, or a heartbeat file, without).
    static func read(_ path: String, text: String, header: Bool) throws -> [Entry] {
        var out: [Entry] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if i == 0 && header {
                guard f.first == "target" else { throw StageError.input("\(path):1", "expected the header target, started_utc, seconds, exit_status, cores") }
                continue
            }
            guard f.count == 5, let s = Double(f[2]), s >= 0 else {
                throw StageError.input("\(path):\(i + 1)", "expected 5 tab-separated fields with seconds ≥ 0, found '\(line)'")
            }
            guard let started = utc.date(from: f[1]) else {
                throw StageError.input("\(path):\(i + 1)", "started_utc '\(f[1])' is not a UTC time like 2026-12-07T11:45:39Z")
            }
            out.append(Entry(target: f[0], started: started, seconds: s, status: f[3]))
        }
        return out
    }

    /// timed.sh's start times (`date -u +%Y-%m-%dT%H:%M:%SZ`).
    private static let utc = ISO8601DateFormatter()

    /// The time during which at least one of `entries` was running: the length of the union of
    /// their [start, start + seconds] intervals. With two stages at a time (`make -j2`) this is
    /// the run's wall time, less the gaps between sessions and the stretches with no stage running
    /// (builds, a restart); the stage seconds over it is how many stages ran at once on average.
    static func elapsed(_ entries: [Entry]) -> Double {
        let spans = entries.map { ($0.started.timeIntervalSince1970, $0.started.timeIntervalSince1970 + $0.seconds) }.sorted { $0.0 < $1.0 }
        // By start: each interval adds the part of it past the furthest end so far.
        var total = 0.0, end = -Double.infinity
        for (a, b) in spans where b > end {
            total += b - max(a, end)
            end = b
        }
        return total
    }

    /// Whether `make paperB-quick` runs this target too: the seed-42 runs, the ablation (the quick
    /// run trains it with seed 42 instead of 123, at the same cost) and the seed-free stages
    /// (splits, QA set, oracle, evaluations). Their sum in a full run's ledger is the measured
    /// cost of the quick run.
    static func inQuickRun(_ target: String) -> Bool {
        let seed = target.range(of: #"/seed[0-9]+"#, options: .regularExpression).map { String(target[$0]) }
        guard let seed else { return true }
        return seed == "/seed42" || target.contains("-ablation-") || target.range(of: #"/ft-n[0-9]+/"#, options: .regularExpression) != nil
    }

    /// Which paper a target belongs to: paper A's artifacts live under `paperA/`.
    static func paper(of target: String) -> String {
        (target.hasPrefix("/") ? target : "/" + target).contains("/paperA/") ? "A" : "B"
    }

    /// The stage a target belongs to, from its artifact path.
    static func stage(of target: String) -> String {
        let target = target.hasPrefix("/") ? target : "/" + target
        if target.contains("/paperA/") {
            if target.contains("/labels/") { return "infer labels" }
            if target.contains("/breakdown/") { return "infer breakdown" }
            if target.contains("/sft/") { return "finetune (SFT)" }
            if target.contains("/probe/") { return "probe" }
            if target.contains("/eval/") { return "evaluate" }
        }
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
    static func write(artifactsDir: String, to path: String, paper: String = "B") throws {
        let ledger = artifactsDir + "/timings.tsv"
        guard FileManager.default.fileExists(atPath: ledger) else { return }
        var entries = try read(ledger)
        // Heartbeat rows of stages killed mid-way and not run again since (one row per file).
        let partialDir = ledger + ".partial"
        let partials = ((try? FileManager.default.contentsOfDirectory(atPath: partialDir)) ?? []).filter { $0.hasSuffix(".tsv") }.sorted()
        for f in partials {
            let path = partialDir + "/" + f
            let text = try String(contentsOfFile: path, encoding: .utf8)
            entries += try read(path, text: text, header: false)
        }
        struct Sum { var runs = 0, seconds = 0.0, failed = 0, unfinished = 0 }
        func add(_ v: inout Sum, _ e: Entry) {
            v.runs += 1; v.seconds += e.seconds
            if e.status == "interrupted" || e.status == "lost" { v.unfinished += 1 } else if e.status != "0" { v.failed += 1 }
        }
        var perTarget: [String: Sum] = [:], perStage: [String: Sum] = [:], total = Sum(), quick = Sum()
        entries = entries.filter { Self.paper(of: $0.target) == paper }
        for e in entries {
            let rel = e.target.hasPrefix(artifactsDir + "/") ? String(e.target.dropFirst(artifactsDir.count + 1)) : e.target
            add(&perTarget[rel, default: Sum()], e)
            add(&perStage[stage(of: e.target), default: Sum()], e)
            add(&total, e)
            if inQuickRun(e.target) { add(&quick, e) }
        }
        var t = CSVTable(header: ["level", "stage", "target", "invocations", "failed", "unfinished", "seconds", "hours"])
        func cells(_ v: Sum) -> [String] {
            [String(v.runs), String(v.failed), String(v.unfinished), String(format: "%.1f", v.seconds), String(format: "%.3f", v.seconds / 3600)]
        }
        for (s, v) in perStage.sorted(by: { $0.key < $1.key }) { try t.append(["stage", s, ""] + cells(v)) }
        try t.append(["total", "", ""] + cells(total))
        // Same runs, counted by the clock: the hours column is the run's measured wall time.
        let wall = Self.elapsed(entries)
        var clock = total; clock.seconds = wall
        try t.append(["elapsed", "", ""] + cells(clock))
        if paper == "B" { try t.append(["subset", "make paperB-quick", ""] + cells(quick)) }
        for (target, v) in perTarget.sorted(by: { $0.key < $1.key }) { try t.append(["target", stage(of: target), target] + cells(v)) }
        try writeTextFileAtomically(t.render(), to: path)
        print("paper \(paper) wall time: \(String(format: "%.2f", wall / 3600)) h with a stage running, \(String(format: "%.2f", total.seconds / 3600)) h of stage time over \(entries.count) stage runs"
              + (total.unfinished > 0 ? ", \(total.unfinished) of them unfinished (killed, or still running)" : "") + " (\(path))")
    }
}
