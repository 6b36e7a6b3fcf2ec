import Foundation
import XCTest

/// scripts/carry.sh on its own (MakePaperBTests runs it with the Makefile): blobs named by content,
/// a save killed half-way, and a restore onto a machine that was kept and went on after the save.
final class CarryScriptTests: XCTestCase {
    let script = Stages.packageRoot.appendingPathComponent("scripts/carry.sh")
    let fm = FileManager.default

    private func write(_ text: String, _ path: String) throws {
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func carry(_ args: [String]) throws -> Stages.Result {
        try Stages.runExecutable(script, args)
    }

    func testBlobsAreNamedByContentAndAKilledSaveLeavesTheLastCarryWhole() throws {
        let dir = try Stages.tempDir()
        defer { try? fm.removeItem(atPath: dir) }
        let art = dir + "/art", c = dir + "/carry"
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
        let dir = try Stages.tempDir()
        defer { try? fm.removeItem(atPath: dir) }
        let art = dir + "/art", c = dir + "/carry"
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
        let dir = try Stages.tempDir()
        defer { try? fm.removeItem(atPath: dir) }
        let art = dir + "/art", c = dir + "/carry"
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
}
