import Foundation
import XCTest

/// `make paperA` end to end on fixtures: the MFRC vote-count fixture of `LabelsStageTests` as the
/// one dataset, a tiny random llama (with the labels as whole tokens and a chat template) in two
/// roles (chat prompt, Table 5; plain prompt, §4 only). It runs the real Makefile: experiment
/// file → Make variables → splits → answers, breakdowns → evaluations → report.
final class MakePaperATests: XCTestCase {
    func testMakePaperARunsEveryStageAndWritesTheReport() throws {
        for stage in ["prepare-splits", "infer", "finetune", "evaluate", "report"] {
            guard FileManager.default.isExecutableFile(atPath: Stages.productsDirectory.appendingPathComponent(stage).path) else {
                throw XCTSkip("\(stage) not built")
            }
        }
        let dir = try Stages.tempDir()
        let keep = ProcessInfo.processInfo.environment["DISTLAB_KEEP_TEST_OUTPUT"] != nil
        defer { if keep { print("MakePaperATests output kept in \(dir)") } else { try? FileManager.default.removeItem(atPath: dir) } }
        let model = dir + "/tiny"
        try writeTinyChatModel(to: model, seed: 3, userTokens: ["care", "proportionality", "equality", "purity", "authority", "loyalty", "none"])
        _ = try LabelsStageTests.writeMFRC(in: dir + "/data/mfrc-fixture", rows: 100)
        try writeTinyBert(to: dir + "/bert", words: DemuxStageTests.mfrcWords)
        try """
            model: unused
            splits: unused
            output: unused
            train_size: 0
            validation_size: 5
            max_length: 48
            targets: majority
            intra_loss_coef: 0.2
            dropout: 0.1
            optimizer: {lr: 1.0e-3, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.01}
            batch_size: 8
            epochs: 2
            patience: 2
            seed: 1
            """.write(toFile: dir + "/demux.yaml", atomically: true, encoding: .utf8)
        let experiment = dir + "/paperA.yaml"
        try """
            paper: A
            seed: 7
            shots: 4
            main_test_size: 6
            multilabel_test_size: 4
            probe_train_size: 10
            datasets:
              - {key: mfrc, dir: mfrc-fixture, alignment: true}
            models:
              - {key: chat, file: \(model), label: Tiny-Chat, prompt: chat, table: "5"}
              - {key: plain, file: \(model), label: Tiny-Plain, prompt: plain, table: none}
            supervised: {model: \(dir)/bert, config: \(dir)/demux.yaml}
            """.write(toFile: experiment, atomically: true, encoding: .utf8)
        let art = dir + "/artifacts", results = dir + "/results"
        let vars = ["NO_BUILD=1", "BIN=\(Stages.productsDirectory.path)", "ART=\(art)", "RESULTS=\(results)",
                    "EXPERIMENT_A=\(experiment)", "A_DATA_ROOT=\(dir)/data"]
        let run = try Stages.make(["paperA"] + vars, log: dir + "/make.log")
        let output = run.stdout
        XCTAssertEqual(run.status, 0, String(output.suffix(4000)))
        if run.status != 0 { return }

        let fm = FileManager.default
        for f in ["paperA.mk", "paperA/mfrc/splits.h5", "paperA/mfrc/labels/chat-main_test.h5", "paperA/mfrc/labels/chat-multilabel_test.h5",
                  "paperA/mfrc/breakdown/chat-unary.h5", "paperA/mfrc/breakdown/chat-binary.h5", "paperA/mfrc/eval/labels-chat.h5",
                  "paperA/mfrc/eval/steps-chat.h5", "paperA/mfrc/eval/steps-plain.h5", "paperA/mfrc/labels/plain-multilabel_test.h5",
                  "paperA/mfrc/labels/chat-probe_train.h5", "paperA/mfrc/probe/chat.h5", "paperA/mfrc/eval/probe-chat.h5",
                  "paperA/mfrc/eval/probe-plain.h5", "paperA/mfrc/sft/chat/model/finetuned.json", "paperA/mfrc/labels/chat-sft-main_test.h5",
                  "paperA/mfrc/eval/sft-chat.h5", "paperA/mfrc/bert/predictions.h5", "paperA/mfrc/eval/bert.h5"] {
            XCTAssertTrue(fm.fileExists(atPath: art + "/" + f), "missing artifact \(f)")
        }
        XCTAssertFalse(fm.fileExists(atPath: art + "/paperA/mfrc/eval/labels-plain.h5"), "table: none runs §4 only")
        XCTAssertFalse(fm.fileExists(atPath: art + "/paperA/mfrc/sft/plain"), "SFT is for the instruct models with a table")
        XCTAssertFalse(output.contains("warning: overriding recipe"), output)
        let ledger = try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8)
        XCTAssertTrue(ledger.contains("paperA/mfrc/breakdown/chat-binary.h5"), ledger)
        let table5 = try String(contentsOfFile: results + "/paperA/table5.csv", encoding: .utf8)
        // (Compare-to-None needs a label step, which a random model's answers rarely have: its row is
        // there only for items with one, and missing.csv lists the cell otherwise.)
        for method in ["Hard Predictions", "Max-Over-Generations", "Unary Breakdown", "Binary Breakdown", "SFT Outputs", "SFT Max-Over-Generations", "BERT"] {
            XCTAssertTrue(table5.contains(",5,\(method),MFRC/NLL,"), "table5 lacks \(method):\n\(table5)")
        }
        let figures = try String(contentsOfFile: results + "/paperA/figures.csv", encoding: .utf8)
        XCTAssertTrue(figures.contains("fig6_multilabel_rate,written"), figures)
        XCTAssertTrue(figures.contains("fig7_binary_outcomes,written"), figures)

        // The status lists what is there and nothing left to do.
        let status = try Stages.make(["status-paperA"] + vars, log: dir + "/status.log")
        XCTAssertEqual(status.status, 0, status.stdout)
        XCTAssertTrue(status.stdout.contains("stage runs make paperA-runs still has to do: 0"), status.stdout)
        XCTAssertTrue(status.stdout.contains("BERT: finished") && status.stdout.contains("SFT chat: finished"), status.stdout)

        // Nothing is redone on a second run.
        let again = try Stages.make(["-q", "paperA-runs"] + vars, log: dir + "/make-q.log")
        XCTAssertEqual(again.status, 0, "make -q paperA-runs: everything is up to date")
    }
}
