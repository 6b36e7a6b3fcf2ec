import TestSupport
import Foundation
import XCTest

/// scripts/carry.sh on its own (MakePaperBTests runs it with the Makefile): blobs named by content,
/// a save killed half-way, and a restore onto a machine that was kept and went on after the save.
final class CarryScriptTests: XCTestCase {
    let script = TestPaths.packageRoot.appendingPathComponent("scripts/carry.sh")
    let fm = FileManager.default
    /// Each test's own folder, with an artifacts folder `art` and a carry folder `c` in it.
    private var dir = ""
    private var art: String { dir + "/art" }
    private var c: String { dir + "/carry" }

    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? fm.removeItem(atPath: dir) }

    private func write(_ text: String, _ path: String) throws {
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func carry(_ args: [String]) throws -> Stages.Result {
        try Stages.runExecutable(script, args)
    }

    func testBlobsAreNamedByContentAndAKilledSaveLeavesTheLastCarryWhole() throws {
        try write("same", art + "/provo/samples/a/seed42.h5")
        try write("same", art + "/provo/samples/b/seed42.h5")
        try write("log", art + "/provo/finetune/x/seed42/train_log.h5")
        try write("weights", art + "/provo/finetune/x/seed42/model/model.h5")
        XCTAssertEqual(try carry(["save", art, c]).status, 0)
        // Two files with the same bytes share one blob; weights are not carried.
        let blobs = try fm.contentsOfDirectory(atPath: c + "/files").sorted()
        XCTAssertEqual(blobs.count, 2, "\(blobs)")
        XCTAssertTrue(blobs.allSatisfy { $0.count == 64 + 3 && $0.hasSuffix(".xz") }, "\(blobs)")
        let manifest = try String(contentsOfFile: c + "/manifest.tsv", encoding: .utf8)
        XCTAssertFalse(manifest.contains("/model/"), manifest)

        // A save killed after it wrote a changed file's blob and before the manifest: the old
        // manifest with every blob of both saves. The old manifest's blobs are untouched (a blob's
        // name is its content), so the carry is whole; the next save drops the extra blob.
        let killed = dir + "/carry-killed"
        try fm.copyItem(atPath: c, toPath: killed)
        try write("changed", art + "/provo/samples/a/seed42.h5")
        XCTAssertEqual(try carry(["save", art, c]).status, 0)
        for blob in try fm.contentsOfDirectory(atPath: c + "/files") where !fm.fileExists(atPath: killed + "/files/" + blob) {
            try fm.copyItem(atPath: c + "/files/" + blob, toPath: killed + "/files/" + blob)
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: killed + "/files").count, 3)
        let verified = try carry(["verify", killed])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        try write("same", art + "/provo/samples/a/seed42.h5")
        XCTAssertTrue(try carry(["save", art, killed]).stdout.contains("(0 new or changed, 1 dropped, 0 too large)"))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: killed + "/files").sorted(), blobs)
    }

    func testARestoreOnAKeptMachineBringsBackNothingFinishedSince() throws {
        let header = "target\tstarted_utc\tseconds\texit_status\tcores\n"
        let sample = art + "/provo/samples/a/seed42.h5"
        // At the save: a sampling run going on (heartbeat row, one finished chunk).
        try write(header, art + "/timings.tsv")
        try write("\(sample)\t2026-12-07T05:00:00Z\t60.0\tinterrupted\t2\n", art + "/timings.tsv.partial/1.2.tsv")
        try write("chunk", sample + ".chunks/chunk-00000.h5")
        XCTAssertEqual(try carry(["save", art, c]).status, 0)
        // Then it finished on this machine: its own row logged, the chunks put together.
        try fm.removeItem(atPath: art + "/timings.tsv.partial/1.2.tsv")
        try fm.removeItem(atPath: sample + ".chunks")
        try write("whole", sample)
        try write(header + "\(sample)\t2026-12-07T05:00:00Z\t300.0\t0\t2\n", art + "/timings.tsv")
        let r = try carry(["restore", c, art])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 finished here since"), r.stdout)
        XCTAssertFalse(fm.fileExists(atPath: art + "/timings.tsv.partial/1.2.tsv"), "the run's time would count twice")
        XCTAssertFalse(fm.fileExists(atPath: sample + ".chunks"))
        XCTAssertEqual(try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8).split(separator: "\n").count, 2)
        // On a new machine both come back: the run resumes from its chunk.
        let art2 = dir + "/art2"
        XCTAssertEqual(try carry(["restore", c, art2]).status, 0)
        XCTAssertTrue(fm.fileExists(atPath: art2 + "/timings.tsv.partial/1.2.tsv"))
        XCTAssertTrue(fm.fileExists(atPath: art2 + "/provo/samples/a/seed42.h5.chunks/chunk-00000.h5"))
    }

    /// A carry is read from a repository anyone may have edited: a row naming a path outside the
    /// artifacts folder (absolute, or with ..) is refused, naming the file and line, before anything
    /// is written; so is a malformed one.
    func testARowOutsideTheArtifactsFolderIsRefused() throws {
        try write("a", art + "/provo/samples/a/seed42.h5")
        try write("b", art + "/provo/samples/b/seed42.h5")
        XCTAssertEqual(try carry(["save", art, c]).status, 0)
        let manifest = try String(contentsOfFile: c + "/manifest.tsv", encoding: .utf8)
        for (bad, line) in [("../escaped.h5", 3), ("/tmp/escaped.h5", 3)] {
            try manifest.replacingOccurrences(of: "provo/samples/b/seed42.h5", with: bad)
                .write(toFile: c + "/manifest.tsv", atomically: true, encoding: .utf8)
            for args in [["verify", c], ["restore", c, dir + "/new-art"]] {
                let r = try carry(args)
                XCTAssertNotEqual(r.status, 0, "\(args) \(bad)")
                XCTAssertTrue(r.stderr.contains("\(c)/manifest.tsv: line \(line): path outside the artifacts folder: \(bad)"), r.stderr)
            }
            XCTAssertFalse(fm.fileExists(atPath: dir + "/escaped.h5"))
            XCTAssertFalse(fm.fileExists(atPath: dir + "/new-art/provo"), "nothing restored")
        }
        try manifest.write(toFile: c + "/manifest.tsv", atomically: true, encoding: .utf8)
        let digest = String(repeating: "0", count: 64)
        try "path\tdigest\tsha256\tmtime_ns\n../splits.h5\t\(digest)\t\(digest)\t1.5\n"
            .write(toFile: c + "/remade.tsv", atomically: true, encoding: .utf8)
        let r = try Stages.runExecutable(script, ["remake", c, art], environment: ["MAKE": "/bin/false"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(c)/remade.tsv: line 2: path outside the artifacts folder: ../splits.h5"), r.stderr)
        try "path\tdigest\tsha256\tmtime_ns\nprovo/splits.h5\tshort\t\(digest)\t1.5\n"
            .write(toFile: c + "/remade.tsv", atomically: true, encoding: .utf8)
        XCTAssertTrue(try carry(["verify", c]).stderr.contains("\(c)/remade.tsv: line 2: malformed row"))
    }
    /// A training run's checkpoint is never carried, so on another machine the ledger rows of its
    /// unfinished invocations are lost work: marked "lost", which estimates leave out. Rows of a run
    /// that finished, and of sampling runs (their chunks are carried), stay "interrupted"; on the
    /// machine that made them (kept) nothing changes and no row is added twice.
    func testUnfinishedTrainingRowsAreLostOnAnotherMachine() throws {
        let ft = { [art] (seed: Int) in "\(art)/provo/finetune/g/seed\(seed)/model/finetuned.json" }
        let bert = art + "/paperA/mfrc/bert/predictions.h5", sample = art + "/provo/samples/m/base/seed42.h5"
        let ledger = """
            target\tstarted_utc\tseconds\texit_status\tcores
            \(ft(42))\t2026-12-07T01:00:00Z\t600.0\tinterrupted\t2
            \(ft(42))\t2026-12-07T04:00:00Z\t900.0\t0\t2
            \(ft(123))\t2026-12-07T02:00:00Z\t700.0\tinterrupted\t2
            \(bert)\t2026-12-07T02:00:00Z\t300.0\tinterrupted\t2
            \(sample)\t2026-12-07T02:00:00Z\t50.0\tinterrupted\t2

            """
        try write(ledger, art + "/timings.tsv")
        try write("\(ft(456))\t2026-12-07T05:00:00Z\t200.0\tinterrupted\t2\n", art + "/timings.tsv.partial/1.2.tsv")
        try write("\(sample)\t2026-12-07T05:00:00Z\t20.0\tinterrupted\t2\n", art + "/timings.tsv.partial/3.4.tsv")
        XCTAssertEqual(try carry(["save", art, c]).status, 0)

        // Another machine.
        let art2 = dir + "/art2"
        let r = try carry(["restore", c, art2])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOfFile: art2 + "/timings.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.map { $0[3] }, ["interrupted", "0", "lost", "lost", "interrupted"])
        XCTAssertEqual(rows.map { $0[0] }, [ft(42), ft(42), ft(123), bert, sample].map { $0.replacingOccurrences(of: art + "/", with: art2 + "/") })
        func status(_ heartbeat: String) throws -> String {
            String(try String(contentsOfFile: heartbeat, encoding: .utf8).split(separator: "\t")[3])
        }
        XCTAssertEqual(try status(art2 + "/timings.tsv.partial/1.2.tsv"), "lost")
        XCTAssertEqual(try status(art2 + "/timings.tsv.partial/3.4.tsv"), "interrupted")
        // Seed 123 then runs again from scratch here (900 s). The estimate of the next run of the
        // config leaves the lost 700 s out: 600 + 900 s (25 min) + 12 min of samples fit in 38 min
        // (with them, 26.7 + 12 would not).
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: art2 + "/timings.tsv"))
        handle.seekToEndOfFile()
        handle.write(Data("\(art2)/provo/finetune/g/seed123/model/finetuned.json\t2026-12-08T01:00:00Z\t900.0\t0\t2\n".utf8))
        try handle.close()
        let fits = try Stages.runExecutable(TestPaths.packageRoot.appendingPathComponent("scripts/fits-in-session.sh"),
                                            [art2 + "/timings.tsv", art2 + "/provo/finetune/g/seed789/model/finetuned.json"],
                                            environment: ["SESSION_END": String(Int(Date().timeIntervalSince1970) + 38 * 60)],
                                            unset: ["SPAN_SESSIONS"])
        XCTAssertEqual(fits.status, 0, fits.stderr)

        // The machine that made them, kept: its rows stay as they were, none added twice.
        let before = try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8)
        let kept = try carry(["restore", c, art])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8), before)
        XCTAssertEqual(try status(art + "/timings.tsv.partial/1.2.tsv"), "interrupted")
        XCTAssertFalse(kept.stderr.contains("differs"), kept.stderr)
    }
}
