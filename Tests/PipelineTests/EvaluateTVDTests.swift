import Artifacts
import Foundation
import Metrics
import StageKit
import XCTest

/// `evaluate tvd` on hand-computed contexts (see EvalFixture for the human answers).
final class EvaluateTVDTests: XCTestCase {
    let ln = { (x: Double) in Foundation.log(x) }

    /// Model samples (S = 4) of the two seeds, and the hand-computed scores per context.
    /// Seed 1: word 2 → the, mr, "", dog (3 valid: 1/3 each); word 3 → dog dog true cat; word 4 → no word.
    /// Seed 2: word 2 → a a a a; word 3 → dog dog dog true; word 4 → cat cat x cat.
    let words1 = [["the", "mr", "", "dog"], ["dog", "dog", "true", "cat"], ["", "", "", ""]]
    let words2 = [["a", "a", "a", "a"], ["dog", "dog", "dog", "true"], ["cat", "cat", "x", "cat"]]
    /// log q of the human answers (file order), NaN = not scored.
    var logq: [[Double]] { [[ln(0.5), ln(0.1), ln(0.2)], [ln(0.3), .nan], [ln(0.4), ln(0.01)]] }

    /// Normalised human words. Seed 1, word 2: ½(|.5−⅓| + |.25−⅓| + .25 + ⅓) = 5/12; word 3:
    /// ½(.25 + 0 + .25) = .25; word 4: no model word → 1. Seed 2: word 2: ½(.5 + .25 + .75) = .75;
    /// word 3: q = p → 0; word 4: ½(|.5−.75| + .5 + .25) = .5.
    let tvd1 = [5.0 / 12, 0.25, 1.0], tvd2 = [0.75, 0.0, 0.5]
    var h31: Double { -(0.75 * ln(0.75) + 0.25 * ln(0.25)) }
    var entropy1: [Double] { [ln(3), 1.5 * ln(2), .nan] }
    var entropy2: [Double] { [0, h31, h31] }
    /// Distinct human words covered: {the, mr, a} ∩ model; {dog, true}; {cat, ---}.
    let coverage1 = [2.0 / 3, 1, 0], coverage2 = [1.0 / 3, 1, 0.5]
    var crossEntropy: [Double] { [-(0.5 * ln(0.5) + 0.25 * ln(0.1) + 0.25 * ln(0.2)), .nan, -(0.5 * ln(0.4) + 0.5 * ln(0.01))] }

    func setUpRun(_ dir: String, variant: String = "FT (Mul. labels)") throws -> (splits: String, oracle: String, a: String, b: String) {
        let splits = try EvalFixture.writeSplits(in: dir)
        let oracle = try EvalFixture.writeOracle(splits: splits, in: dir, seeds: [1, 2])
        let a = try EvalFixture.writeSamples(in: dir, name: "s1.h5", variant: variant, seed: 1, words: words1, logq: logq)
        let b = try EvalFixture.writeSamples(in: dir, name: "s2.h5", variant: variant, seed: 2, words: words2, logq: logq)
        return (splits, oracle, a, b)
    }

