import TestSupport
import Foundation
import XCTest

/// scripts/ledger.sh: the shell scripts' one reader of the timing ledger. A finished run's time is
/// its exit-0 row plus the "interrupted" rows of the same target since its last finish; "lost" rows
/// are time spent but not part of any run; heartbeat rows count as time spent.
final class LedgerScriptTests: XCTestCase {
    let script = TestPaths.packageRoot.appendingPathComponent("scripts/ledger.sh")

    func ledger(_ args: [String], stdin: String? = nil, cwd: String? = nil) throws -> String {
        let r = try Stages.runExecutable(script, args, cwd: cwd, stdin: stdin)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func testRunsHoursAndEstimate() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = "/r/provo/finetune/x/seed1/model/finetuned.json"
        let b = "/r/provo/finetune/x/seed2/model/finetuned.json"
        let c = "/r/paperA/mfrc/bert/predictions.h5"
        try """
            target\tstarted_utc\tseconds\texit_status\tcores
            \(a)\t2026-12-07T10:00:00Z\t100.0\tinterrupted\t2
            \(a)\t2026-12-07T10:05:00Z\t50.0\tinterrupted\t2
            \(a)\t2026-12-07T10:10:00Z\t30.0\t0\t2
            \(b)\t2026-12-07T10:00:00Z\t500.0\tlost\t2
            \(b)\t2026-12-07T10:20:00Z\t20.0\t0\t2
            \(c)\t2026-12-07T11:00:00Z\t7.0\tinterrupted\t2
            \(c)\t2026-12-07T11:00:00Z\t10.0\t1\t2
            \(c)\t2026-12-07T11:01:00Z\t5.0\t0\t2
            \(a)\t2026-12-07T10:30:00Z\t10.0\t0\t2

            """.write(toFile: dir + "/timings.tsv", atomically: true, encoding: .utf8)
        // Resumed a twice (100 + 50 + 30), b again from scratch after its lost part, c after a failure
        // (the failed invocation ended the interrupted one's run), then a made again.
        XCTAssertEqual(try ledger(["runs", dir + "/timings.tsv"]),
                       "\(a)\t180.0\n\(b)\t20.0\n\(c)\t5.0\n\(a)\t10.0\n")
        XCTAssertEqual(try ledger(["runs", dir + "/nothing.tsv"]), "")

        // Hours per paper, with a heartbeat row of a running stage.
        try FileManager.default.createDirectory(atPath: dir + "/timings.tsv.partial", withIntermediateDirectories: true)
        try "\(b)\t2026-12-07T10:40:00Z\t1800.0\tinterrupted\t2\n".write(toFile: dir + "/timings.tsv.partial/1.2.tsv", atomically: true, encoding: .utf8)
        // B: 100 + 50 + 30 + 500 + 20 + 10 + 1800 = 2510 s over 7 rows, 4 of them unfinished; by the
        // clock 2360 s (10:00–10:08:20 holds a's first two and b's lost part, then 30 + 20 + 10 + 1800).
        // A: 22 s over 3 rows, 15 s by the clock.
        XCTAssertEqual(try ledger(["hours", dir, "B"]),
                       "== wall time in the ledger: 0.70 h over 7 paper B stage runs (4 of them running, interrupted or lost with a machine), 0.66 h by the clock; paper A: 0.01 h over 3\n")
        XCTAssertEqual(try ledger(["hours", dir, "A"]),
                       "== wall time in the ledger: 0.01 h over 3 paper A stage runs (1 of them running, interrupted or lost with a machine), 0.00 h by the clock\n")
        let other = dir + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "target\tstarted_utc\tseconds\texit_status\tcores\n\(a)\tnot-a-time\t1.0\t0\t2\n".write(toFile: other + "/timings.tsv", atomically: true, encoding: .utf8)
        let badStart = try Stages.runExecutable(script, ["hours", other, "B"])
        XCTAssertNotEqual(badStart.status, 0)
        XCTAssertTrue(badStart.stderr.contains(other + "/timings.tsv"), badStart.stderr)

        // The share left of a run with a checkpoint at step 30 of 40; 1 for other targets.
        let run = dir + "/provo/finetune/x/seed3"
        try FileManager.default.createDirectory(atPath: run + "/checkpoint", withIntermediateDirectories: true)
        let header = #"{"__metadata__":{"step":"30","total_steps":"40"}}"#
        var bytes = Data([UInt8(header.utf8.count), 0, 0, 0, 0, 0, 0, 0]); bytes.append(Data(header.utf8))
        try bytes.write(to: URL(fileURLWithPath: run + "/checkpoint/trainable.safetensors"))
        XCTAssertEqual(try ledger(["left", run + "/model/finetuned.json"]), "0.2500\n")
        XCTAssertEqual(try ledger(["left", dir + "/provo/finetune/x/seed4/model/finetuned.json"]), "1\n")
        XCTAssertEqual(try ledger(["left", dir + "/provo/samples/g/base/seed42.h5"]), "1\n")
        // A training target's run folder (the one rule fits-in-session.sh uses too); none for others.
        XCTAssertEqual(try ledger(["folder", run + "/model/finetuned.json"]), run + "\n")
        XCTAssertEqual(try ledger(["folder", dir + "/paperA/sem/bert/seed42/predictions.h5"]), dir + "/paperA/sem/bert/seed42\n")
        XCTAssertEqual(try ledger(["folder", dir + "/provo/samples/g/base/seed42.h5"]), "")

        // Estimate: kind x has runs of 3600 and 1800 s (mean 2700); to do: one fresh run, the one at
        // a quarter left, a sample, and a run of a kind with no finished run.
        try """
            target\tstarted_utc\tseconds\texit_status\tcores
            /r/provo/finetune/x/seed1/model/finetuned.json\tt\t3600.0\t0\t2
            /r/provo/finetune/x/seed2/model/finetuned.json\tt\t1800.0\t0\t2
            /r/provo/samples/g/seed1.h5\tt\t360.0\t0\t2

            """.write(toFile: dir + "/est.tsv", atomically: true, encoding: .utf8)
        let kinds = "s#^.*/finetune/([a-z]+)/.*#finetune \\1#\ns#^.*/samples/([a-z]+)/.*#sample \\1#"
        let todo = [run + "/model/finetuned.json", dir + "/provo/finetune/x/seed4/model/finetuned.json",
                    dir + "/provo/samples/g/seed2.h5", dir + "/provo/finetune/y/seed1/model/finetuned.json"]
        let estimate = try ledger(["estimate", dir + "/est.tsv", kinds], stdin: todo.joined(separator: "\n") + "\n", cwd: dir)
        XCTAssertEqual(estimate, """
                 2 × finetune x                       ≈   0.9 h (mean 2700 s per run in the ledger; 1 resumes from a checkpoint)
                 1 × finetune y                         (no finished run of this kind in the ledger yet)
                 1 × sample g                         ≈   0.1 h (mean 360 s per run in the ledger)
               expected: 1.0 h of stage runs, one at a time, plus 1 run of kinds not timed yet

            """)
        // With no finished run in the ledger, nothing is timed (the runs to do are not taken for finished ones).
        XCTAssertEqual(try ledger(["estimate", dir + "/nothing.tsv", kinds], stdin: todo[2] + "\n", cwd: dir), """
                 1 × sample g                           (no finished run of this kind in the ledger yet)
               expected: 0.0 h of stage runs, one at a time, plus 1 run of kinds not timed yet

            """)
        // Nothing written besides its output (an awk printf with an unbracketed ">" writes a file).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["est.tsv", "other", "provo", "timings.tsv", "timings.tsv.partial"])
        XCTAssertNotEqual(try Stages.runExecutable(script, ["nonsense"]).status, 0)
    }
}
