import Artifacts
import Foundation
import StageKit
import XCTest

/// `evaluate qa` (paper B appendix G hit rate) on hand-computed questions.
final class EvaluateQATests: XCTestCase {
    static let questions = [(0, 0), (1, 0), (2, 0)]
    static let gold = [["Germany"], ["mitochondrion"], ["U.S."]]

    static func writeQA(in dir: String, name: String, variant: String = "base", seed: Int, words: [[String]],
                        gold: [[String]] = EvaluateQATests.gold, prompt: String = "cloze") throws -> String {
        try EvalFixture.writeSamples(in: dir, name: name, variant: variant, seed: seed, words: words,
                                     logq: gold.map { $0.map { _ in Double.nan } }, answers: gold, contexts: questions, split: "qa",
                                     promptStyle: prompt)
    }

    func testHitRatePerQuestionAndSeedSummary() throws {
        let dir = try Stages.tempDir()
        // Seed 1: "germany" 2 of 4 (an empty sample is a miss) → .5; "mitochondrion" 3 of 4 → .75
        // ("mitochondria" is not the answer); "U.S." is compared as "us": 1 of 4 → .25.
        let s1 = try EvaluateQATests.writeQA(in: dir, name: "qa1.h5", seed: 1, words: [
            ["germany", "germany", "france", ""], ["mitochondria", "mitochondrion", "mitochondrion", "mitochondrion"],
            ["us", "usa", "", ""]])
        // Seed 2: .25, 1, 0.
        let s2 = try EvaluateQATests.writeQA(in: dir, name: "qa2.h5", seed: 2, words: [
            ["germany", "poland", "russia", "france"], ["mitochondrion", "mitochondrion", "mitochondrion", "mitochondrion"],
            ["", "", "", ""]])
        let out = dir + "/qa.h5"
        let r = try Stages.run("evaluate", ["qa", "--samples", s1, s2, "--output", out, "--bootstrap", "100"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let hit = try EvalFixture.matrix(out, "per_context/hit_rate")
        XCTAssertEqual(hit, [[0.5, 0.75, 0.25], [0.25, 1, 0]])
        let m1 = (0.5 + 0.75 + 0.25) / 3, m2 = (0.25 + 1 + 0) / 3
        let row = try XCTUnwrap(try EvalFixture.summary(out)["3/Base/Gemma-3-270M"])
        XCTAssertEqual(row.value, (m1 + m2) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(row.sd), abs(m1 - m2) / 2, accuracy: 1e-12)
        XCTAssertEqual(row.n, 3)
        let reader = try ArtifactReader(path: out)
        defer { reader.close() }
        XCTAssertEqual(try reader.readStrings("answer"), ["Germany", "mitochondrion", "U.S."])
        XCTAssertEqual(try reader.read(Double.self, "per_seed/mean_hit_rate").values, [m1, m2])

        // The original-question prompts go to the figure-11 cell, not Table 3: from the samples'
        // prompt (plain = "Question: …\nAnswer:"), or from --format for a prompt infer qa does not know.
        let q = dir + "/q.h5"
        let sq = try EvaluateQATests.writeQA(in: dir, name: "qa1q.h5", seed: 1, words: [
            ["germany", "germany", "france", ""], ["mitochondria", "mitochondrion", "mitochondrion", "mitochondrion"],
            ["us", "usa", "", ""]], prompt: "plain")
        let r2 = try Stages.run("evaluate", ["qa", "--samples", sq, "--output", q, "--row", "Base"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let custom = try EvaluateQATests.writeQA(in: dir, name: "custom.h5", seed: 1, words: [["a"], ["b"], ["c"]], prompt: "my-prompt")
        let noFormat = try Stages.run("evaluate", ["qa", "--samples", custom, "--output", dir + "/c.h5"])
        XCTAssertNotEqual(noFormat.status, 0)
        XCTAssertTrue(noFormat.stderr.contains("custom.h5") && noFormat.stderr.contains("pass --format"), noFormat.stderr)
        XCTAssertEqual(try Stages.run("evaluate", ["qa", "--samples", custom, "--output", dir + "/c.h5", "--format", "question"]).status, 0)
        XCTAssertEqual(Set(try EvalFixture.summary(q).keys), ["F11/Base/Gemma-3-270M"])
        XCTAssertEqual(try EvalFixture.summary(q)["F11/Base/Gemma-3-270M"]!.value, m1, accuracy: 1e-12)
    }

    func testMultiWordAnswerAndSeveralAnswersAreErrors() throws {
        let dir = try Stages.tempDir()
        let words = Array(repeating: ["a", "b"], count: 3)
        let multi = try EvaluateQATests.writeQA(in: dir, name: "multi.h5", seed: 1, words: words,
                                                gold: [["Germany"], ["New York"], ["x"]])
        var r = try Stages.run("evaluate", ["qa", "--samples", multi, "--output", dir + "/o.h5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("multi.h5") && r.stderr.contains("question 1") && r.stderr.contains("New York"), r.stderr)
        let two = try EvaluateQATests.writeQA(in: dir, name: "two.h5", seed: 1, words: words,
                                              gold: [["Germany"], ["x"], ["y", "z"]])
        r = try Stages.run("evaluate", ["qa", "--samples", two, "--output", dir + "/o.h5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("two.h5") && r.stderr.contains("question 2") && r.stderr.contains("2 answers"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.h5"))
    }
}