    func assertEqual(_ got: [Double], _ want: [Double], accuracy: Double = 1e-12, _ what: String, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, line: line)
        for (i, (g, w)) in zip(got, want).enumerated() {
            if w.isNaN { XCTAssertTrue(g.isNaN, "\(what)[\(i)] = \(g), want NaN", line: line) } else {
                XCTAssertEqual(g, w, accuracy: accuracy, "\(what)[\(i)]", line: line)
            }
        }
    }

    func testPerContextScoresAndSeedSummaryMatchHandComputation() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir)
        let out = dir + "/tvd.h5"
        let r = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                            "--output", out, "--bootstrap", "200"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let tvd = try EvalFixture.matrix(out, "per_context/tvd")
        assertEqual(tvd[0], tvd1, "tvd seed 1"); assertEqual(tvd[1], tvd2, "tvd seed 2")
        let h = try EvalFixture.matrix(out, "per_context/entropy")
        assertEqual(h[0], entropy1, "entropy seed 1"); assertEqual(h[1], entropy2, "entropy seed 2")
        let cov = try EvalFixture.matrix(out, "per_context/coverage")
        assertEqual(cov[0], coverage1, "coverage seed 1"); assertEqual(cov[1], coverage2, "coverage seed 2")
        let ce = try EvalFixture.matrix(out, "per_context/human_cross_entropy")
        assertEqual(ce[0], crossEntropy, "cross-entropy seed 1"); assertEqual(ce[1], crossEntropy, "cross-entropy seed 2")
        // TVD minus the oracle of the same seed (oracle artifact rows are seeds [1, 2]).
        let oracle = try EvalFixture.matrix(f.oracle, "oracle_tvd")
        assertEqual(try EvalFixture.matrix(out, "per_context/oracle_tvd")[1], oracle[1], "oracle seed 2")
        assertEqual(try EvalFixture.matrix(out, "per_context/tvd_minus_oracle")[0], zip(tvd1, oracle[0]).map { $0 - $1 }, "minus oracle")
        let reader = try ArtifactReader(path: out)
        XCTAssertEqual(try reader.read(Int32.self, "per_context/n_valid").values, [3, 4, 0, 4, 4, 4])
        XCTAssertEqual(try reader.read(Int64.self, "seeds").values, [1, 2])
        XCTAssertEqual(try reader.read(Int32.self, "per_seed/n_no_word").values, [1, 0])
        XCTAssertEqual(try reader.stringAttribute("row"), "FT (Mul. labels)")
        XCTAssertEqual(try reader.doubleAttribute("mean_train_answers_per_context"), 2.5)   // (2 + 3) / 2
        reader.close()

        // Mean over contexts per seed, then mean ± population SD over the 2 seeds, by hand.
        let s = try EvalFixture.summary(out)
        let m1 = (5.0 / 12 + 0.25 + 1) / 3, m2 = (0.75 + 0 + 0.5) / 3
        let t = try XCTUnwrap(s["1/FT (Mul. labels)/Gemma-3-270M"])
        XCTAssertEqual(t.value, (m1 + m2) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(t.sd), abs(m1 - m2) / 2, accuracy: 1e-12)   // population SD of two values
        XCTAssertEqual(t.n, 3)
        // The CI is the percentile bootstrap (seeded with the first seed) of the per-context means over seeds.
        let avg = zip(tvd1, tvd2).map { ($0 + $1) / 2 }
        let ci = try bootstrapMeanCI(avg, resamples: 200, seed: 1)
        XCTAssertEqual(try XCTUnwrap(t.ciLower), ci.lower, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(t.ciUpper), ci.upper, accuracy: 1e-12)
        XCTAssertEqual(avg.reduce(0, +) / 3, t.value, accuracy: 1e-12)
        // Entropy: word 4 of seed 1 has no model word and is left out of that seed's mean.
        let e1 = (ln(3) + 1.5 * ln(2)) / 2, e2 = (0 + 2 * h31) / 3
        XCTAssertEqual(try XCTUnwrap(s["F6/FT (Mul. labels)/Gemma-3-270M"]).value, (e1 + e2) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s["F6/FT (Mul. labels)/Gemma-3-270M"]).n, 2)
        let c1 = (2.0 / 3 + 1 + 0) / 3, c2 = (1.0 / 3 + 1 + 0.5) / 3
        XCTAssertEqual(try XCTUnwrap(s["F7/FT (Mul. labels)/Gemma-3-270M"]).value, (c1 + c2) / 2, accuracy: 1e-12)
        // Human cross-entropy (the same in both seeds; word 3's is undefined and left out).
        let ceRow = try XCTUnwrap(s["CE/FT (Mul. labels)/Gemma-3-270M"])
        XCTAssertEqual(ceRow.value, (crossEntropy[0] + crossEntropy[2]) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(ceRow.sd), 0, accuracy: 1e-12)
        XCTAssertEqual(ceRow.n, 2)
        XCTAssertNil(s["F9/all/Gemma-3-270M"])
    }

    func testRawHumanWordsKeepPunctuationAndCase() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir)
        let out = dir + "/raw.h5"
        let r = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                            "--output", out, "--human-words", "raw", "--bootstrap", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Seed 1 word 2, raw: "mr." never equals the model's "mr": ½(1/6 + .25 + .25 + ⅓ + ⅓) = 2/3;
        // word 3: "TRUE" ≠ "true": ½(.25 + .25 + .25 + .25) = .5. Coverage 1/3 and 1/2.
        let tvd = try EvalFixture.matrix(out, "per_context/tvd")
        assertEqual(tvd[0], [2.0 / 3, 0.5, 1], "raw tvd seed 1")
        assertEqual(try EvalFixture.matrix(out, "per_context/coverage")[0], [1.0 / 3, 0.5, 0], "raw coverage seed 1")
        XCTAssertNil(try EvalFixture.summary(out)["1/FT (Mul. labels)/Gemma-3-270M"]?.ciLower)
    }

    /// Normalisation edge cases: answers that become equal merge ("Mr." + "mr"), hyphens and dots
    /// go ("cutting-edge" → "cuttingedge"), a multi-word answer keeps its first word ("00 puq" →
    /// "00"), and an answer without word characters ("!") stays as an outcome no model word matches.
    func testHumanAnswerNormalisationEdgeCases() throws {
        let dir = try Stages.tempDir()
        let splits = try EvalFixture.writeSplits(in: dir, tsv: EvalFixture.makeTSV([
            (2, "beta", [("Mr.", 1), ("mr", 2), ("cutting-edge", 1)]), (3, "gamma", [("00 puq", 1), ("!", 1)]),
            (4, "delta", [("well-being", 2)])]))
        let answers = [["Mr.", "mr", "cutting-edge"], ["00 puq", "!"], ["well-being"]]
        let words = [["mr", "mr", "mr", "cuttingedge"], ["00", "00", "00", "00"], ["wellbeing", "wellbeing", "wellbeing", "wellbeing"]]
        let lq: [[Double]] = [[-1, -2, -3], [-1, -1], [-0.5]]
        let s = try EvalFixture.writeSamples(in: dir, name: "s.h5", variant: "base", seed: 1, words: words, logq: lq, answers: answers)
        let oracle = try EvalFixture.writeOracle(splits: splits, in: dir, seeds: [1])
        for (form, tvd, coverage) in [("normalized", [0.0, 0.5, 0.0], [1.0, 0.5, 1.0]),
                                      // Raw: "Mr." .25, "mr" .5, "cutting-edge" .25 vs mr .75, cuttingedge .25 → ½(.25 + .25 + .25 + .25).
                                      ("raw", [0.5, 1.0, 1.0], [1.0 / 3, 0, 0])] {
            let out = dir + "/\(form).h5"
            let r = try Stages.run("evaluate", ["tvd", "--splits", splits, "--samples", s, "--oracle", oracle, "--output", out,
                                                "--human-words", form])
            XCTAssertEqual(r.status, 0, r.stderr)
            assertEqual(try EvalFixture.matrix(out, "per_context/tvd")[0], tvd, "\(form) tvd")
            assertEqual(try EvalFixture.matrix(out, "per_context/coverage")[0], coverage, "\(form) coverage")
            // Cross-entropy is over the answers as typed with their own log q, whatever the form.
            assertEqual(try EvalFixture.matrix(out, "per_context/human_cross_entropy")[0], [(1 + 4 + 3) / 4.0, 1, 0.5], "\(form) cross-entropy")
        }
    }

    func testBaselineDeltaAndFigure4Cells() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir)
        // Base samples: seed 1 and 2 both sample "the" for word 2, "cat" for word 3, "cat" for word 4.
        let baseWords = [["the", "the", "the", "the"], ["cat", "cat", "cat", "cat"], ["cat", "cat", "cat", "cat"]]
        let b1 = try EvalFixture.writeSamples(in: dir, name: "b1.h5", variant: "base", seed: 1, words: baseWords, logq: logq)
        let b2 = try EvalFixture.writeSamples(in: dir, name: "b2.h5", variant: "base", seed: 2, words: baseWords, logq: logq)
        let out = dir + "/tvd.h5"
        // Baselines given in the other seed order: pairing is by seed, not position.
        let r = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                            "--output", out, "--baseline", b2, b1])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Base TVD: word 2 ½(.5 + .25 + .25) = .5; word 3 ½(.75 + .25 + 1) = 1; word 4 ½(.5 + .5) = .5.
        let base = [0.5, 1.0, 0.5]
        let delta = try EvalFixture.matrix(out, "per_context/delta_tvd")
        assertEqual(delta[0], zip(tvd1, base).map { $0 - $1 }, "delta seed 1")
        assertEqual(delta[1], zip(tvd2, base).map { $0 - $1 }, "delta seed 2")
        // F4 cells on the first seed: OLS slope of delta on oracle TVD, and means below/above the median.
        let x = try EvalFixture.matrix(f.oracle, "oracle_tvd")[0], y = delta[0]
        let mx = x.reduce(0, +) / 3, my = y.reduce(0, +) / 3
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +), sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        let s = try EvalFixture.summary(out)
        if sxx > 0 {
            XCTAssertEqual(try XCTUnwrap(s["F4/FT (Mul. labels)/Gemma-3-270M/slope"]).value, sxy / sxx, accuracy: 1e-12)
        }
        let median = x.sorted()[1]
        let low = zip(x, y).filter { $0.0 <= median }.map(\.1), high = zip(x, y).filter { $0.0 > median }.map(\.1)
        XCTAssertEqual(try XCTUnwrap(s["F4/FT (Mul. labels)/Gemma-3-270M/mean diff low"]).value, low.reduce(0, +) / Double(low.count), accuracy: 1e-12)
        if !high.isEmpty {
            XCTAssertEqual(try XCTUnwrap(s["F4/FT (Mul. labels)/Gemma-3-270M/mean diff high"]).value, high.reduce(0, +) / Double(high.count), accuracy: 1e-12)
        }
    }

    func testAblationRunWritesOnlyTheFigure9Cell() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir, variant: "ft-mul-n4")
        let out = dir + "/n4.h5"
        let r = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                            "--output", out, "--labels-per-context", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try EvalFixture.summary(out)
        XCTAssertEqual(Set(s.keys), ["F9/4/Gemma-3-270M"])
        let m1 = (5.0 / 12 + 0.25 + 1) / 3, m2 = (0.75 + 0 + 0.5) / 3
        XCTAssertEqual(s["F9/4/Gemma-3-270M"]!.value, (m1 + m2) / 2, accuracy: 1e-12)
        let all = dir + "/all.h5"
        let r2 = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                             "--output", all, "--labels-per-context", "all", "--row", "FT (Mul. labels)"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(Set(try EvalFixture.summary(all).keys),
                       ["F9/all/Gemma-3-270M", "1/FT (Mul. labels)/Gemma-3-270M", "F6/FT (Mul. labels)/Gemma-3-270M",
                        "F7/FT (Mul. labels)/Gemma-3-270M", "CE/FT (Mul. labels)/Gemma-3-270M"])
    }

    func testRerunIsBitIdentical() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir)
        let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]
        var bytes: [Data] = []
        for _ in 0..<2 {
            let r = try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--samples", f.a, f.b, "--oracle", f.oracle,
                                                "--output", dir + "/same.h5"], environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            bytes.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/same.h5")))
        }
        XCTAssertEqual(bytes[0], bytes[1])
    }

    func testBadInputsAreNamedErrors() throws {
        let dir = try Stages.tempDir()
        let f = try setUpRun(dir)
        func run(_ args: [String]) throws -> Stages.Result {
            try Stages.run("evaluate", ["tvd", "--splits", f.splits, "--oracle", f.oracle, "--output", dir + "/x.h5"] + args)
        }
        // Human answers that are not the splits' answers.
        var answers = EvalFixture.answers
        answers[1] = ["dog", "true"]
        let wrong = try EvalFixture.writeSamples(in: dir, name: "wrong.h5", variant: "base", seed: 1, words: words1, logq: logq, answers: answers)
        var r = try run(["--samples", wrong])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("wrong.h5") && r.stderr.contains("text 2, word 3") && r.stderr.contains("TRUE"), r.stderr)
        // A positive log-probability.
        var lq = logq
        lq[2][1] = 0.5
        let pos = try EvalFixture.writeSamples(in: dir, name: "pos.h5", variant: "base", seed: 1, words: words1, logq: lq)
        r = try run(["--samples", pos])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("pos.h5") && r.stderr.contains("human/logq") && r.stderr.contains("---"), r.stderr)
        // A seed the oracle does not have.
        let s7 = try EvalFixture.writeSamples(in: dir, name: "s7.h5", variant: "base", seed: 7, words: words1, logq: logq)
        r = try run(["--samples", s7])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("oracle.h5") && r.stderr.contains("seed 7"), r.stderr)
        // Contexts that are not the split's.
        let other = try EvalFixture.writeSamples(in: dir, name: "other.h5", variant: "base", seed: 1, words: words1, logq: logq,
                                                 contexts: [(2, 2), (2, 3), (2, 5)])
        r = try run(["--samples", other])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("other.h5") && r.stderr.contains("word 5"), r.stderr)
        // Two files with the same seed, and mixing variants.
        r = try run(["--samples", f.a, f.a])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("seed 1"), r.stderr)
        r = try run(["--samples", f.a, s7])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("variant"), r.stderr)
        // A variant that is no table row needs --row.
        let odd = try EvalFixture.writeSamples(in: dir, name: "odd.h5", variant: "mystery", seed: 1, words: words1, logq: logq)
        r = try run(["--samples", odd])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--row"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.h5"))
    }
}
