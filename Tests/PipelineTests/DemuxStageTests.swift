import Artifacts
import Foundation
import StageKit
import Training
import XCTest

/// A tiny random BERT as a Hugging Face folder (config.json, model.safetensors, a WordPiece
/// tokenizer.json whose vocabulary has `words` whole, digits as pieces) for the supervised
/// baseline's stage tests.
func writeTinyBert(to dir: String, words: [String], seed: UInt64 = 3) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    let digits = (0...9).map(String.init)
    let vocab = specials + [",", "."] + digits + digits.map { "##" + $0 } + words
    var ids: [String: Int] = [:]
    for (i, w) in vocab.enumerated() where ids[w] == nil { ids[w] = i }
    let added = specials.enumerated().map { ["id": $0.offset, "content": $0.element, "single_word": false, "lstrip": false,
                                             "rstrip": false, "normalized": false, "special": true] as [String: Any] }
    let tokenizer: [String: Any] = [
        "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
        "normalizer": ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(), "lowercase": true],
        "pre_tokenizer": ["type": "BertPreTokenizer"],
        "post_processor": ["type": "TemplateProcessing",
                           "single": [["SpecialToken": ["id": "[CLS]", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "[SEP]", "type_id": 0]]],
                           "pair": [["SpecialToken": ["id": "[CLS]", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "[SEP]", "type_id": 0]],
                                    ["Sequence": ["id": "B", "type_id": 1]], ["SpecialToken": ["id": "[SEP]", "type_id": 1]]],
                           "special_tokens": ["[CLS]": ["id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]], "[SEP]": ["id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]]]],
        "decoder": ["type": "WordPiece", "prefix": "##", "cleanup": true],
        "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": ids],
    ]
    try JSONSerialization.data(withJSONObject: tokenizer, options: [.sortedKeys]).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
    let cfg = BertConfig(vocabSize: vocab.count, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 64, typeVocabSize: 2, eps: 1e-12)
    let config: [String: Any] = ["model_type": "bert", "architectures": ["BertModel"], "hidden_size": cfg.hiddenSize, "num_hidden_layers": cfg.layers,
                                 "num_attention_heads": cfg.heads, "intermediate_size": cfg.intermediateSize, "max_position_embeddings": cfg.maxPositions,
                                 "type_vocab_size": cfg.typeVocabSize, "vocab_size": cfg.vocabSize, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
                                 "pad_token_id": 0, "position_embedding_type": "absolute"]
    try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: dir + "/config.json"))
    try BertEncoder(config: cfg, seed: seed).save(path: dir + "/model.safetensors", metadata: ["format": "pt"])
}

