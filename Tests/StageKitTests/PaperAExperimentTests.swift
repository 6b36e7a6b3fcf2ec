import Foundation
import XCTest
import StageKit

/// pipeline/paperA.yaml decodes, validates, and becomes the paper A Make variables; a bad value
/// is an error naming the file and key.
final class PaperAExperimentTests: XCTestCase {
    static let repoFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipeline/paperA.yaml").path

    func testRepositoryExperimentFileGivesTheMakeVariables() throws {
        let e = try PaperAExperiment.load(Self.repoFile).value
        XCTAssertEqual(e.datasets.map(\.key), ["semeval", "boxes", "goemotions", "mfrc", "hs-brexit", "md-agreement"])
        let vars = e.makeVariables(source: "pipeline/paperA.yaml")
        for line in ["A_SEED = 42", "A_SHOTS = 10", "A_MAIN_SIZE = 200", "A_DATASETS = semeval boxes goemotions mfrc hs-brexit md-agreement",
                     "A_ALIGN_DATASETS = goemotions mfrc hs-brexit md-agreement", "A_MULTI_DATASETS = semeval boxes goemotions mfrc", "A_PROBE_DATASETS = semeval goemotions mfrc", "A_MODELS = smollm2 qwen gemma3", "A_TABLE_qwen = 1",
                     "A_TABLE_smollm2 = 5", "A_PROMPT_gemma3 = plain", "A_DIR_semeval = semeval2018_ec", "A_PROBE_TRAIN = 500",
                     "A_BERT_FILE = models/all-MiniLM-L6-v2", "A_BERT_CONFIG = pipeline/finetune/paperA-demux.yaml", "A_BERT_TABLES = 1,5"] {
            XCTAssertTrue(vars.contains(line + "\n"), "missing: \(line)\n\(vars)")
        }
    }

    func testBadValuesNameTheKey() throws {
        let text = try String(contentsOfFile: Self.repoFile, encoding: .utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("expA-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String, String)] = [
            ("{key: mfrc, dir: mfrc", "{key: hatexplain, dir: mfrc", "datasets[3].key"),
            ("{key: hs-brexit, dir: lewidi, alignment: true}", "{key: hs-brexit, dir: lewidi, alignment: false}", "datasets[4].alignment"),
            ("{key: boxes, dir: generated", "{key: boxes, dir: boxes", "datasets[1].dir"),
            ("prompt: plain, table: none", "prompt: instruction, table: none", "models[2].prompt"),
            ("prompt: chat, table: \"1\"", "prompt: chat, table: \"5\"", "models[1].table"),
            ("paper: A", "paper: B2", "paper"),
            ("probe_train_size: 500", "probe_train_size: 1", "probe_train_size"),
            ("config: pipeline/finetune/paperA-demux.yaml", "config: pipeline/finetune/paperA-demux.txt", "supervised.config"),
        ]
        for (from, to, key) in cases {
            XCTAssertTrue(text.contains(from), from)
            let path = dir + "/bad.yaml"
            try text.replacingOccurrences(of: from, with: to).write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try PaperAExperiment.load(path), key) { e in
                XCTAssertTrue("\(e)".contains("bad.yaml") && "\(e)".contains(key), "\(key): \(e)")
            }
        }
    }
}
