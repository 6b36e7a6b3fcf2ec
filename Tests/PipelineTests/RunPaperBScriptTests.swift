import Foundation
import XCTest

/// scripts/run-paperB.sh with a stand-in `make` that records its arguments: the first seed of the
/// instruct model's FT (Mul.) that is not done runs first, alone with two BLAS threads, and the
/// parallel makes after it leave the rest of that row out; once every seed is done, nothing is left
/// out; with too little of the session left, the long run waits for the next session.
final class RunPaperBScriptTests: XCTestCase {
    func run(doneSeeds: [String], environment: [String: String] = [:]) throws -> [String] {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = dir + "/bin", calls = dir + "/calls", art = dir + "/art"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // `make -q` succeeds for the done seeds' targets only; paperB-long-runs lists three seeds
        // (after a line of other output, as a make that first writes the experiment's variables prints).
        let done = doneSeeds.map { "\"-q \"*\"\(art)/s\($0) \"*) exit 0 ;;" }.joined(separator: "\n  ")
        try """
            #!/bin/sh
            echo "make $*" >> \(calls)
            case "$*" in
              *paperB-long-runs*) echo "wrote the experiment"; for s in 42 123 456; do echo "\(art)/s$s \(art)/q$s"; done ;;
              \(done)
              "-q "*) exit 1 ;;
            esac
            exit 0
            """.write(toFile: bin + "/make", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/make")
        let env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")].merging(environment) { $1 }
        let r = try Stages.runExecutable(Stages.packageRoot.appendingPathComponent("scripts/run-paperB.sh"), [art], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: art, with: "A")
        }
    }

    func testOneLongRunPerSessionThenTheRestWithoutIt() throws {
        let calls = try run(doneSeeds: ["42"])
        XCTAssertEqual(calls, [
            "make -s ART=A paperB-long-runs",
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

    /// Too little of the session left (SESSION_END) for the long run: it is not started, and deferred.
    func testNoLongRunWhenTheSessionEndsTooSoon() throws {
        let soon = String(Int(Date().timeIntervalSince1970) + 60 * 60)
        let calls = try run(doneSeeds: ["42"], environment: ["SESSION_END": soon])
        XCTAssertFalse(calls.contains { $0.contains("BLAS_THREADS=2") }, calls.joined(separator: "\n"))
        XCTAssertEqual(calls.last, "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB B_DEFER_LONG=1")
        let later = String(Int(Date().timeIntervalSince1970) + 120 * 60)
        XCTAssertTrue(try run(doneSeeds: ["42"], environment: ["SESSION_END": later]).contains("make BLAS_THREADS=2 ART=A A/s123 A/q123"))
    }

    func testEverySeedDoneLeavesNothingOut() throws {
        let calls = try run(doneSeeds: ["42", "123", "456"])
        XCTAssertFalse(calls.contains { $0.contains("BLAS_THREADS=2") || $0.contains("B_DEFER_LONG") }, calls.joined(separator: "\n"))
        XCTAssertEqual(calls.last, "make -k -j2 BLAS_THREADS=1 ART=A finetuned-outputs paperB")
    }
}
