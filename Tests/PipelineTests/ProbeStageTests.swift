import Artifacts
import Datasets
import Foundation
import StageKit
import XCTest

/// `probe` and `evaluate probe` on generations whose first-label states encode the annotators'
/// proportions (so the probes have something to find), and on a model that never writes a label.
final class ProbeStageTests: XCTestCase {
    var dir = ""
    let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]

    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// One label step per item (the item's first gold label, else "none"), hidden state =
    /// (proportions, 1, small noise); `withSteps: false` gives answers without a label step.
    func generations(_ splits: LabelTaskSplits, items: [Int], name: String, withSteps: Bool = true) throws -> String {
        let labels = splits.dataset.labels, l = labels.count, d = 8
        var g = LabelGenerations(candidates: labels + ["none"], candidateTokens: (0...l).map { Int32($0) }, hiddenSize: d,
                                 attributes: ["dataset": splits.dataset.name, "model_label": "Synthetic", "set": name])
        for (k, i) in items.enumerated() {
            let p = splits.dataset.items[i].proportions
            let gold = Set(p.indices.filter { p[$0] >= 0.5 })
            let first = gold.min() ?? l
            let hidden = p.map(Float.init) + [1, Float(k % 7) * 0.01]
            let logits: [Float] = (0...l).map { $0 == first ? 2 : 0 }
            let step: (logits: [Float], logSumExp: Float, generated: Int) = (logits, 3, first)
            g.append(item: i, text: "", parsed: true, predicted: gold, unknown: 0,
                     steps: withSteps ? [step] : [], hidden: withSteps ? hidden : [])
        }
        let path = dir + "/\(name).h5"
        try ArtifactWriter.write(to: path) { try g.write(to: $0) }
        return path
    }

    func testProbesFindWhatTheStatesEncode() throws {
        let data = try LabelsStageTests.writeMFRC(in: dir + "/mfrc", rows: 100)
        let prep = try Stages.run("prepare-splits", ["labels", "--dataset", "mfrc", "--data-dir", data, "--mfrc-test-share", "0.3",
                                                     "--main-test-size", "12", "--multilabel-test-size", "2", "--shots", "4",
                                                     "--probe-train-size", "40", "--output", dir + "/splits.h5"], environment: env)
        XCTAssertEqual(prep.status, 0, prep.stderr)
        let splits = try LabelTaskSplits.read(path: dir + "/splits.h5")
        XCTAssertEqual(splits.probeTrain.count, 40)
        let train = try generations(splits, items: splits.probeTrain, name: "train")
        let test = try generations(splits, items: splits.mainTest, name: "test")
        let r = try Stages.run("probe", ["--splits", dir + "/splits.h5", "--train", train, "--test", test, "--factor", "1",
                                         "--output", dir + "/probe.h5"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let p = try ProbePredictions.read(path: dir + "/probe.h5")
        XCTAssertEqual(p.testItems, splits.mainTest)
        XCTAssertEqual(p.attributes["status"], "fitted")
        XCTAssertEqual(p.targets[0][0], splits.dataset.items[splits.mainTest[0]].proportions)
        let e = try Stages.run("evaluate", ["probe", "--probes", dir + "/probe.h5", "--table", "5", "--bootstrap", "20",
                                            "--output", dir + "/eval.h5"], environment: env)
        XCTAssertEqual(e.status, 0, e.stderr)
        let reader = try ArtifactReader(path: dir + "/eval.h5")
        let rows = try SummaryTable.read(from: reader)
        reader.close()
        let gold = rows.first { $0.table == "2" && $0.column == "MFRC/Gold" }
        XCTAssertEqual(gold?.row, "Synthetic")
        XCTAssertGreaterThan(gold?.value ?? 0, 0.9, "the gold labels are a threshold of the encoded proportions")
        XCTAssertEqual(rows.first { $0.column == "MFRC/Perf" }?.value, 1, "the synthetic answers are the gold labels")
        XCTAssertNil(rows.first { $0.column == "MFRC/Pred 2+" }, "one label per answer: nothing after the first, F1 undefined")
        let nll = rows.first { $0.row == "Linear Probing" && $0.column == "MFRC/NLL" }
        XCTAssertEqual(nll?.table, "5")
        XCTAssertTrue(nll?.value.isFinite ?? false)
    }

    func testAModelWithoutLabelStepsGivesNoNumbersAndSaysSo() throws {
        let data = try LabelsStageTests.writeMFRC(in: dir + "/mfrc", rows: 100)
        XCTAssertEqual(try Stages.run("prepare-splits", ["labels", "--dataset", "mfrc", "--data-dir", data, "--main-test-size", "6",
                                                         "--multilabel-test-size", "1", "--shots", "4", "--probe-train-size", "10",
                                                         "--output", dir + "/splits.h5"], environment: env).status, 0)
        let splits = try LabelTaskSplits.read(path: dir + "/splits.h5")
        let train = try generations(splits, items: splits.probeTrain, name: "train", withSteps: false)
        let test = try generations(splits, items: splits.mainTest, name: "test", withSteps: false)
        let r = try Stages.run("probe", ["--splits", dir + "/splits.h5", "--train", train, "--test", test, "--output", dir + "/probe.h5"],
                               environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("not fitted"), r.stderr)
        let e = try Stages.run("evaluate", ["probe", "--probes", dir + "/probe.h5", "--output", dir + "/eval.h5"], environment: env)
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stderr.contains("no numbers"), e.stderr)
        let reader = try ArtifactReader(path: dir + "/eval.h5")
        XCTAssertEqual(try SummaryTable.read(from: reader), [])
        reader.close()
    }
}
