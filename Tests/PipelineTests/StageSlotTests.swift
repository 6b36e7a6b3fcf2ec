import TestSupport
import Foundation
import XCTest

/// scripts/stage-slot.sh through scripts/timed.sh and scripts/fits-in-session.sh: with STAGE_SLOTS
/// set, stages of separate makes never run more than that many at once; a stage whose make sets
/// STAGE_YIELD_SECONDS starts only once a slot has stayed free that long, after every waiting
/// stage without it; a fine-tuning run's fit check takes the slot and hands it to its stage, and
/// gives it back when it refuses the run.
final class StageSlotTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs a bash driver in `dir` with `$timed` (scripts/timed.sh on `$L`, the ledger) and
    /// `job NAME SECONDS` (a command that records its start and end in NAME.start/NAME.end).
    func drive(_ script: String, environment: [String: String] = [:]) throws -> Stages.Result {
        let root = TestPaths.packageRoot.path
        let driver = """
            set -u
            cd \(dir)
            L=\(dir)/timings.tsv
            timed() { \(root)/scripts/timed.sh "$L" "\(dir)/$1" -- sh -c "date +%s.%N > $1.start; sleep $2; date +%s.%N > $1.end"; }
            \(script)
            """
        return try Stages.runExecutable(URL(fileURLWithPath: "/bin/bash"), ["-c", driver],
                                        environment: ["STAGE_POLL_SECONDS": "0.1"].merging(environment) { $1 },
                                        unset: Set(["STAGE_SLOTS", "STAGE_YIELD_SECONDS", "SESSION_END", "SPAN_SESSIONS"]).subtracting(environment.keys))
    }

    func time(_ name: String, _ edge: String) throws -> Double {
        let s = try String(contentsOfFile: "\(dir)/\(name).\(edge)", encoding: .utf8)
        return try XCTUnwrap(Double(s.trimmingCharacters(in: .whitespacesAndNewlines)), "\(name).\(edge): \(s)")
    }

    func testTheCapHoldsAcrossInvocations() throws {
        let r = try drive("""
            timed a 1.5 & sleep 0.3
            timed b 0.2 & timed c 0.2 &
            wait
            """, environment: ["STAGE_SLOTS": "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Two slots: b and c cannot both start while a runs; the second of them waits for the first.
        let (b, c) = (try time("b", "start"), try time("c", "start"))
        let (first, second) = b < c ? ("b", "c") : ("c", "b")
        XCTAssertGreaterThanOrEqual(try time(second, "start"), try time(first, "end") - 0.05)
        XCTAssertLessThan(try time(first, "start"), try time("a", "end"), "one slot was free beside a")
        // The ledger counts the stages' own time, not the wait.
        let rows = try String(contentsOfFile: dir + "/timings.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 3)
        for row in rows { XCTAssertLessThan(Double(row.split(separator: "\t")[2]) ?? 99, 1.9, String(row)) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/timings.tsv.partial").filter { $0.hasPrefix("slot.") }, [])

        // A stage of seconds (the Makefile's TIMED_QUICK: --no-slot) takes no slot: it runs beside a full house.
        let quick = try drive("""
            timed long 1.5 & sleep 0.3
            mkdir -p bin && printf '#!/bin/sh\\ndate +%%s.%%N > evaluate.start\\n' > bin/evaluate && chmod +x bin/evaluate
            \(TestPaths.packageRoot.path)/scripts/timed.sh "$L" "$PWD/eval.h5" --no-slot -- bin/evaluate
            wait
            """, environment: ["STAGE_SLOTS": "1"])
        XCTAssertEqual(quick.status, 0, quick.stderr)
        XCTAssertLessThan(try time("evaluate", "start"), try time("long", "end"))

        // Without STAGE_SLOTS nothing waits: all three at once.
        try FileManager.default.removeItem(atPath: dir + "/timings.tsv")
        _ = try drive("timed a 1 & timed b 1 & timed c 1 & wait")
        XCTAssertLessThan(try max(time("a", "start"), time("b", "start"), time("c", "start")), try time("a", "end"))
    }

    func testAYieldingStageGoesAfterWaitingStagesAndAFreeStretch() throws {
        // One slot: h1 runs; y (yielding, 1 s) and then h2 wait; h2 gets the slot when h1 ends,
        // y only once it has been free for its second after h2.
        let r = try drive("""
            timed h1 1 & sleep 0.2
            STAGE_YIELD_SECONDS=1 timed y 0.1 & sleep 0.2
            timed h2 1 &
            wait
            """, environment: ["STAGE_SLOTS": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThanOrEqual(try time("h2", "start"), try time("h1", "end") - 0.05)
        XCTAssertLessThan(try time("h2", "start"), try time("h1", "end") + 0.8)
        XCTAssertGreaterThanOrEqual(try time("y", "start"), try time("h2", "end") + 0.9, "a free second before y")
    }

    func testTheFitCheckTakesTheSlotForItsRunAndGivesItBackWhenItRefuses() throws {
        let target = dir + "/provo/finetune/cfg/seed42/model/finetuned.json"
        let fits = TestPaths.packageRoot.appendingPathComponent("scripts/fits-in-session.sh").path
        let soon = Int(Date().timeIntervalSince1970) + 600, late = soon + 100 * 3600
        // Refused (60 + 12 min expected, 10 left): no reservation stays; another stage starts at once.
        let refused = try drive("""
            SESSION_END=\(soon) \(fits) "$L" \(target) && exit 9
            ls timings.tsv.partial | grep -c '^slot\\.' && exit 8
            timed other 0.1
            """, environment: ["STAGE_SLOTS": "1", "STAGE_SLOT_HOLD": "30"])
        XCTAssertEqual(refused.status, 0, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("fits-in-session: not starting"), refused.stderr)
        // Accepted: the slot is held for the run, so another stage waits, and the run's own stage does not.
        let accepted = try drive("""
            SESSION_END=\(late) \(fits) "$L" \(target) || exit 9
            timed later 0.1 & sleep 1
            [ -e later.start ] && exit 7
            \(TestPaths.packageRoot.path)/scripts/timed.sh "$L" \(target) -- sleep 0.2
            wait
            """, environment: ["STAGE_SLOTS": "1", "STAGE_SLOT_HOLD": "30"])
        XCTAssertEqual(accepted.status, 0, accepted.stdout + accepted.stderr)
        XCTAssertGreaterThan(try time("later", "start"), try time("other", "end") + 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/timings.tsv.partial").filter { $0.hasPrefix("slot.") }, [])
    }
}
