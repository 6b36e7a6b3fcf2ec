import Foundation
import XCTest
import StageKit

/// pipeline/paperB.yaml decodes, validates, and becomes the Make variables the Makefile runs on;
/// a bad value is an error naming the file and key.
final class PaperBExperimentTests: XCTestCase {
    static let repoFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipeline/paperB.yaml").path

    func testRepositoryExperimentFileGivesTheMakeVariables() throws {
        let e = try PaperBExperiment.load(Self.repoFile).value
        XCTAssertEqual(e.seeds, [42, 123, 456])
        XCTAssertEqual(e.models.base.label, "Gemma-3-270M")
        XCTAssertEqual(e.models.instruct.paperColumn, "Mistral-7B-IT")
        let vars = e.makeVariables(source: "pipeline/paperB.yaml")
        for line in ["B_SEEDS = 42 123 456", "B_BASE_KEY = gemma3", "B_INSTR_FILE = models/SmolLM2-135M-Instruct.Q4_1.gguf",
                     "B_SAMPLING = --samples 40 --max-new-tokens 5 --top-k 50 --top-p 1.0 --temperature 1.0",
                     "FT_ABL = 1 2 4 8 16 32", "B_ABL_SEED = 123", "B_ABL_CONFIG = gemma-full-ablation-n$(1)",
                     "B_INSTR_ONE_SHOT = yes", "B_BASE_FT_MUL = gemma-full-mul", "QA_QUESTIONS = 55"] {
            XCTAssertTrue(vars.contains(line + "\n"), "missing: \(line)\n\(vars)")
        }
        // Every fine-tuning config it names exists.
        let root = URL(fileURLWithPath: Self.repoFile).deletingLastPathComponent().path
        let names = [e.models.base.finetune, e.models.instruct.finetune].flatMap { [$0.orig, $0.maj, $0.mul] }
            + e.ablation.answers.map { e.ablation.config.replacingOccurrences(of: "{n}", with: String($0)) }
        for n in names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/finetune/\(n).yaml"), n)
        }
    }

    func testBadValuesNameTheKey() throws {
        let text = try String(contentsOfFile: Self.repoFile, encoding: .utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String, String)] = [
            ("top_k: 50 ", "top_k: -1 ", "sampling.top_k"),
            ("seeds: [42, 123, 456]", "seeds: [42, 42]", "seeds"),
            ("prompt: plain ", "prompt: chat ", "models.base.prompt"),
            ("config: gemma-full-ablation-n{n}", "config: gemma-full-ablation", "ablation.config"),
            ("    key: smollm2", "    key: gemma3", "models.instruct.key"),
            ("  samples: 40", "  samples: forty", "sampling.samples"),
        ]
        for (from, to, key) in cases {
            XCTAssertTrue(text.contains(from), from)
            let path = dir + "/bad.yaml"
            try text.replacingOccurrences(of: from, with: to).write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try PaperBExperiment.load(path), key) { error in
                let d = "\(error)"
                XCTAssertTrue(d.contains(path) && d.contains(key), "\(key): \(d)")
            }
        }
        // A missing key is named too.
        let path = dir + "/missing.yaml"
        try text.replacingOccurrences(of: "  max_new_tokens: 5\n", with: "").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PaperBExperiment.load(path)) { XCTAssertTrue("\($0)".contains("max_new_tokens"), "\($0)") }
    }
}
