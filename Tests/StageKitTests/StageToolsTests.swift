import ArgumentParser
import Artifacts
import Foundation
import StageKit
import XCTest

struct DemoStage: ParsableCommand {
    @Option var count: Int
    func validate() throws { if count < 0 { throw ValidationError("--count must be >= 0") } }
    func run() throws {}
}

final class StageToolsTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("distlab-stagetools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    func testExitCodesForDataAndUsageErrors() {
        let data = stageExit(for: StageError.input("data/provo.csv", "row 12: missing column 'Word'"), command: DemoStage.self)
        XCTAssertEqual(data, StageExit(code: 1, text: "error: data/provo.csv: row 12: missing column 'Word'", toStdout: false))
        let art = stageExit(for: ArtifactError(file: "a.h5", object: "dataset 'x'", "expected float32, found int64"), command: DemoStage.self)
        XCTAssertEqual(art.code, 1)
        XCTAssertEqual(art.text, "error: a.h5: dataset 'x': expected float32, found int64")
        XCTAssertEqual(stageExit(for: StageError.usage("--split must be train or test"), command: DemoStage.self).code, 2)

        // ArgumentParser's own errors: bad option value / failed validation => usage (2), help => 0 on stdout.
        for args in [["--count", "x"], ["--count", "-3"], ["--bogus"], []] {
            do {
                _ = try DemoStage.parseAsRoot(args)
                XCTFail("\(args) should not parse")
            } catch {
                let e = stageExit(for: error, command: DemoStage.self)
                XCTAssertEqual(e.code, 2, "\(args): \(e.text)")
                XCTAssertFalse(e.toStdout)
                XCTAssertFalse(e.text.isEmpty)
            }
        }
        // Help/version requests thrown by a stage's run() print to stdout and exit 0.
        let help = stageExit(for: CleanExit.helpRequest(DemoStage.self), command: DemoStage.self)
        XCTAssertEqual(help.code, 0)
        XCTAssertTrue(help.toStdout)
        XCTAssertTrue(help.text.contains("--count"), help.text)
        struct Other: Error, CustomStringConvertible { var description: String { "x.bin: odd" } }
        XCTAssertEqual(stageExit(for: Other(), command: DemoStage.self), StageExit(code: 1, text: "error: x.bin: odd", toStdout: false))
    }

    func testStageContextWritesArtifactWithProvenance() throws {
        let cfgPath = path("c.yaml")
        try "model: smollm\nlayers: [1]\nsampling:\n  temperature: 1.0\n  topK: 5\n".write(toFile: cfgPath, atomically: false, encoding: .utf8)
        let input = path("in.txt")
        try "hello\n".write(toFile: input, atomically: false, encoding: .utf8)

        let ctx = StageContext(stage: "infer", commandLine: ["infer", "--config", cfgPath], seed: 9)
        let cfg = try ctx.loadConfig(SampleConfig.self, from: cfgPath)
        XCTAssertEqual(cfg.sampling.topK, 5)
        try ctx.addInput(input)
        assertThrowsNaming(path("missing.bin")) { try ctx.addInput(self.path("missing.bin")) }

        let out = path("sub/out.h5")  // the folder is created
        try ctx.writeArtifact(to: out, createdAt: "2026-01-01T00:00:00Z") { w in
            try w.write([Float(1), 2], shape: [2], at: "case_0/x")
        }
        let r = try ArtifactReader(path: out)
        let p = try Provenance.read(from: r)
        XCTAssertEqual(p.stage, "infer")
        XCTAssertEqual(p.commandLine, ["infer", "--config", cfgPath])
        XCTAssertEqual(p.configText, try String(contentsOfFile: cfgPath, encoding: .utf8))
        XCTAssertEqual(p.inputHashes, [input: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"])
        XCTAssertEqual(p.seed, 9)
        XCTAssertEqual(p.createdAt, "2026-01-01T00:00:00Z")
        XCTAssertEqual(p.formatVersion, Provenance.currentFormatVersion)
        XCTAssertEqual(try r.read(Float.self, "case_0/x").values, [1, 2])

        // A throwing body leaves nothing behind, and the earlier artifact intact.
        struct Boom: Error {}
        XCTAssertThrowsError(try ctx.writeArtifact(to: out) { _ in throw Boom() })
        XCTAssertEqual(try Provenance.read(from: ArtifactReader(path: out)).createdAt, "2026-01-01T00:00:00Z")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("sub")), ["out.h5"])
    }

    func testAtomicTextWrite() throws {
        let csv = path("report/table.csv")
        try writeTextFileAtomically("a,b\n1,2\n", to: csv)
        XCTAssertEqual(try String(contentsOfFile: csv, encoding: .utf8), "a,b\n1,2\n")
        try writeTextFileAtomically("a,b\n3,4\n", to: csv)
        XCTAssertEqual(try String(contentsOfFile: csv, encoding: .utf8), "a,b\n3,4\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("report")), ["table.csv"])
    }

    private func assertThrowsNaming(_ name: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do { try body(); XCTFail("expected an error", file: file, line: line) } catch {
            XCTAssertTrue("\(error)".contains(name), "\(error)", file: file, line: line)
        }
    }
}
