import Foundation
import StageKit
import XCTest

struct SampleConfig: Codable, Equatable {
    struct Sampling: Codable, Equatable {
        var temperature: Double
        var topK: Int
    }
    var model: String
    var layers: [Int]
    var sampling: Sampling
    var note: String?
}

final class ConfigTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("distlab-stagekit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ name: String, _ text: String) throws -> String {
        let p = (dir as NSString).appendingPathComponent(name)
        try text.write(toFile: p, atomically: false, encoding: .utf8)
        return p
    }

    private let expected = SampleConfig(model: "smollm", layers: [1, 2, 3],
                                        sampling: .init(temperature: 0.7, topK: 40), note: nil)

    func testYAMLAndJSONDecodeToTheSameValueAndKeepText() throws {
        let yamlText = "# comment kept\nmodel: smollm\nlayers: [1, 2, 3]\nsampling:\n  temperature: 0.7\n  topK: 40\n"
        let y = try loadConfig(SampleConfig.self, from: write("c.yaml", yamlText))
        XCTAssertEqual(y.value, expected)
        XCTAssertEqual(y.text, yamlText)
        XCTAssertEqual(y.sha256.count, 64)
        let j = try loadConfig(SampleConfig.self, from: write("c.json",
            #"{"model": "smollm", "layers": [1, 2, 3], "sampling": {"temperature": 0.7, "topK": 40}}"#))
        XCTAssertEqual(j.value, expected)
        XCTAssertEqual(try loadConfig(SampleConfig.self, from: write("c.yml", yamlText)).value, expected)
    }

    func testErrorsNameFileAndKeyPath() throws {
        let missing = try write("m.yaml", "model: smollm\nlayers: [1]\nsampling:\n  temperature: 0.7\n")
        assertConfigError(["m.yaml", "at 'sampling.topK'", "missing required key"]) { _ = try loadConfig(SampleConfig.self, from: missing) }

        let wrongType = try write("t.json", #"{"model": "m", "layers": [1, "two"], "sampling": {"temperature": 1, "topK": 1}}"#)
        assertConfigError(["t.json", "at 'layers[1]'", "expected a value of type Int, found \"two\""]) { _ = try loadConfig(SampleConfig.self, from: wrongType) }

        let wrongYAMLType = try write("w.yaml", "model: m\nlayers: [1]\nsampling:\n  temperature: hot\n  topK: 1\n")
        assertConfigError(["w.yaml", "at 'sampling.temperature'", "expected a value of type Double, found \"hot\""]) { _ = try loadConfig(SampleConfig.self, from: wrongYAMLType) }

        let nullValue = try write("n.yaml", "model: m\nlayers: [1]\nsampling:\n  temperature: ~\n  topK: 1\n")
        assertConfigError(["n.yaml", "at 'sampling.temperature'", "found null"]) { _ = try loadConfig(SampleConfig.self, from: nullValue) }

        let badSyntax = try write("b.yaml", "model: [unclosed\n")
        assertConfigError(["b.yaml", "invalid YAML"]) { _ = try loadConfig(SampleConfig.self, from: badSyntax) }

        let badJSON = try write("b.json", "{\"model\": \n [1,, 2]}")
        assertConfigError(["b.json", "invalid JSON", "line 2, column 5"]) { _ = try loadConfig(SampleConfig.self, from: badJSON) }

        assertConfigError(["c.toml", "unsupported config extension"]) { _ = try loadConfig(SampleConfig.self, from: write("c.toml", "")) }
        assertConfigError(["nope.yaml", "cannot read"]) { _ = try loadConfig(SampleConfig.self, from: (dir as NSString).appendingPathComponent("nope.yaml")) }
    }

    func testUnknownKeysAreRejectedUnlessAllowed() throws {
        let typo = try write("u.yaml", "model: m\nlayers: [1]\nsampling:\n  temperature: 1\n  topK: 1\n  top_p: 0.9\nnote: null\n")
        assertConfigError(["u.yaml", "at 'sampling.top_p'", "unknown key"]) { _ = try loadConfig(SampleConfig.self, from: typo) }
        XCTAssertEqual(try loadConfig(SampleConfig.self, from: typo, allowUnknownKeys: true).value.sampling.topK, 1)

        let typoJSON = try write("u.json", #"{"model": "m", "layers": [], "sampling": {"temperature": 1, "topK": 1}, "notes": "x"}"#)
        assertConfigError(["u.json", "at 'notes'", "unknown key"]) { _ = try loadConfig(SampleConfig.self, from: typoJSON) }

        // Optional keys that are present are known; explicit nulls are fine.
        let ok = try write("ok.yaml", "model: m\nlayers: []\nsampling: {temperature: 1, topK: 1}\nnote: hi\n")
        XCTAssertEqual(try loadConfig(SampleConfig.self, from: ok).value.note, "hi")
    }

    private func assertConfigError(_ parts: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a config error", file: file, line: line)
        } catch let e as ConfigError {
            for p in parts where !e.description.contains(p) {
                XCTFail("\"\(e)\" does not mention \"\(p)\"", file: file, line: line)
            }
        } catch {
            XCTFail("expected ConfigError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}
