import TestSupport
import Foundation
import XCTest

/// scripts/run-paperB.sh with a stand-in `make` that records its arguments: the first seed of the
/// instruct model's FT (Mul.) that is not done runs first, alone with two BLAS threads, and the
/// parallel makes after it leave the rest of that row out; once every seed is done, nothing is left
/// out; a long run that would not end before SESSION_END waits for the next session, without
/// counting as a failure.
final class RunPaperBScriptTests: XCTestCase {
    func run(doneSeeds: [String], goals: [String] = [], environment: [String: String] = [:], status: Int32 = 0) throws -> (calls: [String], stdout: String, stderr: String) {
        let r = try runWithEnvironment(doneSeeds: doneSeeds, goals: goals, environment: environment, status: status)
        return (r.calls, r.stdout, r.stderr)
    }

    /// Also each call with the stage-slot variables it saw ("make ARGS | slots=… yield=…").
    func runWithEnvironment(doneSeeds: [String], goals: [String] = [], environment: [String: String] = [:], status: Int32 = 0) throws -> (calls: [String], withEnvironment: [String], stdout: String, stderr: String) {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = dir + "/bin", calls = dir + "/calls", art = dir + "/art"
        // `make -q` succeeds for the done seeds' targets only; paperB-long-runs lists three seeds
        // (after a line of other output, as a make that first writes the experiment's variables prints).
        let done = doneSeeds.map { "\"-q \"*\"\(art)/s\($0) \"*) exit 0 ;;" }.joined(separator: "\n  ")
        try Stages.stubTools(in: bin, ["make": """
            echo "make $*" >> \(calls)
            echo "make $* | slots=${STAGE_SLOTS:-} yield=${STAGE_YIELD_SECONDS:-}" >> \(calls).env
            case "$*" in
              *paperB-long-runs*) echo "wrote the experiment"; for s in 42 123 456; do echo "\(art)/s$s \(art)/q$s"; done ;;
              \(done)
              "-q "*) exit 1 ;;
              *BLAS_THREADS=2*)
                [ -z "$REFUSE" ] || { echo "fits-in-session: not starting the run: expected 112 min with its samples, 60 min left" >&2; exit 2; }
                [ -z "$FAIL" ] || { echo "a stage failed" >&2; exit 2; } ;;
            esac
            exit 0
            """])
        let env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "REFUSE": "", "FAIL": ""]
            .merging(environment) { $1 }
        let r = try Stages.runExecutable(TestPaths.packageRoot.appendingPathComponent("scripts/run-paperB.sh"), [art] + goals, environment: env)
        XCTAssertEqual(r.status, status, r.stderr)
        let read = { (path: String) in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: art, with: "A")
        } }
        return (try read(calls), try read(calls + ".env"), r.stdout, r.stderr)
    }

    func testOneLongRunPerSessionThenTheRestWithoutIt() throws {
        let calls = try run(doneSeeds: ["42"]).calls
        XCTAssertEqual(calls, [
            "make -s NO_BUILD=1 ART=A paperB-long-runs",
            "make -q NO_BUILD=1 ART=A A/s42 A/q42",
            "make -q NO_BUILD=1 ART=A A/s123 A/q123",
            "make BLAS_THREADS=2 ART=A A/s123 A/q123",
            "make -q NO_BUILD=1 ART=A A/s123 A/q123",
            "make -q NO_BUILD=1 ART=A A/s456 A/q456",
            "make -k -j2 BLAS_THREADS=1 ART=A samples-base eval-base B_DEFER_LONG=1",
            "make -k -j2 BLAS_THREADS=1 ART=A report",
            "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs eval-ft eval-qa eval-ablation B_SEEDS=42 B_DEFER_LONG=1",
            "make -k -j2 BLAS_THREADS=1 ART=A report",
            "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB B_DEFER_LONG=1",
        ])
    }

    /// Too little of the session left (the Makefile's fits-in-session check refuses the run): not a
    /// failure, and the row is deferred; a run that fails is one.
    func testALongRunRefusedForTheSessionEndIsDeferredNotFailed() throws {
        let refused = try run(doneSeeds: ["42"], environment: ["REFUSE": "1"])
        XCTAssertEqual(refused.calls.filter { $0.contains("BLAS_THREADS=2") }, ["make BLAS_THREADS=2 ART=A A/s123 A/q123"], "one try only")
        XCTAssertTrue(refused.stdout.contains("would not end before SESSION_END: left to the next session"), refused.stdout)
        XCTAssertEqual(refused.calls.last, "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB B_DEFER_LONG=1")
        let failed = try run(doneSeeds: ["42"], environment: ["FAIL": "1"], status: 1)
        XCTAssertTrue(failed.stderr.contains("the long run failed (A/s123 A/q123)") || failed.stderr.contains("the long run failed"), failed.stderr)
        XCTAssertEqual(failed.calls.last, "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB B_DEFER_LONG=1")
    }

    /// Goals after ART (scripts/run-all.sh: paperA-runs) go into a second make beside the last
    /// one, which yields its job slots to paper B's (scripts/stage-slot.sh): both share two slots,
    /// only the second waits for a free stretch; the earlier makes run without the cap.
    func testExtraGoalsGoIntoAYieldingMakeBesideTheLast() throws {
        let r = try runWithEnvironment(doneSeeds: ["42", "123", "456"], goals: ["paperA-runs"])
        let last = r.withEnvironment.suffix(2).sorted()
        XCTAssertEqual(last, ["make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB | slots=2 yield=",
                              "make -k -j2 BLAS_THREADS=1 ART=A paperA-runs | slots=2 yield=60"], r.withEnvironment.joined(separator: "\n"))
        XCTAssertEqual(r.calls.filter { $0.contains("paperA-runs") }.count, 1, r.calls.joined(separator: "\n"))
        XCTAssertFalse(r.withEnvironment.dropLast(2).contains { !$0.hasSuffix("| slots= yield=") }, r.withEnvironment.joined(separator: "\n"))
    }

    func testEverySeedDoneLeavesNothingOut() throws {
        let calls = try run(doneSeeds: ["42", "123", "456"]).calls
        XCTAssertFalse(calls.contains { $0.contains("BLAS_THREADS=2") || $0.contains("B_DEFER_LONG") }, calls.joined(separator: "\n"))
        XCTAssertEqual(calls.last, "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB")
    }
}
