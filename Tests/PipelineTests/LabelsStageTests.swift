import TestSupport
import Artifacts
import Datasets
import Foundation
import Methods
import Metrics
import Models
import Numerics
import StageKit
import Tokenizers
import XCTest

/// Paper A's first stages on fixtures: `prepare-splits labels` (MFRC vote counts), `infer labels`
/// with a tiny random model whose vocabulary has the label words whole, `evaluate labels`; and
/// the label-step bookkeeping of `LabelGenerator` against plain forward passes.
final class LabelsStageTests: XCTestCase {
    var dir = ""
    let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]

    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// 40 comments in five patterns of three annotators' votes: none, single, single with
    /// disagreement, multi, multi with disagreement (and none with disagreement every tenth row).
    func writeMFRC(badRow: Int? = nil) throws -> String {
        try Self.writeMFRC(in: dir + "/mfrc", badRow: badRow)
    }

    static func writeMFRC(in d: String, rows: Int = 40, badRow: Int? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        var tsv = "ID\ttext\tEquality\tCare\tNon-Moral\tAuthority\tThin Morality\tLoyalty\tProportionality\tPurity\n"
        for r in 0..<rows {
            // Equality, Care, Non-Moral, Authority, Thin, Loyalty, Proportionality, Purity
            var v = [0, 0, 0, 0, 0, 0, 0, 0]
            switch r % 5 {
            case 0: if r % 10 == 5 { v[1] = 1; v[2] = 2 } else { v[2] = 3 }
            case 1: v[1] = 3
            case 2: v[1] = 2; v[5] = 1
            case 3: v[1] = 3; v[7] = 3
            default: v[1] = 3; v[7] = 2; v[3] = 1
            }
            let counts = r == badRow ? v.map(String.init).enumerated().map { $0 == 3 ? "x" : $1 } : v.map(String.init)
            tsv += "\(r)\tcomment number \(r) about things\t" + counts.joined(separator: "\t") + "\n"
        }
        try tsv.write(toFile: d + "/mfrc_vote_counts.tsv", atomically: true, encoding: .utf8)
        return d
    }

    func prepare(_ data: String, output: String = "splits.h5", codeVersion: String? = nil) throws -> Stages.Result {
        try Stages.run("prepare-splits", ["labels", "--dataset", "mfrc", "--data-dir", data, "--mfrc-test-share", "0.5",
                                          "--main-test-size", "6", "--multilabel-test-size", "3", "--shots", "4",
                                          "--output", dir + "/" + output],
                       environment: env.merging(codeVersion.map { ["DISTLAB_CODE_VERSION": $0] } ?? [:]) { $1 })
    }

    func testPrepareInferEvaluateEndToEnd() throws {
        let data = try writeMFRC()
        let p = try prepare(data)
        XCTAssertEqual(p.status, 0, p.stderr)
        let splits = try LabelTaskSplits.read(path: dir + "/splits.h5")
        XCTAssertEqual(splits.dataset.labels, MFRC.labels)
        XCTAssertEqual(splits.mainTest.count, 6)
        XCTAssertEqual(splits.multiLabelTest.count, 3)
        XCTAssertEqual(splits.demos.count, 4)
        XCTAssertEqual(splits.demos.filter { LabelType(proportions: splits.dataset.items[$0].proportions) == .multi }.count, 2)
        XCTAssertTrue(Set(splits.mainTest).isDisjoint(with: splits.demos + splits.train))
        XCTAssertEqual(splits.dataset.items[3].proportions, [1, 0, 0, 1, 0, 0], "row 3: Care 3, Purity 3 of 3")
        // Six cells, one each: every label type and disagreement is represented.
        let types = splits.mainTest.map { LabelType(proportions: splits.dataset.items[$0].proportions) }
        XCTAssertEqual(Set(types), [.none, .single, .multi])

        let model = dir + "/model"
        try writeTinyChatModel(to: model, userTokens: MFRC.labels + ["none"])
        for style in ["chat", "plain"] {
            let r = try Stages.run("infer", ["labels", "--splits", dir + "/splits.h5", "--model", model, "--prompt", style,
                                             "--max-new-tokens", "12", "--output", dir + "/gen-\(style).h5"], environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let gen = try LabelGenerations.read(path: dir + "/gen-chat.h5")
        // Resumable: chunks of 2 items; with one chunk lost, a rerun reuses the other two and gives
        // the same artifact (each chunk starts from an empty prefix cache). The splits count by
        // content: made again (new provenance, other bytes; a new machine's `carry.sh remake`), the
        // chunks still count.
        for kind in ["labels", "breakdown"] {
            let args = (kind == "labels" ? ["labels"] : ["breakdown", "--kind", "binary"])
                + ["--splits", dir + "/splits.h5", "--model", model, "--prompt", "chat", "--chunk-size", "2", "--keep-chunks",
                   "--output", dir + "/chunked-\(kind).h5"] + (kind == "labels" ? ["--max-new-tokens", "12"] : [])
            XCTAssertEqual(try Stages.run("infer", args, environment: env).status, 0)
            let chunkDir = dir + "/chunked-\(kind).h5.chunks"
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: chunkDir).filter { $0.hasSuffix(".h5") }.count, 3)
            let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/chunked-\(kind).h5"))
            try FileManager.default.removeItem(atPath: chunkDir + "/chunk_2_3.h5")
            try FileManager.default.removeItem(atPath: dir + "/chunked-\(kind).h5")
            let again = try Stages.run("infer", args, environment: env)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertTrue(again.stderr.contains("reusing 2 of 3 finished chunks"), again.stderr)
            let second = try Data(contentsOf: URL(fileURLWithPath: dir + "/chunked-\(kind).h5"))
            XCTAssertEqual(first, second, "\(kind): a resumed run writes the same bytes")

            let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/splits.h5"))
            XCTAssertEqual(try prepare(data, codeVersion: "made-again-by-\(kind)").status, 0)
            XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/splits.h5")), before, "the splits made again differ in bytes")
            try FileManager.default.removeItem(atPath: chunkDir + "/chunk_0_1.h5")
            try FileManager.default.removeItem(atPath: dir + "/chunked-\(kind).h5")
            let afterRemake = try Stages.run("infer", args, environment: env)
            XCTAssertEqual(afterRemake.status, 0, afterRemake.stderr)
            XCTAssertTrue(afterRemake.stderr.contains("reusing 2 of 3 finished chunks"), "\(kind): " + afterRemake.stderr)
        }
        XCTAssertEqual(try LabelGenerations.read(path: dir + "/chunked-labels.h5").itemIndex, gen.itemIndex)
        XCTAssertEqual(gen.count, 6)
        XCTAssertEqual(gen.itemIndex, splits.mainTest)
        XCTAssertEqual(gen.candidates, MFRC.labels + ["none"])
        XCTAssertEqual(gen.hidden.count, 6 * 32)
        XCTAssertEqual(gen.attributes["prompt_style"], "chat")
        // Greedy decoding is deterministic: a second run holds the same contents.
        XCTAssertEqual(try Stages.run("infer", ["labels", "--splits", dir + "/splits.h5", "--model", model, "--prompt", "chat",
                                                "--max-new-tokens", "12", "--output", dir + "/again.h5"], environment: env).status, 0)
        XCTAssertEqual(try LabelGenerations.read(path: dir + "/again.h5"), gen)

        for kind in ["unary", "binary"] {
            let r = try Stages.run("infer", ["breakdown", "--kind", kind, "--splits", dir + "/splits.h5", "--model", model,
                                             "--prompt", "chat", "--output", dir + "/\(kind).h5"], environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let unary = try BreakdownScores.read(path: dir + "/unary.h5")
        let binary = try BreakdownScores.read(path: dir + "/binary.h5")
        XCTAssertEqual(unary.count, 6 * 6)
        XCTAssertEqual(binary.count, 6 * 21)
        XCTAssertEqual(Set(binary.itemIndex), Set(splits.mainTest))
        XCTAssertEqual(binary.first.prefix(6), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(binary.second.prefix(6), [1, 2, 3, 4, 5, 6])

        let e = try Stages.run("evaluate", ["labels", "--splits", dir + "/splits.h5", "--generations", dir + "/gen-chat.h5",
                                            "--unary", dir + "/unary.h5", "--binary", dir + "/binary.h5",
                                            "--table", "5", "--bootstrap", "50", "--output", dir + "/eval.h5"], environment: env)
        XCTAssertEqual(e.status, 0, e.stderr)
        let reader = try ArtifactReader(path: dir + "/eval.h5")
        let rows = try SummaryTable.read(from: reader)
        reader.close()
        // Hard predictions by hand: ε = 1e-8 where the parsed answer has no label.
        var nll = 0.0
        for i in 0..<gen.count {
            let p = splits.dataset.items[gen.itemIndex[i]].proportions
            let q = gen.predicted[i].map { $0 != 0 ? 1 - 1e-8 : 1e-8 }
            nll += try multiLabelNLL(human: p, predicted: q)
        }
        let hard = rows.first { $0.row == "Hard Predictions" && $0.column == "MFRC/NLL" }
        XCTAssertEqual(hard?.table, "5")
        XCTAssertEqual(hard?.n, 6)
        XCTAssertEqual(hard?.value ?? .nan, nll / 6, accuracy: 1e-9)
        // Unary by hand: per label, the softmax of ("reasonable", "unreasonable") logits.
        var unaryL1 = 0.0
        for i in 0..<gen.count {
            let p = splits.dataset.items[gen.itemIndex[i]].proportions
            for l in 0..<6 {
                let k = unary.itemIndex.indices.first { unary.itemIndex[$0] == gen.itemIndex[i] && unary.first[$0] == l }!
                let z0 = Double(unary.answerLogits[2 * k]), z1 = Double(unary.answerLogits[2 * k + 1])
                unaryL1 += abs(p[l] - 1 / (1 + exp(z1 - z0)))
            }
        }
        XCTAssertEqual(rows.first { $0.row == "Unary Breakdown" && $0.column == "MFRC/L1" }?.value ?? .nan, unaryL1 / 6, accuracy: 1e-6)
        XCTAssertEqual(rows.filter { $0.row == "Binary Breakdown" }.count, 3)
        XCTAssertFalse(rows.contains { $0.row == "Binary Breakdown (Outcomes)" }, "appendix C's variant is a figure, not a table row")
        // Step statistics: one record per label step of the generations.
        let st = try Stages.run("evaluate", ["label-steps", "--splits", dir + "/splits.h5", "--generations", dir + "/gen-chat.h5",
                                             "--column", "Tiny", "--output", dir + "/steps.h5"], environment: env)
        XCTAssertEqual(st.status, 0, st.stderr)
        let sr = try ArtifactReader(path: dir + "/steps.h5")
        XCTAssertEqual(try sr.read(Double.self, "steps/top1").values.count, gen.stepGenerated.count)
        XCTAssertEqual(try sr.stringAttribute("model_label"), "Tiny")
        XCTAssertEqual(try sr.doubleAttribute("multi_label_demo_rate"), 0.5)
        sr.close()
        // The report: Table 5 with the paper's numbers beside ours, Table 4, the §4 figures. The
        // evaluations go in a folder of their own (the report gathers every artifact under it).
        let art = dir + "/art"
        try FileManager.default.createDirectory(atPath: art, withIntermediateDirectories: true)
        for f in ["eval.h5", "steps.h5"] { try FileManager.default.copyItem(atPath: dir + "/" + f, toPath: art + "/" + f) }
        let rep = try Stages.run("report", ["--artifacts", art, "--output", dir + "/results",
                                            "--published", TestPaths.packageRoot.path + "/data/published",
                                            "--experiment", TestPaths.packageRoot.path + "/pipeline/paperB.yaml"], environment: env)
        XCTAssertEqual(rep.status, 0, rep.stderr)
        let diff5 = try String(contentsOfFile: dir + "/results/paperA/diff_table5.csv", encoding: .utf8)
        XCTAssertTrue(diff5.contains("A,5,Hard Predictions,MFRC/NLL,"), diff5)
        XCTAssertTrue(diff5.contains(",40.79"), "published 8B hard-prediction NLL on MFRC: \(diff5)")
        let figures = try String(contentsOfFile: dir + "/results/paperA/figures.csv", encoding: .utf8)
        XCTAssertTrue(figures.contains("fig2_top_probabilities,written") || gen.stepGenerated.isEmpty, figures)
        XCTAssertTrue(figures.contains("fig6_multilabel_rate,written"), figures)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/results/paperA/fig6_multilabel_rate.svg"))
        // A unary artifact given as binary is refused by name.
        let swapped = try Stages.run("evaluate", ["labels", "--splits", dir + "/splits.h5", "--generations", dir + "/gen-chat.h5",
                                                  "--binary", dir + "/unary.h5", "--output", dir + "/swapped.h5"], environment: env)
        XCTAssertEqual(swapped.status, 1)
        XCTAssertTrue(swapped.stderr.contains("unary.h5") && swapped.stderr.contains("--binary"), swapped.stderr)
        let withStep = (0..<gen.count).filter { gen.stepOffset[$0 + 1] > gen.stepOffset[$0] }.count
        XCTAssertEqual(rows.first { $0.row == "Compare-to-None" }?.n, withStep == 0 ? nil : withStep)

        // Generations of another dataset's labels are refused by name, and nothing is written.
        var other = gen
        other.candidates = ["a", "b", "c", "d", "e", "f", "none"]
        try ArtifactWriter.write(to: dir + "/other.h5") { try other.write(to: $0) }
        let bad = try Stages.run("evaluate", ["labels", "--splits", dir + "/splits.h5", "--generations", dir + "/other.h5",
                                              "--output", dir + "/bad.h5"], environment: env)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("other.h5") && bad.stderr.contains("candidates"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.h5"))
    }

    /// A single-label dataset (the Le-Wi-Di layout): one categorical distribution per item, no
    /// max-over-generations, binary pairs without "none", the categorical NLL.
    func testSingleLabelDatasetEndToEnd() throws {
        let d = dir + "/lewidi"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        var tsv = "dataset\tsplit\tid\ttext\tn_annotators\tannotations\tsoft_label_1\n"
        for r in 0..<60 {
            let split = r < 40 ? "train" : "test"
            let ones = r % 7   // 0..6 of 6 annotators say 1 (6 → all)
            let k = min(ones, 6)
            let ann = (0..<6).map { $0 < k ? "1" : "0" }.joined(separator: ",")
            tsv += "HS-Brexit\t\(split)\t\(r)\tpost number \(r)\t6\t\(ann)\t\(String(format: "%.6f", Double(k) / 6))\n"
        }
        try tsv.write(toFile: d + "/HS-Brexit.tsv", atomically: true, encoding: .utf8)
        let p = try Stages.run("prepare-splits", ["labels", "--dataset", "hs-brexit", "--data-dir", d, "--main-test-size", "8",
                                                  "--shots", "4", "--probe-train-size", "5", "--output", dir + "/hs.h5"], environment: env)
        XCTAssertEqual(p.status, 0, p.stderr)
        let splits = try LabelTaskSplits.read(path: dir + "/hs.h5")
        XCTAssertEqual(splits.dataset.labels, ["not hateful", "hateful"])
        XCTAssertFalse(splits.dataset.multiLabel)
        XCTAssertEqual(splits.mainTest.count, 8)
        XCTAssertTrue(splits.mainTest.allSatisfy { splits.sources[$0] == "test" })
        let model = dir + "/model"
        try writeTinyChatModel(to: model, userTokens: ["not", "hateful", "none"])
        let g = try Stages.run("infer", ["labels", "--splits", dir + "/hs.h5", "--model", model, "--prompt", "plain",
                                         "--max-new-tokens", "8", "--output", dir + "/gen.h5"], environment: env)
        XCTAssertEqual(g.status, 0, g.stderr)
        for kind in ["unary", "binary"] {
            let r = try Stages.run("infer", ["breakdown", "--kind", kind, "--splits", dir + "/hs.h5", "--model", model,
                                             "--prompt", "plain", "--output", dir + "/\(kind).h5"], environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let binary = try BreakdownScores.read(path: dir + "/binary.h5")
        XCTAssertEqual(binary.count, 8, "one pair per item: the two labels, no none")
        XCTAssertEqual(Set(binary.second), [1])
        let e = try Stages.run("evaluate", ["labels", "--splits", dir + "/hs.h5", "--generations", dir + "/gen.h5",
                                            "--unary", dir + "/unary.h5", "--binary", dir + "/binary.h5", "--bootstrap", "0",
                                            "--output", dir + "/eval.h5"], environment: env)
        XCTAssertEqual(e.status, 0, e.stderr)
        let reader = try ArtifactReader(path: dir + "/eval.h5")
        let rows = try SummaryTable.read(from: reader)
        let methods = try reader.readStrings("methods")
        let predicted = try reader.read(Double.self, "predicted").values
        reader.close()
        XCTAssertFalse(methods.contains("Max-Over-Generations"))
        XCTAssertTrue(methods.contains("Binary Breakdown (Outcomes)"), "\(methods)")
        // Unary and binary give categorical distributions: each item's two probabilities sum to 1.
        for name in ["Unary Breakdown", "Binary Breakdown"] {
            let m = methods.firstIndex(of: name)!
            for i in 0..<8 { XCTAssertEqual(predicted[(m * 8 + i) * 2] + predicted[(m * 8 + i) * 2 + 1], 1, accuracy: 1e-9) }
        }
        // The categorical NLL of the binary breakdown by hand from the stored distributions.
        let m = methods.firstIndex(of: "Binary Breakdown")!
        var nll = 0.0
        for i in 0..<8 {
            let h = splits.dataset.items[splits.mainTest[i]].proportions
            for l in 0..<2 where h[l] > 0 { nll -= h[l] * log(min(max(predicted[(m * 8 + i) * 2 + l], 1e-8), 1 - 1e-8)) }
        }
        XCTAssertEqual(rows.first { $0.row == "Binary Breakdown" && $0.column == "HS-Brexit/NLL" }?.value ?? .nan, nll / 8, accuracy: 1e-9)
    }

    func testMalformedVoteCountNamesFileAndLine() throws {
        let r = try prepare(try writeMFRC(badRow: 7))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("mfrc_vote_counts.tsv") && r.stderr.contains("9") && r.stderr.contains("Authority"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/splits.h5"))
        let missing = try Stages.run("prepare-splits", ["labels", "--dataset", "semeval", "--data-dir", dir,
                                                        "--output", dir + "/s.h5"], environment: env)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("2018-E-c-En-train.txt"), missing.stderr)
    }

    /// A forced answer's label steps hold the logits a fresh full forward pass gives at those
    /// positions (the prefix cache and incremental decoding change nothing), and the first label
    /// token's hidden state is that row's.
    func testForcedAnswerStepsMatchFreshForwardPasses() throws {
        let modelDir = dir + "/model"
        try writeTinyChatModel(to: modelDir, seed: 11, userTokens: MFRC.labels + ["none"])
        let lm = try loadModel(path: modelDir)
        let tok = try Tokenizer.load(path: modelDir)
        let gen = try LabelGenerator(lm: lm, tok: tok, labels: MFRC.labels, maxNewTokens: 16)
        let prompt = LabelPrompt(noun: "moral foundations", labels: MFRC.labels,
                                 demos: [(text: "we must care", labels: ["care"]), (text: "nothing", labels: [])])
        let ids = tok.encode(prompt.plain(query: "be loyal and pure"), addBOS: nil)
        let pieces = ["{\"label\": [\"", "care", "\", \"", "purity", "\"]}"].map { tok.encode($0, addBOS: false) }
        let forced = pieces.flatMap { $0 }
        let r = try gen.generate(prompt: ids, forced: forced)
        XCTAssertEqual(r.text, "{\"label\": [\"care\", \"purity\"]}")
        XCTAssertTrue(r.parsed)
        XCTAssertEqual(r.predicted, [0, 3])
        XCTAssertEqual(r.steps.map(\.generated), [0, 3])
        let stepPositions = [pieces[0].count, pieces[0].count + pieces[1].count + pieces[2].count]
        for (k, pos) in stepPositions.enumerated() {
            let seq = ids + forced.prefix(pos)
            let logits = try lm.forward(tokens: seq, cache: lm.makeCache(capacity: seq.count), logitRows: .last)
            for (c, t) in gen.candidateTokens.enumerated() {
                XCTAssertEqual(r.steps[k].candidateLogits[c], logits[Int(t)], accuracy: 1e-4, "step \(k) candidate \(c)")
            }
            let lse = logits.withUnsafeBufferPointer { logSumExp($0.baseAddress!, count: lm.vocabSize) }
            XCTAssertEqual(r.steps[k].vocabLogSumExp, lse, accuracy: 1e-4)
        }
        let seq = ids + forced.prefix(pieces[0].count + 1)
        let hidden = try lm.hiddenStates(tokens: seq, cache: lm.makeCache(capacity: seq.count))
        let d = lm.config.dModel
        XCTAssertEqual(r.firstLabelHidden.count, d)
        for j in 0..<d { XCTAssertEqual(r.firstLabelHidden[j], hidden[(seq.count - 1) * d + j], accuracy: 1e-4) }

        // Table 6's attention: the same steps with recording on, and the shares recomputed from the
        // attention row of a fresh pass over the sequence that produced the second step's logits.
        let recording = try LabelGenerator(lm: lm, tok: tok, labels: MFRC.labels, maxNewTokens: 16, recordAttention: true)
        let ra = try recording.generate(prompt: ids, forced: forced)
        XCTAssertEqual(ra.steps.map(\.candidateLogits), r.steps.map(\.candidateLogits), "recording changes nothing")
        XCTAssertEqual(ra.steps[0].attention, [], "no earlier label on the first step")
        let rec = (lm as! Transformer).attentionRecorder!
        let seq2 = ids + forced.prefix(stepPositions[1])
        _ = try lm.hiddenStates(tokens: seq2, cache: lm.makeCache(capacity: seq2.count))
        let w = rec.weights
        XCTAssertEqual(w.count, seq2.count)
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-4, "a mean of probability rows sums to 1")
        XCTAssertTrue(w.allSatisfy { $0 >= 0 })
        let p0 = ids.count
        let expected: [Float] = [w[0..<p0].reduce(0, +) / Float(p0), w[p0...].reduce(0, +) / Float(seq2.count - p0),
                                 w[p0 + pieces[0].count]]
        for k in 0..<3 { XCTAssertEqual(ra.steps[1].attention[k], expected[k], accuracy: 1e-5, "share \(k)") }
        (lm as! Transformer).attentionRecorder = nil

        // Greedy decoding picks the argmax of a fresh forward pass at every position.
        let greedy = try gen.generate(prompt: ids)
        XCTAssertEqual(tok.decode(greedy.tokens, skipSpecial: true), greedy.text)
        var seqG = ids
        for t in greedy.tokens.prefix(4) {
            let l = try lm.forward(tokens: seqG, cache: lm.makeCache(capacity: seqG.count), logitRows: .last)
            XCTAssertEqual(Int32(l.indices.max { l[$0] < l[$1] }!), t)
            seqG.append(t)
        }
    }

    /// The breakdown scorer's answer logits are those of a fresh forward pass over the whole prompt,
    /// whatever it reused from the prompts before.
    func testChoiceScorerMatchesFreshForwardPasses() throws {
        let modelDir = dir + "/model"
        try writeTinyChatModel(to: modelDir, seed: 13)
        let lm = try loadModel(path: modelDir)
        let tok = try Tokenizer.load(path: modelDir)
        let scorer = try ChoiceScorer(lm: lm, tok: tok, answers: [" a", " b"])
        let p = BreakdownPrompt(kind: .binary, demos: [BreakdownDemo(text: "one", first: "x", second: "y", answer: 0)])
        let pairs = [("care", "none"), ("care", "purity"), ("loyalty", "none"), ("proportionality", "authority")]
        var prompts: [[Int32]] = []
        for (first, second) in pairs {
            let ids = tok.encode(p.plain(text: "the same text", first: first, second: second), addBOS: nil)
            prompts.append(ids)
            let s = try scorer.score(prompt: ids)
            let l = try lm.forward(tokens: ids, cache: lm.makeCache(capacity: ids.count), logitRows: .last)
            for (k, t) in scorer.answerTokens.enumerated() { XCTAssertEqual(s.logits[k], l[Int(t)], accuracy: 1e-4) }
        }
        // All at once (shared prefix once, the rest as one batch, in chunks of 3): the same numbers.
        let fresh = try ChoiceScorer(lm: lm, tok: tok, answers: [" a", " b"])
        let batch = try fresh.score(prompts: prompts, maxBatch: 3)
        XCTAssertEqual(batch.count, prompts.count)
        for (q, ids) in prompts.enumerated() {
            let l = try lm.forward(tokens: ids, cache: lm.makeCache(capacity: ids.count), logitRows: .last)
            for (k, t) in fresh.answerTokens.enumerated() { XCTAssertEqual(batch[q].logits[k], l[Int(t)], accuracy: 1e-4, "prompt \(q)") }
            let lse = l.withUnsafeBufferPointer { logSumExp($0.baseAddress!, count: lm.vocabSize) }
            XCTAssertEqual(batch[q].logSumExp, lse, accuracy: 1e-4)
        }
    }

    /// `evaluate label-steps` writes Table 6 from recorded attention shares (percent, 2nd+ steps).
    func testLabelStepsWritesTable6FromRecordedAttention() throws {
        XCTAssertEqual(try prepare(try writeMFRC()).status, 0)
        let splits = try LabelTaskSplits.read(path: dir + "/splits.h5")
        let l = MFRC.labels.count
        var g = LabelGenerations(candidates: MFRC.labels + ["none"], candidateTokens: (0...l).map { Int32($0) }, hiddenSize: 2,
                                 attributes: ["dataset": "mfrc", "model_label": "Synthetic", "attention": "recorded"])
        let logits = [Float](repeating: 0, count: l + 1)
        for (k, item) in splits.multiLabelTest.enumerated() {
            g.append(item: item, text: "", parsed: true, predicted: [0, 1], unknown: 0,
                     steps: [(logits, 1, 0), (logits, 1, 1)], hidden: [1, 2],
                     attention: [[], [0.001, 0.02 + 0.01 * Float(k), 0.03]])
        }
        try ArtifactWriter.write(to: dir + "/att.h5") { try g.write(to: $0) }
        XCTAssertEqual(try LabelGenerations.read(path: dir + "/att.h5").stepAttention.count, 3 * 2 * splits.multiLabelTest.count)
        let r = try Stages.run("evaluate", ["label-steps", "--splits", dir + "/splits.h5", "--generations", dir + "/att.h5",
                                            "--output", dir + "/steps6.h5"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let reader = try ArtifactReader(path: dir + "/steps6.h5")
        let rows = try SummaryTable.read(from: reader)
        reader.close()
        let n = splits.multiLabelTest.count
        let labelMean = 100 * (0..<n).reduce(0.0) { $0 + Double(Float(0.02) + 0.01 * Float($1)) } / Double(n)
        XCTAssertEqual(rows.first { $0.table == "6" && $0.column == "MFRC/Input" }?.value ?? .nan, 0.1, accuracy: 1e-6)
        XCTAssertEqual(rows.first { $0.table == "6" && $0.column == "MFRC/Label" }?.value ?? .nan, labelMean, accuracy: 1e-5)
        XCTAssertEqual(rows.first { $0.table == "6" && $0.column == "MFRC/1st Tokens" }?.row, "Synthetic")
        XCTAssertEqual(rows.first { $0.table == "6" && $0.column == "MFRC/1st Tokens" }?.n, n)
    }

    /// Several answers decoded together give the answers decoded one at a time (same tokens, the
    /// same step logits and first-label states up to float rounding), forced label steps included.
    func testBatchedGenerationMatchesOneAtATime() throws {
        let modelDir = dir + "/model"
        try writeTinyChatModel(to: modelDir, seed: 17, userTokens: MFRC.labels + ["none"])
        let lm = try loadModel(path: modelDir)
        let tok = try Tokenizer.load(path: modelDir)
        let prompt = LabelPrompt(noun: "moral foundations", labels: MFRC.labels,
                                 demos: [(text: "we must care", labels: ["care"]), (text: "nothing", labels: [])])
        let queries = ["be loyal", "fair is fair", "obey", "keep it clean and pure", "x"]
        let prompts = queries.map { tok.encode(prompt.plain(query: $0), addBOS: nil) }
        let one = try LabelGenerator(lm: lm, tok: tok, labels: MFRC.labels, maxNewTokens: 10)
        let single = try prompts.map { try one.generate(prompt: $0) }
        let many = try LabelGenerator(lm: lm, tok: tok, labels: MFRC.labels, maxNewTokens: 10).generate(prompts: prompts)
        XCTAssertEqual(many.count, prompts.count)
        for (a, b) in zip(single, many) {
            XCTAssertEqual(a.tokens, b.tokens)
            XCTAssertEqual(a.steps.count, b.steps.count)
            for (x, y) in zip(a.steps, b.steps) {
                XCTAssertEqual(x.generated, y.generated)
                for (u, v) in zip(x.candidateLogits, y.candidateLogits) { XCTAssertEqual(u, v, accuracy: 1e-4) }
            }
            XCTAssertEqual(a.firstLabelHidden.count, b.firstLabelHidden.count)
            for (u, v) in zip(a.firstLabelHidden, b.firstLabelHidden) { XCTAssertEqual(u, v, accuracy: 1e-4) }
        }
        XCTAssertTrue(single.allSatisfy { $0.tokens.count == 10 }, "ten greedy tokens each compared (a random model writes no answer)")
    }

    func testLabelsSharingAFirstTokenAreRefusedByName() throws {
        let modelDir = dir + "/model"
        try writeTinyChatModel(to: modelDir)
        let lm = try loadModel(path: modelDir)
        let tok = try Tokenizer.load(path: modelDir)
        XCTAssertThrowsError(try LabelGenerator(lm: lm, tok: tok, labels: ["proportionality", "purity"])) { e in
            XCTAssertTrue("\(e)".contains("proportionality") && "\(e)".contains("purity"), "\(e)")
        }
    }
}
