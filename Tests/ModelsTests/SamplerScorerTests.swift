import XCTest
import Foundation
import Models
import Numerics

final class SamplerTests: XCTestCase {
    func frequencies(_ logits: [Float], _ settings: SamplingSettings, n: Int, seed: UInt64) -> [Double] {
        var s = Sampler(seed: seed)
        var counts = [Double](repeating: 0, count: logits.count)
        for _ in 0..<n { counts[Int(s.sample(logits: logits, settings: settings))] += 1 }
        return counts.map { $0 / Double(n) }
    }

    func softmax(_ l: [Float], _ T: Double) -> [Double] {
        let m = l.map { Double($0) / T }.max()!
        let e = l.map { exp(Double($0) / T - m) }, z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    func testTemperatureFrequenciesMatchSoftmax() {
        let logits: [Float] = [1.0, 0.2, -0.5, 2.0, 0.0]
        for T in [1.0, 2.0] {
            let f = frequencies(logits, SamplingSettings(temperature: Float(T)), n: 40000, seed: 5)
            let p = softmax(logits, T)
            for i in 0..<5 { XCTAssertEqual(f[i], p[i], accuracy: 0.01, "T \(T) token \(i)") }
        }
    }

    func testTopKAndTopPCut() {
        let logits: [Float] = [log(0.5), log(0.3), log(0.15), log(0.05)].map { Float($0) }
        let k = frequencies(logits, SamplingSettings(topK: 2), n: 20000, seed: 1)
        XCTAssertEqual(k[2] + k[3], 0)
        XCTAssertEqual(k[0], 0.5 / 0.8, accuracy: 0.015)
        // top-p 0.85: 0.5 + 0.3 = 0.8 < 0.85, so the third token is kept too.
        let p = frequencies(logits, SamplingSettings(topP: 0.85), n: 20000, seed: 2)
        XCTAssertEqual(p[3], 0)
        XCTAssertEqual(p[2], 0.15 / 0.95, accuracy: 0.015)
        XCTAssertEqual(frequencies(logits, .greedy, n: 10, seed: 3)[0], 1)
    }

    func testSameSeedSameSequenceDifferentSeedDiffers() {
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
        var a = Sampler(seed: 11), b = Sampler(seed: 11), c = Sampler(seed: 12)
        let sa = (0..<100).map { _ in a.sample(logits: logits, settings: SamplingSettings()) }
        let sb = (0..<100).map { _ in b.sample(logits: logits, settings: SamplingSettings()) }
        let sc = (0..<100).map { _ in c.sample(logits: logits, settings: SamplingSettings()) }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
    }
}

final class WordScorerTests: XCTestCase {
    /// Candidate scores equal sums of log-softmax entries of a single full forward over context + candidate.
    func testScoresMatchFullSequenceLogProbs() throws {
        for kind in ["llama", "gemma3"] {
            let (json, src) = tinyModel(kind, seed: 21)
            let m = try loadModel(hfWeights: src, config: json, configPath: "<\(kind)>")
            let context: [Int32] = [2, 9, 14, 30, 1]
            let cands: [[Int32]] = [[7], [7, 3], [11, 0, 25, 4], [39, 39]]
            let scores = try WordScorer(model: m, batchSize: 2).score(context: context, candidates: cands)
            let V = m.vocabSize
            for (i, cand) in cands.enumerated() {
                let seq = context + cand
                var l = try m.forward(tokens: seq, cache: m.makeCache())
                l.withUnsafeMutableBufferPointer { logSoftmaxForward(out: $0.baseAddress!, inp: $0.baseAddress!, rows: seq.count, cols: V) }
                var want = 0.0
                for j in 0..<cand.count { want += Double(l[(context.count - 1 + j) * V + Int(cand[j])]) }
                XCTAssertEqual(scores[i], want, accuracy: 1e-4, "\(kind) candidate \(i)")
            }
            XCTAssertThrowsError(try WordScorer(model: m).score(context: context, candidates: [[]]))
            XCTAssertThrowsError(try WordScorer(model: m).score(context: context, candidates: [[40]]))
        }
    }

    /// Greedy generation through the KV cache equals re-running the whole sequence each step;
    /// sampling is reproducible from the seed.
    func testGenerateGreedyAndSeeded() throws {
        let (json, src) = tinyModel("qwen2", seed: 5)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<qwen2>")
        let prompt: [Int32] = [4, 8, 15]
        let g = try m.generate(prompt: prompt, maxTokens: 6, settings: .greedy, seed: 0)[0]
        var seq = prompt
        for _ in 0..<6 {
            let l = try m.forward(tokens: seq, cache: m.makeCache(), logitRows: .last)
            seq.append(Int32(l.indices.max(by: { l[$0] < l[$1] })!))
        }
        XCTAssertEqual(g, Array(seq[3...]))
        let s1 = try m.generate(prompt: prompt, samples: 3, maxTokens: 5, settings: SamplingSettings(temperature: 1.5), seed: 9)
        let s2 = try m.generate(prompt: prompt, samples: 3, maxTokens: 5, settings: SamplingSettings(temperature: 1.5), seed: 9)
        XCTAssertEqual(s1, s2)
        XCTAssertEqual(s1.count, 3)
        XCTAssertNotEqual(s1[0], s1[1])
        let stopped = try m.generate(prompt: prompt, maxTokens: 6, settings: .greedy, seed: 0, stop: [g[1]])[0]
        XCTAssertEqual(stopped, Array(g[0...1]))
    }

