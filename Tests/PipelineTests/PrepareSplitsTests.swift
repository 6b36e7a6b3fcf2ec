import TestSupport
import Artifacts
import Datasets
import Foundation
import StageKit
import XCTest

final class PrepareSplitsTests: XCTestCase {
    func testFixtureSplitRoundTripsThroughTheArtifact() throws {
        let dir = try Stages.tempDir()
        let out = dir + "/splits.h5"
        let r = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try ClozeSplits.read(path: out)
        // sklearn/NumPy with random_state 42 on ids 1...5: permutation [1 4 2 0 3] → test [2];
        // then on [5, 3, 4, 1]... the remainder [5, 3, 1, 4] order as NumPy gives: val [3], train [4, 5, 1].
        XCTAssertEqual(s.split.test, [2])
        XCTAssertEqual(s.split.validation, [3])
        XCTAssertEqual(s.split.train, [4, 5, 1])
        let norms = try ProvoNorms.load(path: Stages.fixture("cloze_small.tsv"))
        XCTAssertEqual(s.contexts, norms.contexts)
        XCTAssertEqual(s.contexts(in: "test").map(\.textID), Array(repeating: 2, count: 6))
        XCTAssertEqual(s.contexts.first?.context, "The")
        let prov = try Provenance.read(from: try ArtifactReader(path: out))
        XCTAssertEqual(prov.stage, "prepare-splits")
        XCTAssertEqual(prov.seed, 42)
        XCTAssertEqual(prov.inputHashes[Stages.fixture("cloze_small.tsv")], try SHA256.hexDigest(ofFile: Stages.fixture("cloze_small.tsv")))
    }

    /// Two runs a second apart, with nothing pinned: the files are equal byte for byte.
    func testRerunIsBitIdentical() throws {
        let dir = try Stages.tempDir()
        let env: [String: String] = [:]
        var bytes: [Data] = []
        for name in ["a.h5", "b.h5"] {
            if name == "b.h5" { Thread.sleep(forTimeInterval: 1.1) }
            // Same output name in two folders so the recorded command lines are equal too.
            try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
            let out = dir + "/" + name + "/splits.h5"
            let r = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", "splits.h5"],
                                   environment: env, cwd: dir + "/" + name)
            XCTAssertEqual(r.status, 0, r.stderr)
            bytes.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(bytes[0], bytes[1], "two runs with the same inputs and seed differ")
        XCTAssertFalse(try ArtifactReader(path: dir + "/a.h5/splits.h5").hasAttribute("created_at"))

        // Asked for, the time of writing is recorded.
        let out = dir + "/now.h5"
        let r = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", out],
                               environment: ["DISTLAB_CREATED_AT": "now"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let stamp = try Provenance.read(from: ArtifactReader(path: out)).createdAt
        XCTAssertEqual(stamp?.count, 20, "\(String(describing: stamp))")
        XCTAssertTrue(stamp?.hasPrefix("20") == true && stamp?.hasSuffix("Z") == true, "\(String(describing: stamp))")
    }

    func testMalformedRowStopsWithFileAndLineAndWritesNothing() throws {
        let dir = try Stages.tempDir()
        var text = try String(contentsOfFile: Stages.fixture("cloze_small.tsv"), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        lines[5] = lines[5].replacingOccurrences(of: "\t3\t10\t", with: "\tthree\t10\t")
        text = lines.joined(separator: "\n")
        let bad = dir + "/bad.tsv"
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        let out = dir + "/splits.h5"
        let r = try Stages.run("prepare-splits", ["provo", "--input", bad, "--output", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.tsv:6"), r.stderr)
        XCTAssertTrue(r.stderr.contains("three"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["bad.tsv"])
    }

    func testZeroCountAndMissingColumnAreErrors() throws {
        let dir = try Stages.tempDir()
        let header = "Text_ID\tWord_Number\tWord\tResponse\tResponse_Count\tTotal_Response_Count\tText\n"
        let zero = dir + "/zero.tsv"
        try (header + "1\t2\tcat\tthe\t0\t0\tThe cat sat.\n").write(toFile: zero, atomically: true, encoding: .utf8)
        var r = try Stages.run("prepare-splits", ["provo", "--input", zero, "--output", dir + "/z.h5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("zero.tsv:2"), r.stderr)
        let missing = dir + "/missing.tsv"
        try "Text_ID\tWord_Number\tWord\tResponse\tText\n1\t2\tcat\tthe\tThe cat sat.\n".write(toFile: missing, atomically: true, encoding: .utf8)
        r = try Stages.run("prepare-splits", ["provo", "--input", missing, "--output", dir + "/m.h5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing.tsv") && r.stderr.contains("Response_Count"), r.stderr)
    }

    func testRealProvoSplitHas536TestContexts() throws {
        guard let data = TestPaths.datasets else { throw XCTSkip("no datasets folder") }
        let dir = try Stages.tempDir()
        let out = dir + "/provo.h5"
        let r = try Stages.run("prepare-splits", ["provo", "--input", data + "/provo/provo_cloze_norms.tsv", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try ClozeSplits.read(path: out)
        XCTAssertEqual(Set(s.split.test), [6, 13, 14, 20, 27, 32, 33, 42, 44, 50, 53])
        XCTAssertEqual(Set(s.split.validation), [2, 21, 23, 41, 55])
        XCTAssertEqual(s.split.train.count, 39)
        XCTAssertEqual(s.contexts.count, 2687)
        XCTAssertEqual(s.contexts(in: "test").count, 536)
        // h5dump, the standard HDF5 tool, reads the artifact and its provenance.
        let h5dump = URL(fileURLWithPath: "/usr/bin/h5dump")
        guard FileManager.default.isExecutableFile(atPath: h5dump.path) else { return }
        let dump = try Stages.runExecutable(h5dump, ["-A", out])
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let text = dump.stdout
        for attr in ["stage", "command_line", "config_sha256", "input_sha256", "code_version", "seed", "compute"] {
            XCTAssertTrue(text.contains("ATTRIBUTE \"\(attr)"), "h5dump shows no \(attr)")
        }
    }
}
