import TestSupport
import Artifacts
import Foundation
import XCTest

/// `infer logprobs` end to end: the built binary against the shared reference log-probabilities.
final class InferLogprobsTests: XCTestCase {
    static let referenceDir = TestPaths.reference + "/logprobs"

    func compareWithReference(model file: String, reference: String) throws {
        let modelPath = TestPaths.models + "/" + file
        guard FileManager.default.fileExists(atPath: modelPath) else { throw XCTSkip("\(modelPath) not present (make models)") }
        let refPath = Self.referenceDir + "/" + reference
        guard let refData = FileManager.default.contents(atPath: refPath) else { throw XCTSkip("\(refPath) not present") }
        let ref = try JSONSerialization.jsonObject(with: refData) as! [String: Any]
        let cases = ref["cases"] as! [[String: Any]]
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The JSONL the user would write: text, add_bos and special of each reference case.
        var jsonl = ""
        for c in cases {
            let line: [String: Any] = ["text": c["text"]!, "add_bos": c["add_bos"]!, "special": c["special"] ?? false]
            jsonl += String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try jsonl.write(toFile: dir + "/cases.jsonl", atomically: true, encoding: .utf8)
        let out = dir + "/out.h5"
        let r = try Stages.run("infer", ["logprobs", "--model", modelPath, "--input", dir + "/cases.jsonl", "--output", out, "--top-k", "10"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let reader = try ArtifactReader(path: out)
        defer { reader.close() }
        XCTAssertEqual(try reader.intAttribute("n_cases"), cases.count)
        var maxDiff = 0.0
        for (i, c) in cases.enumerated() {
            let ids = (c["token_ids"] as! [Int]).map(Int32.init)
            let n = ids.count
            XCTAssertEqual(try reader.read(Int32.self, "case_\(i)/token_ids").values, ids, "case \(i) token ids")
            let lp = try reader.read(Double.self, "case_\(i)/next_token_logprob", shape: [n - 1]).values
            let refLP = c["next_token_logprob"] as! [Double]
            XCTAssertEqual(lp.count, refLP.count)
            for (a, b) in zip(lp, refLP) { maxDiff = max(maxDiff, abs(a - b)) }
            let top = try reader.read(Int32.self, "case_\(i)/topk_ids", shape: [n - 1, 10]).values
            let topLP = try reader.read(Double.self, "case_\(i)/topk_logprob", shape: [n - 1, 10]).values
            let refTop = c["top10"] as! [[[Double]]]
            for t in 0..<min(n - 1, refTop.count) {
                XCTAssertEqual(Int(top[t * 10]), Int(refTop[t][0][0]), "case \(i) position \(t): top-1 differs")
                for j in 0..<10 {
                    // Sorted values agree rank by rank even where near-ties swap ids.
                    maxDiff = max(maxDiff, abs(topLP[t * 10 + j] - refTop[t][j][1]))
                    if j > 0 { XCTAssertGreaterThanOrEqual(topLP[t * 10 + j - 1], topLP[t * 10 + j]) }
                    // Ids must match wherever the reference separates the rank from its neighbours.
                    let gapAbove = j > 0 ? refTop[t][j - 1][1] - refTop[t][j][1] : .infinity
                    let gapBelow = j < 9 ? refTop[t][j][1] - refTop[t][j + 1][1] : .infinity
                    if min(gapAbove, gapBelow) > 1e-3 {
                        XCTAssertEqual(Int(top[t * 10 + j]), Int(refTop[t][j][0]), "case \(i) position \(t) rank \(j)")
                    }
                }
            }
        }
        print("INFER LOGPROBS \(file): max |log p - reference| = \(maxDiff) over \(cases.count) cases")
        XCTAssertLessThan(maxDiff, 2e-3)
    }

    func testSmolLM2MatchesReference() throws {
        try compareWithReference(model: "SmolLM2-135M-Instruct.Q4_1.gguf", reference: "smollm2-135m-instruct.json")
    }

    func testGemma3MatchesReference() throws {
        try compareWithReference(model: "gemma-3-270m-q4_k_m.gguf", reference: "gemma3-270m.json")
    }

    /// Every kind of bad line stops the stage with file:line, exit 1, and no output file.
    func testBadJSONLNamesFileAndLineAndWritesNothing() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The model is never opened when the input is bad, so any path will do.
        let model = dir + "/model.gguf"
        try Data([0]).write(to: URL(fileURLWithPath: model))
        let good = #"{"text": "Hello there", "add_bos": false}"#
        let bad: [(String, String)] = [
            (#"{"text": "unterminated"#, "invalid JSON"),
            (#"{"add_bos": true}"#, "missing \"text\""),
            (#"{"text": 42}"#, "\"text\" must be a string"),
            (#"{"text": ""}"#, "\"text\" is empty"),
            (#"{"text": "x", "add_bos": "yes"}"#, "\"add_bos\" must be true or false"),
            (#"{"text": "x", "add_bos": 1}"#, "\"add_bos\" must be true or false"),
            (#"{"text": "x", "special": null, "addbos": true}"#, "unknown key \"addbos\""),
            (#"["text"]"#, "expected a JSON object"),
            ("", "blank line"),
        ]
        for (line, expected) in bad {
            let input = dir + "/cases.jsonl"
            try (good + "\n" + line + "\n" + good + "\n").write(toFile: input, atomically: true, encoding: .utf8)
            let out = dir + "/out.h5"
            let r = try Stages.run("infer", ["logprobs", "--model", model, "--input", input, "--output", out])
            XCTAssertEqual(r.status, 1, "\(line): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("cases.jsonl:2"), "\(line): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "\(line): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["cases.jsonl", "model.gguf"])
    }
}
