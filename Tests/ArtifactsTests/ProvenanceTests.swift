import Artifacts
import Foundation
import XCTest

final class ProvenanceTests: TempDirTestCase {
    private func sample() throws -> Provenance {
        let input = file("in.txt")
        try "hello\n".write(toFile: input, atomically: false, encoding: .utf8)
        return Provenance(stage: "probe", commandLine: ["probe", "--config", "c.yaml", "--out", "x y.h5"],
                          configText: "lr: 0.001\nlayers: [1, 2]\n", inputHashes: try Provenance.hashFiles([input]),
                          codeVersion: "0123abc-dirty", seed: 42, createdAt: "2026-11-26T12:00:00Z")
    }

    func testRoundTripThroughRootAttributes() throws {
        let p = try sample()
        XCTAssertEqual(p.inputHashes.values.first, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")  // sha256("hello\n")
        XCTAssertEqual(p.configSHA256, SHA256.hexDigest("lr: 0.001\nlayers: [1, 2]\n"))
        let path = file("p.h5")
        try ArtifactWriter.write(to: path) { w in try p.write(to: w) }
        let back = try Provenance.read(from: ArtifactReader(path: path))
        XCTAssertEqual(back, p)

        var withCompute = p
        withCompute.compute = "OpenBLAS threads 2, OPENBLAS_CORETYPE Haswell"
        try ArtifactWriter.write(to: path) { w in try withCompute.write(to: w) }
        XCTAssertEqual(try Provenance.read(from: ArtifactReader(path: path)), withCompute)

        var noSeed = p
        noSeed.seed = nil
        noSeed.inputHashes = [:]
        try ArtifactWriter.write(to: path) { w in try noSeed.write(to: w) }
        XCTAssertEqual(try Provenance.read(from: ArtifactReader(path: path)), noSeed)
    }

    func testReadingNonArtifactNamesMissingAttribute() throws {
        let path = file("bare.h5")
        try ArtifactWriter.write(to: path) { w in try w.write([Float(1)], shape: [1], at: "x") }
        assertThrows([path, "input_paths", "missing attribute"]) { _ = try Provenance.read(from: ArtifactReader(path: path)) }
    }

    func testTimestampIsISO8601UTC() {
        XCTAssertEqual(Provenance.timestamp(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Provenance.timestamp(Date(timeIntervalSince1970: 1_764_167_400)), "2025-11-26T14:30:00Z")
    }

    func testCodeVersionSources() throws {
        XCTAssertEqual(CodeVersion.resolve(environment: ["DISTLAB_CODE_VERSION": "v1.2"], packageDirectory: dir), "v1.2")
        XCTAssertEqual(CodeVersion.resolve(environment: [:], packageDirectory: dir), "unknown", "a temp folder is no git repository")
        // With git available, a fresh repository gives its HEAD, and -dirty once a file changes.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { throw XCTSkip("git not installed") }
        let git = { (args: [String]) throws in
            _ = try self.run("/usr/bin/git", ["-C", self.dir, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + args)
        }
        try git(["init", "-q"])
        try "a\n".write(toFile: file("f.txt"), atomically: false, encoding: .utf8)
        try git(["add", "f.txt"])
        try git(["commit", "-q", "-m", "x"])
        let (_, head) = try run("/usr/bin/git", ["-C", dir, "rev-parse", "HEAD"])
        let h = head.trimmingCharacters(in: .whitespacesAndNewlines)
        guard h.count == 40 else { throw XCTSkip("git could not commit here") }
        XCTAssertEqual(CodeVersion.resolve(environment: [:], packageDirectory: dir), h)
        // The pipeline's outputs and the docs do not make the code dirty.
        try FileManager.default.createDirectory(atPath: file("results/paperB"), withIntermediateDirectories: true)
        try "x\n".write(toFile: file("results/paperB/table1.csv"), atomically: false, encoding: .utf8)
        try "notes\n".write(toFile: file("NOTES.md"), atomically: false, encoding: .utf8)
        XCTAssertEqual(CodeVersion.resolve(environment: [:], packageDirectory: dir), h)
        try "b\n".write(toFile: file("f.txt"), atomically: false, encoding: .utf8)
        XCTAssertEqual(CodeVersion.resolve(environment: [:], packageDirectory: dir), h + "-dirty")
        // The version recorded at build time wins over git now; the environment over both.
        XCTAssertEqual(CodeVersion.resolve(environment: [:], packageDirectory: dir, recorded: "abc"), "abc")
        XCTAssertEqual(CodeVersion.resolve(environment: ["DISTLAB_CODE_VERSION": "v1.2"], packageDirectory: dir, recorded: "abc"), "v1.2")
    }

    /// `make build` records the version next to the executables; it applies to an executable that
    /// is not newer than the record (one rebuilt since without make is).
    func testRecordedVersionAppliesOnlyToExecutablesNotNewerThanIt() throws {
        let exe = file("infer"), record = file("code-version")
        try "binary".write(toFile: exe, atomically: false, encoding: .utf8)
        XCTAssertNil(CodeVersion.recordedVersion(file: record, executable: exe), "no record")
        try "0123abc\n".write(toFile: record, atomically: false, encoding: .utf8)
        let fm = FileManager.default
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000)], ofItemAtPath: exe)
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 2_000)], ofItemAtPath: record)
        XCTAssertEqual(CodeVersion.recordedVersion(file: record, executable: exe), "0123abc")
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 3_000)], ofItemAtPath: exe)
        XCTAssertNil(CodeVersion.recordedVersion(file: record, executable: exe), "the executable was rebuilt after the record")
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 3_000)], ofItemAtPath: record)
        try "\n".write(toFile: record, atomically: false, encoding: .utf8)
        XCTAssertNil(CodeVersion.recordedVersion(file: record, executable: exe), "an empty record")
    }

    func testH5DumpShowsProvenanceAttributes() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/h5dump") else { throw XCTSkip("h5dump not installed") }
        let path = file("p.h5")
        let p = try sample()
        try ArtifactWriter.write(to: path) { w in
            try p.write(to: w)
            try w.write([Float(1), 2], shape: [2], at: "case_0/x")
        }
        let (status, out) = try run("/usr/bin/h5dump", ["-A", path])
        XCTAssertEqual(status, 0)
        for needle in ["ATTRIBUTE \"stage\"", "\"probe\"", "ATTRIBUTE \"command_line\"", "\"x y.h5\"",
                       "ATTRIBUTE \"config_sha256\"", p.configSHA256, "ATTRIBUTE \"input_sha256\"",
                       "ATTRIBUTE \"code_version\"", "\"0123abc-dirty\"", "ATTRIBUTE \"seed\"",
                       "ATTRIBUTE \"created_at\"", "\"2026-11-26T12:00:00Z\"", "ATTRIBUTE \"distlab_format_version\"",
                       "H5T_CSET_UTF8", "DATASET \"x\""] {
            XCTAssertTrue(out.contains(needle), "h5dump -A output lacks \(needle)")
        }
    }

    func testH5pyReadsArtifactWithoutCustomCode() throws {
        let probe = try run("/usr/bin/env", ["python3", "-c", "import h5py, numpy"])
        guard probe.0 == 0 else { throw XCTSkip("h5py not installed") }
        let path = file("py.h5")
        try ArtifactWriter.write(to: path) { w in
            try sample().write(to: w)
            try w.write([Float(1.5), 2.5, 3.5, 4.5, 5.5, 6.5], shape: [2, 3], at: "case_0/logits")
            try w.writeStrings(["café", "b"], at: "case_0/words")
        }
        let script = """
        import h5py, sys
        f = h5py.File(sys.argv[1], 'r')
        x = f['case_0/logits'][...]
        assert x.shape == (2, 3) and x.dtype == 'float32' and x[1, 2] == 6.5, x
        w = [s.decode() if isinstance(s, bytes) else s for s in f['case_0/words'][...]]
        assert w == ['café', 'b'], w
        assert f.attrs['stage'] == 'probe' and int(f.attrs['seed']) == 42
        print('ok')
        """
        let (status, out) = try run("/usr/bin/env", ["python3", "-c", script, path])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }
}
