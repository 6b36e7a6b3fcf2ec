import TestSupport
import Artifacts
import Foundation
import XCTest

/// scripts/resume-run.sh, with stand-ins for `make` and `setsid` that only record their arguments:
/// a missing run tree is cloned, an existing one updated, the carried artifacts restored, both then
/// built, the splits made again and the chain started (SPAN_SESSIONS=1 once the folder outlived an
/// earlier session, not on a second start within one); a chain already running on the artifacts
/// folder is left alone.
final class ResumeRunScriptTests: XCTestCase {
    func testClonesUpdatesAndLeavesARunningChainAlone() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.packageRoot.appendingPathComponent(".git").path) else {
            throw XCTSkip("not a git checkout")
        }
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = dir + "/bin", calls = dir + "/calls", run = dir + "/run", art = dir + "/art"
        // A carry of an earlier machine's run: a split (made again, not carried), a sample and the ledger.
        let old = dir + "/old-art", carry = dir + "/carry"
        try FileManager.default.createDirectory(atPath: old + "/provo/samples", withIntermediateDirectories: true)
        try ArtifactWriter.write(to: old + "/provo/splits.h5") { w in try w.writeStrings(["The cat"], at: "contexts") }
        try Data("not really hdf5".utf8).write(to: URL(fileURLWithPath: old + "/provo/samples/seed42.h5"))
        try "target\tstarted_utc\tseconds\texit_status\tcores\n\(old)/provo/samples/seed42.h5\t2026-12-01T00:00:00Z\t0.3\t0\t2\n"
            .write(toFile: old + "/timings.tsv", atomically: true, encoding: .utf8)
        let prepareSplits = Stages.productsDirectory.appendingPathComponent("prepare-splits").path
        let saved = try Stages.runExecutable(TestPaths.packageRoot.appendingPathComponent("scripts/carry.sh"), ["save", old, carry],
                                             environment: ["PREPARE_SPLITS": prepareSplits])
        XCTAssertEqual(saved.status, 0, saved.stderr)
        // The stand-in make "makes" a split by copying the old one.
        try Stages.stubTools(in: bin, [
            "make": "echo \"make $*\" >> \(calls)\nfor a; do case $a in */splits.h5) cp \(old)/provo/splits.h5 \"$a\" ;; esac; done\n",
            "setsid": "echo \"setsid $*\" >> \(calls)\n",
        ])

        let script = TestPaths.packageRoot.appendingPathComponent("scripts/resume-run.sh")
        let env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                   "CARRY": carry, "CARRY_EVERY": "0", "PREPARE_SPLITS": prepareSplits]
        let first = try Stages.runExecutable(script, [run, art], environment: env, unset: ["SPAN_SESSIONS", "SESSION_END", "SESSION_MINUTES"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/.git"), "the run tree is cloned")
        XCTAssertEqual(try String(contentsOfFile: art + "/provo/samples/seed42.h5", encoding: .utf8), "not really hdf5", "the carry is restored")
        XCTAssertTrue(try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8).contains("\n\(art)/provo/samples/seed42.h5\t"))
        XCTAssertTrue(first.stdout.contains("carry: made 1 splits again into \(art) (1 as in the carried run"), first.stdout)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: art + "/provo/splits.h5")[.modificationDate] as? Date,
                       try FileManager.default.attributesOfItem(atPath: old + "/provo/splits.h5")[.modificationDate] as? Date)
        XCTAssertTrue(first.stdout.contains("artifacts \(art) (SPAN_SESSIONS=0)"), "a new machine: runs end in their session")
        // A second start in the same session keeps the first's decision (the folder has a ledger
        // now, but it is this session's).
        let second = try Stages.runExecutable(script, [run, art], environment: env, unset: ["SPAN_SESSIONS", "SESSION_END", "SESSION_MINUTES"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("artifacts \(art) (SPAN_SESSIONS=0)"), second.stdout)
        // The next session on this machine (the marker's SESSION_END has passed): runs may span sessions.
        try "\(Int(Date().timeIntervalSince1970) - 60) 0\n".write(toFile: art + "/.session", atomically: true, encoding: .utf8)
        let kept = try Stages.runExecutable(script, [run, art], environment: env, unset: ["SPAN_SESSIONS", "SESSION_END", "SESSION_MINUTES"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stdout.contains("artifacts \(art) (SPAN_SESSIONS=1)"), kept.stdout)
        XCTAssertTrue(try String(contentsOfFile: art + "/.session", encoding: .utf8).hasSuffix(" 1\n"))
        let log = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(log, ["make build models data ART=\(art)", "make --no-print-directory NO_BUILD=1 ART=\(art) \(art)/provo/splits.h5",
                             "setsid nice -n 10 scripts/run-all.sh \(art)",
                             "make build models data ART=\(art)", "setsid nice -n 10 scripts/run-all.sh \(art)",
                             "make build models data ART=\(art)", "setsid nice -n 10 scripts/run-all.sh \(art)"])

        // A run-paperB.sh (or run-all.sh) on this folder counts as a running chain; one on a folder
        // whose name only starts like it does not.
        let fakeScript = dir + "/fake/run-paperB.sh"
        try FileManager.default.createDirectory(atPath: dir + "/fake", withIntermediateDirectories: true)
        try "trap 'kill $!; exit 0' TERM\nsleep 30 &\nwait\n".write(toFile: fakeScript, atomically: true, encoding: .utf8)
        func fakeChain(_ folder: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [fakeScript, folder]
            try p.run()
            usleep(200_000)
            return p
        }
        let other = try fakeChain(art + "2")
        let notHere = try Stages.runExecutable(script, [run, art], environment: env, unset: ["SPAN_SESSIONS", "SESSION_END", "SESSION_MINUTES"])
        other.terminate(); other.waitUntilExit()
        XCTAssertFalse(notHere.stdout.contains("already running"), notHere.stdout)
        let fake = try fakeChain(art)
        defer { fake.terminate(); fake.waitUntilExit() }
        let third = try Stages.runExecutable(script, [run, art], environment: env, unset: ["SPAN_SESSIONS", "SESSION_END", "SESSION_MINUTES"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stdout.contains("already running"), third.stdout)
        XCTAssertEqual(try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").count, 9, "nothing built or started")
    }
}
