import Artifacts
import Foundation
import Metrics
import Models
import StageKit
import Tokenizers
import Training
import XCTest

/// `prepare-splits webquestions` and `infer qa` (paper B appendix G), then `evaluate qa` on the result.
final class QAStageTests: XCTestCase {
    var dir = ""
    let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]

    override func setUpWithError() throws { dir = try Stages.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func prepare(_ extra: [String], output: String = "qa.h5") throws -> Stages.Result {
        try Stages.run("prepare-splits", ["webquestions", "--input", Stages.fixture("webquestions_small.json"),
                                          "--output", dir + "/" + output] + extra, environment: env)
    }

    /// The fixture has 10 items; one-word single answers are items 1, 3, 5, 6, 7, 9 (0: two answers,
    /// 2: several words, 4: two answers, 8: empty answer).
    func testSelectsOneWordAnswerQuestions() throws {
        let r = try prepare([])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try QAQuestionSet.read(path: dir + "/qa.h5")
        XCTAssertEqual(all.sourceIndex, [1, 3, 5, 6, 7, 9])
        XCTAssertEqual(all.ids, ["wqt000001", "wqt000003", "wqt000005", "wqt000006", "wqt000007", "wqt000009"])
        XCTAssertEqual(all.answers, ["Lawyer", "Germany", "mitochondrion", "Athens", "Devastator", "Tagalog"])
        XCTAssertEqual(all.questions[1], "what country first invaded poland in ww2?")
        XCTAssertEqual(all.candidateCount, 6)
        XCTAssertNil(all.selectionSeed)

        // --limit 3: NumPy's RandomState(7).choice(6, 3, replace=False) = [3, 5, 0] and
        // RandomState(42) gives [0, 1, 5] (computed with NumPy 2.4), i.e. candidates 6, 9, 1 and 1, 3, 9.
        for (seed, expected) in [(7, [1, 6, 9]), (42, [1, 3, 9])] {
            let name = "qa\(seed).h5"
            let rs = try prepare(["--limit", "3", "--seed", String(seed)], output: name)
            XCTAssertEqual(rs.status, 0, rs.stderr)
            let s = try QAQuestionSet.read(path: dir + "/" + name)
            XCTAssertEqual(s.sourceIndex, expected, "seed \(seed)")
            XCTAssertEqual(s.selectionSeed, UInt32(seed))
            XCTAssertEqual(s.candidateCount, 6)
        }
        // Same inputs and seed: the same contents (the bytes differ only by the recorded output path).
        XCTAssertEqual(try prepare(["--limit", "3", "--seed", "7"], output: "again.h5").status, 0)
        XCTAssertEqual(try QAQuestionSet.read(path: dir + "/qa7.h5"), try QAQuestionSet.read(path: dir + "/again.h5"))
        let reader = try ArtifactReader(path: dir + "/qa7.h5")
        XCTAssertEqual(try reader.stringAttribute("stage"), "prepare-splits")
        reader.close()

        let tooMany = try prepare(["--limit", "7"], output: "x.h5")
        XCTAssertEqual(tooMany.status, 1)
        XCTAssertTrue(tooMany.stderr.contains("webquestions_small.json") && tooMany.stderr.contains("6 questions"), tooMany.stderr)
    }

    func testMalformedJSONNamesFileAndItem() throws {
        let bad = dir + "/bad.json"
        try #"[{"qId": "a1", "qText": "ok?", "answers": ["x"]}, {"qId": "a2", "qText": "no answers list?", "answers": "x"}]"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try Stages.run("prepare-splits", ["webquestions", "--input", bad, "--output", dir + "/o.h5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(bad) && r.stderr.contains("item 1") && r.stderr.contains("answers"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.h5"))

        try #"[{"qId": "a1", "qText": "ok?", "answers": ["x"]"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let r2 = try Stages.run("prepare-splits", ["webquestions", "--input", bad, "--output", dir + "/o.h5"])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains(bad) && r2.stderr.contains("not valid JSON"), r2.stderr)
    }

    /// Tiny random model: both prompts give a samples artifact in the QA layout that `evaluate qa`
    /// accepts; same seed is bit-identical, --limit does not change a question's samples, and the
    /// stored log q of the answer matches the model's own full-sequence log-probabilities.
    func testInferQAEndToEndWithTinyModel() throws {
        let model = dir + "/tiny-model"
        try writeTinyChatModel(to: model)
        XCTAssertEqual(try prepare([]).status, 0)
        func infer(_ out: String, _ extra: [String]) throws -> Stages.Result {
            try Stages.run("infer", ["qa", "--questions", "qa.h5", "--model", "tiny-model", "--model-label", "Tiny",
                                     "--samples", "8", "--max-new-tokens", "3", "--output", out] + extra,
                           environment: env, cwd: dir)
        }
        for p in QAPrompt.allCases.map(\.rawValue) {
            let r = try infer("\(p).h5", ["--prompt", p, "--seed", "42"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let a = try SamplesArtifact.read(path: dir + "/\(p).h5", notes: ["prompt", "seed_rule"])
            XCTAssertEqual([a.modelLabel, a.variant, a.promptStyle, a.split], ["Tiny", "Base", p, "qa"])
            XCTAssertEqual(a.textID, [0, 1, 2, 3, 4, 5])
            XCTAssertEqual(a.wordNumber, [0, 0, 0, 0, 0, 0])
            XCTAssertEqual(a.answerOffset, [0, 1, 2, 3, 4, 5, 6])
            XCTAssertEqual(a.responses, ["Lawyer", "Germany", "mitochondrion", "Athens", "Devastator", "Tagalog"])
            XCTAssertEqual(a.words.count, 6 * 8)
            for (w, t) in zip(a.words, a.texts) { XCTAssertEqual(w, extractWord(sample: t) ?? "") }
            XCTAssertTrue(a.logq.allSatisfy { $0.isFinite && $0 < 0 }, "\(a.logq)")
            XCTAssertEqual(a.notes["prompt"], QAPrompt(rawValue: p)!.text(question: "<QUESTION>"))

            let again = try infer("\(p)-again.h5", ["--prompt", p, "--seed", "42"])
            XCTAssertEqual(again.status, 0, again.stderr)
            // Bit-identical samples and log q (NaN-aware ==; the files differ only by the recorded output path).
            XCTAssertEqual(a, try SamplesArtifact.read(path: dir + "/\(p)-again.h5", notes: ["prompt", "seed_rule"]), "same seed, different results")
            let ev = try Stages.run("evaluate", ["qa", "--samples", dir + "/\(p).h5", "--output", dir + "/eval-\(p).h5", "--bootstrap", "10"])
            XCTAssertEqual(ev.status, 0, ev.stderr)
            let er = try ArtifactReader(path: dir + "/eval-\(p).h5")
            XCTAssertEqual(try er.shape(of: "per_context/hit_rate"), [1, 6])
            // The format (Table 3 or Fig. 11) comes from the samples' prompt; a contradicting --format is an error.
            let format = QAPrompt(rawValue: p)!.format
            XCTAssertEqual(try er.stringAttribute("format"), format.rawValue)
            er.close()
            let other = format == .cloze ? "question" : "cloze"
            let bad = try Stages.run("evaluate", ["qa", "--samples", dir + "/\(p).h5", "--output", dir + "/bad.h5", "--format", other])
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains("\(p).h5") && bad.stderr.contains("--format \(other)"), bad.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.h5"))
        }

        // A question's samples depend on (seed, question index) only; another seed changes them.
        XCTAssertEqual(try infer("limited.h5", ["--prompt", "plain", "--seed", "42", "--limit", "2"]).status, 0)
        let full = try SamplesArtifact.read(path: dir + "/plain.h5")
        let limited = try SamplesArtifact.read(path: dir + "/limited.h5")
        XCTAssertEqual(limited.texts, Array(full.texts.prefix(16)))
        XCTAssertEqual(try infer("seed7.h5", ["--prompt", "plain", "--seed", "7"]).status, 0)
        XCTAssertNotEqual(try SamplesArtifact.read(path: dir + "/seed7.h5").texts, full.texts)

        // log q of the gold answer after the plain prompt: " <answer>" scored by full-sequence log-probs.
        let lm = try loadModel(path: model)
        let tok = try Tokenizer.load(path: model)
        let set = try QAQuestionSet.read(path: dir + "/qa.h5")
        for i in [0, 3] {
            let prompt = QAPrompt.plain.text(question: set.questions[i])
            let ctx = tok.encode(prompt)
            let joint = tok.encode(prompt + " " + set.answers[i])
            XCTAssertTrue(joint.starts(with: ctx))
            let lp = try lm.logProbs(tokens: joint)
            let expected = lp[(ctx.count - 1)...].reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(full.logq[i], expected, accuracy: 1e-4, "question \(i)")
        }

        let bad = try infer("x.h5", ["--prompt", "one-shot"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--prompt must be one of plain, qa-instruction, cloze, cloze-instruction"), bad.stderr)
    }
}