/// `finetune demux` → `evaluate supervised` on the MFRC fixture with a tiny random BERT.
final class DemuxStageTests: XCTestCase {
    var dir = ""
    let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]
    static let mfrcWords = ["care", "proportionality", "equality", "purity", "authority", "loyalty", "thin", "morality", "non", "-", "moral",
                            "comment", "number", "about", "things"]

    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func config(epochs: Int = 3) throws -> String {
        let path = dir + "/demux.yaml"
        try """
            model: \(dir)/bert
            splits: \(dir)/splits.h5
            output: \(dir)/out
            train_size: 0
            validation_size: 5
            max_length: 48
            targets: majority
            intra_loss_coef: 0.2
            dropout: 0.1
            optimizer: {lr: 1.0e-3, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.01}
            batch_size: 4
            epochs: \(epochs)
            patience: 2
            grad_clip: 1.0
            warmup_ratio: 0.1
            seed: 5
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A small MFRC folder (`rows` posts), its splits (6 main test items, half of the posts as the
    /// test pool; `seed` draws them) and a tiny BERT folder whose vocabulary covers its words.
    func prepareMFRC(rows: Int, seed: Int? = nil) throws {
        if !FileManager.default.fileExists(atPath: dir + "/mfrc") { _ = try LabelsStageTests.writeMFRC(in: dir + "/mfrc", rows: rows) }
        let prep = try Stages.run("prepare-splits", ["labels", "--dataset", "mfrc", "--data-dir", dir + "/mfrc", "--mfrc-test-share", "0.5",
                                                      "--main-test-size", "6", "--multilabel-test-size", "3", "--shots", "4",
                                                      "--output", dir + "/splits.h5"] + (seed.map { ["--seed", String($0)] } ?? []), environment: env)
        XCTAssertEqual(prep.status, 0, prep.stderr)
        if !FileManager.default.fileExists(atPath: dir + "/bert") { try writeTinyBert(to: dir + "/bert", words: Self.mfrcWords) }
    }

    func testTrainPredictScoreAndRerunIdentically() throws {
        try prepareMFRC(rows: 60)
        let cfg = try config()
        let run = try Stages.run("finetune", ["demux", "--config", cfg], environment: env)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("predicting with the weights of epoch"), run.stdout)
        let pred = try SupervisedPredictions.read(path: dir + "/out/predictions.h5")
        XCTAssertEqual(pred.testItems.count, 6)
        XCTAssertEqual(pred.labels.count, 6)
        XCTAssertTrue(pred.multiLabel)
        XCTAssertEqual(pred.valLoss.count, pred.trainLoss.count + 1)
        XCTAssertTrue(pred.probabilities.allSatisfy { $0.allSatisfy { $0 > 0 && $0 < 1 } })
        XCTAssertTrue(Set(pred.trainItems).isDisjoint(with: pred.validationItems))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/checkpoint"), "the checkpoint goes once the run is complete")

        // The same command again from scratch: the same bytes.
        let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/predictions.h5"))
        try FileManager.default.removeItem(atPath: dir + "/out")
        let again = try Stages.run("finetune", ["demux", "--config", cfg], environment: env)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(first, try Data(contentsOf: URL(fileURLWithPath: dir + "/out/predictions.h5")), "a rerun writes identical predictions")
        let done = try Stages.run("finetune", ["demux", "--config", cfg], environment: env)
        XCTAssertTrue(done.stdout.contains("already complete"), done.stdout)
        // Splits made again with other draws: the same configuration is not done any more.
        try FileManager.default.copyItem(atPath: dir + "/splits.h5", toPath: dir + "/splits-42.h5")
        try prepareMFRC(rows: 60, seed: 9)
        let changed = try Stages.run("finetune", ["demux", "--config", cfg], environment: env)
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertFalse(changed.stdout.contains("already complete"), "new splits, new run")
        try FileManager.default.removeItem(atPath: dir + "/splits.h5")
        try FileManager.default.moveItem(atPath: dir + "/splits-42.h5", toPath: dir + "/splits.h5")
        XCTAssertEqual(try Stages.run("finetune", ["demux", "--config", cfg, "--output", dir + "/out"], environment: env).status, 0)

        let eval = try Stages.run("evaluate", ["supervised", "--splits", dir + "/splits.h5", "--predictions", dir + "/out/predictions.h5",
                                               "--tables", "1,5", "--bootstrap", "50", "--output", dir + "/eval.h5"], environment: env)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let reader = try ArtifactReader(path: dir + "/eval.h5")
        defer { reader.close() }
        let rows: [SummaryRow] = try SummaryTable.read(from: reader)
        for t in ["1", "5"] {
            for m in ["NLL", "L1", "F1"] {
                let found = rows.contains { (r: SummaryRow) -> Bool in r.table == t && r.row == "BERT" && r.column == "MFRC/" + m && r.n == 6 }
                XCTAssertTrue(found, "A/\(t)/BERT/MFRC/\(m)")
            }
        }
        let l1 = rows.filter { (r: SummaryRow) -> Bool in r.column == "MFRC/L1" }.map(\.value)
        XCTAssertEqual(l1.count, 2)
        XCTAssertEqual(l1.first, l1.last, "the same numbers in both tables")
    }

    func testResumesFromTheLastEpochToTheSameResult() throws {
        try prepareMFRC(rows: 40)
        let cfg = try config(epochs: 3)
        XCTAssertEqual(try Stages.run("finetune", ["demux", "--config", cfg], environment: env).status, 0)
        // An interrupted run: the test hook stops it with an error after the first epoch's checkpoint.
        let out = dir + "/partial"
        try (try String(contentsOfFile: cfg, encoding: .utf8) + "\nstop_after_epoch: 1\n").write(toFile: dir + "/stop.yaml", atomically: true, encoding: .utf8)
        let stopped = try Stages.run("finetune", ["demux", "--config", dir + "/stop.yaml", "--output", out], environment: env)
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.stderr.contains("stopped after epoch 1"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/predictions.h5"))
        let resumed = try Stages.run("finetune", ["demux", "--config", cfg, "--output", out], environment: env)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming"), resumed.stderr)
        XCTAssertEqual(try SupervisedPredictions.read(path: out + "/predictions.h5").probabilities,
                       try SupervisedPredictions.read(path: dir + "/out/predictions.h5").probabilities, "a resumed run ends where an uninterrupted one does")
        // The predictions list the invocations that trained them: from step 0, and from the first epoch's end.
        func starts(_ path: String) throws -> [Int] {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            return try r.intArrayAttribute("segment_start_step")
        }
        XCTAssertEqual(try starts(dir + "/out/predictions.h5"), [0])
        let resumedStarts = try starts(out + "/predictions.h5")
        XCTAssertEqual(resumedStarts.count, 2)
        XCTAssertEqual(resumedStarts.first, 0)
        XCTAssertGreaterThan(resumedStarts.last!, 0)
    }

    func testBadInputsAreNamed() throws {
        try prepareMFRC(rows: 40)
        // A config key out of range names the file and the key.
        let cfg = try config()
        try (try String(contentsOfFile: cfg, encoding: .utf8)).replacingOccurrences(of: "patience: 2", with: "patience: 0")
            .write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try Stages.run("finetune", ["demux", "--config", dir + "/bad.yaml"], environment: env)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.yaml") && bad.stderr.contains("patience"), bad.stderr)
        // A truncated encoder file names the file; nothing is written.
        let st = try Data(contentsOf: URL(fileURLWithPath: dir + "/bert/model.safetensors"))
        try st.prefix(st.count / 2).write(to: URL(fileURLWithPath: dir + "/bert/model.safetensors"))
        let trunc = try Stages.run("finetune", ["demux", "--config", cfg], environment: env)
        XCTAssertNotEqual(trunc.status, 0)
        XCTAssertTrue(trunc.stderr.contains("model.safetensors"), trunc.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/predictions.h5"))
        // A corrupt predictions file given to evaluate names it.
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: dir + "/junk.h5"))
        let junk = try Stages.run("evaluate", ["supervised", "--splits", dir + "/splits.h5", "--predictions", dir + "/junk.h5", "--output", dir + "/e.h5"], environment: env)
        XCTAssertNotEqual(junk.status, 0)
        XCTAssertTrue(junk.stderr.contains("junk.h5"), junk.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/e.h5"))
    }
}