    /// Ending samples early (isDone) truncates each sample and leaves every other sample's tokens
    /// unchanged: each sample draws from its own sampler, whatever the batch around it.
    func testEarlyDoneSamplesArePrefixesOfFullSamples() throws {
        let (json, src) = tinyModel("llama", seed: 11)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<llama>")
        let settings = SamplingSettings(temperature: 1.3, topK: 20)
        let full = try m.generate(prompt: [3, 1, 4, 1, 5], samples: 12, maxTokens: 6, settings: settings, seed: 77)
        // Done after a token id divisible by 3 appears: samples end at different steps.
        let early = try m.generate(prompt: [3, 1, 4, 1, 5], samples: 12, maxTokens: 6, settings: settings, seed: 77,
                                   isDone: { $0.contains { $0 % 3 == 0 } })
        var shortened = 0
        for (f, e) in zip(full, early) {
            let cut = f.firstIndex { $0 % 3 == 0 }.map { $0 + 1 } ?? f.count
            XCTAssertEqual(e, Array(f[..<cut]))
            if cut < f.count { shortened += 1 }
        }
        XCTAssertGreaterThan(shortened, 2, "the predicate should end several samples early")
        XCTAssertLessThan(shortened, 12, "and leave some running")
    }

    /// Samples that drew the same tokens share one decode row and cache until they differ; every
    /// sample still equals the same sample drawn on its own (sample i of seed s = the only
    /// sample of seed s + i), on a peaked distribution where most samples share a prefix.
    func testSamplesSharingAPrefixEqualSamplesDrawnAlone() throws {
        for kind in ["gemma3", "llama"] {
            let (json, src) = tinyModel(kind, seed: 21)
            let m = try loadModel(hfWeights: src, config: json, configPath: "<\(kind)>")
            let prompt: [Int32] = [5, 3, 9, 2]
            let settings = SamplingSettings(temperature: 0.35, topK: 4)
            let together = try m.generate(prompt: prompt, samples: 16, maxTokens: 5, settings: settings, seed: 31)
            let alone = try (0..<16).map { try m.generate(prompt: prompt, samples: 1, maxTokens: 5, settings: settings, seed: 31 + UInt64($0))[0] }
            XCTAssertEqual(together, alone, kind)
            let firstTokens = Set(together.map { $0[0] }), sequences = Set(together)
            XCTAssertLessThan(firstTokens.count, 16, "\(kind): samples should share first tokens")
            XCTAssertGreaterThan(sequences.count, 1, "\(kind): and then diverge")
        }
    }

    /// One prefill shared by sampling and scoring gives the same bits as each running the prompt
    /// itself, in either order, and leaves the prefilled cache as it was.
    func testSharedPrefillGivesSameSamplesAndScores() throws {
        for kind in ["gemma3", "llama"] {
            let (json, src) = tinyModel(kind, seed: 13)
            let m = try loadModel(hfWeights: src, config: json, configPath: "<\(kind)>")
            let prompt: [Int32] = [2, 7, 1, 8, 2, 8, 1]
            let cands: [[Int32]] = [[3], [4, 5], [6, 7, 8], [9, 9]]
            let settings = SamplingSettings(temperature: 1.1, topK: 30)
            let gen = try m.generate(prompt: prompt, samples: 9, maxTokens: 4, settings: settings, seed: 5)
            let scores = try WordScorer(model: m).score(context: prompt, candidates: cands)

            let pre = try m.prefill(prompt)
            let scoresFirst = try WordScorer(model: m).score(after: pre, candidates: cands)
            let genAfter = try m.generate(after: pre, samples: 9, maxTokens: 4, settings: settings, seed: 5)
            let scoresAfter = try WordScorer(model: m).score(after: pre, candidates: cands)
            XCTAssertEqual(genAfter, gen, kind)
            XCTAssertEqual(scoresFirst, scores, kind)
            XCTAssertEqual(scoresAfter, scores, kind)
            XCTAssertEqual(pre.cache.count, prompt.count, "generate and score only fork the prefilled cache")
        }
    }
}

final class TopKSelectionTests: XCTestCase {
    /// Partial selection must give exactly the first k of a full sort (logit descending, ties by id).
    func testTopKIndicesEqualsSortedPrefixWithTies() {
        var rng = Sampler(seed: 7)
        for vocab in [1, 5, 50, 1000, 4096] {
            // Few distinct values, so ties are everywhere.
            let logits = (0..<vocab).map { _ in Float(Int(rng.uniform() * 8)) - 4 }
            let sorted = Array(0..<vocab).sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
            for k in [1, 2, 3, 50, vocab] where k <= vocab {
                let got = logits.withUnsafeBufferPointer { topKIndices($0.baseAddress!, vocab: vocab, k: k) }
                XCTAssertEqual(got, Array(sorted.prefix(k)), "vocab \(vocab) k \(k)")
            }
        }
    }
}
