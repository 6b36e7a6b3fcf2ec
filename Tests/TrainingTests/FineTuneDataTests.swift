import Foundation
import XCTest
import Models
import Training

/// Paper B's training data: the loss targets per run kind from a hand-made context, the
/// leading-space rule, and the tree-packed instruct batches against the expanded examples.
final class FineTuneDataTests: XCTestCase {
    /// A Provo-like context: answers in file order with counts (two rows of "the" merged).
    let answers: [(response: String, count: Int)] = [("the", 5), ("a", 3), ("his", 5), ("the", 1), ("her", 2)]

    func testTargetsOrigMajMul() throws {
        let orig = try ClozeWordTargets(context: "He opened", corpusWord: "the", answers: answers, kind: .orig)
        XCTAssertEqual(orig.words, ["the"]); XCTAssertEqual(orig.counts, [1])
        let origPunct = try ClozeWordTargets(context: "He opened", corpusWord: "door.", answers: answers, kind: .orig)
        XCTAssertEqual(origPunct.words, ["door."])
        // "the" has 5 + 1 = 6 after merging, more than "his" (5).
        let maj = try ClozeWordTargets(context: "He opened", corpusWord: "door", answers: answers, kind: .maj)
        XCTAssertEqual(maj.words, ["the"]); XCTAssertEqual(maj.counts, [1])
        // Ties go to the answer listed first.
        let tie = try ClozeWordTargets(context: "c", corpusWord: "w", answers: [("x", 2), ("y", 3), ("z", 3)], kind: .maj)
        XCTAssertEqual(tie.words, ["y"])
        let mul = try ClozeWordTargets(context: "He opened", corpusWord: "door", answers: answers, kind: .mul)
        XCTAssertEqual(mul.words, ["the", "a", "his", "her"]); XCTAssertEqual(mul.counts, [6, 3, 5, 2]); XCTAssertEqual(mul.total, 16)
        XCTAssertThrowsError(try ClozeWordTargets(context: "c", corpusWord: "w", answers: [("x", 0)], kind: .mul)) { e in
            XCTAssertTrue("\(e)".contains("count 0"), "\(e)")
        }
        XCTAssertThrowsError(try ClozeWordTargets(context: "c", corpusWord: "w", answers: [], kind: .maj))
    }

    /// Ablation N: the N sampled answers (as `ClozeContext.sampleResponses` returns them, each once)
    /// become relative frequencies over the sample.
    func testAblationSampleWeights() throws {
        let sampled = ["his", "the", "his", "a"].map { (response: $0, count: 1) }
        let t = try ClozeWordTargets(context: "He opened", corpusWord: "door", answers: sampled, kind: .mul)
        XCTAssertEqual(t.words, ["his", "the", "a"]); XCTAssertEqual(t.counts, [2, 1, 1])
        // Word-distribution tree weights are count / total.
        let item = try TokenizedClozeItem(prompt: [1, 2], targets: [[3], [4, 5], [6]], counts: t.counts)
        let seq = try clozeBatchSequences([ClozeUnit(item: 0, target: 0)], items: [item], mode: .wordDistribution)[0]
        XCTAssertEqual(seq.targets.map(\.weight), [0.5, 0.25, 0.25, 0.25])
        XCTAssertEqual(seq.targets.map(\.token), [3, 4, 5, 6])
    }

    func testPlainContinuationLeadingSpace() {
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: "the"), " the")
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: "door."), " door.")
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: ","), ",")
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: "'s"), "'s")
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: "\"Hello"), "\"Hello")
        XCTAssertEqual(PaperBPrompts.plainContinuation(word: "42"), " 42")
        XCTAssertTrue(PaperBPrompts.instructionText(context: "The cat").contains("\nContext: The cat\nContinuation:"))
    }

    func testUnitsExpandByCount() throws {
        let items = [try TokenizedClozeItem(prompt: [1], targets: [[2], [3]], counts: [2, 1]),
                     try TokenizedClozeItem(prompt: [4], targets: [[5]], counts: [3])]
        XCTAssertEqual(clozeUnits(items, mode: .wordDistribution), [ClozeUnit(item: 0, target: 0), ClozeUnit(item: 1, target: 0)])
        XCTAssertEqual(clozeUnits(items, mode: .expandedExamples).map { [$0.item, $0.target] },
                       [[0, 0], [0, 0], [0, 1], [1, 0], [1, 0], [1, 0]])
        XCTAssertThrowsError(try TokenizedClozeItem(prompt: [], targets: [[1]], counts: [1]))
        XCTAssertThrowsError(try TokenizedClozeItem(prompt: [1], targets: [[]], counts: [1]))
    }

    /// Context shuffling: a permutation of all units in which each context's units are contiguous,
    /// the contexts in a seeded order, deterministic; example shuffling is `epochOrder`.
    func testContextShuffleKeepsContextsTogether() throws {
        let items = try (0..<12).map { i in
            try TokenizedClozeItem(prompt: [Int32(i + 1)], targets: [[2], [3], [4]], counts: [i % 3 + 1, 2, i % 2 + 1])
        }
        let units = clozeUnits(items, mode: .expandedExamples)
        let a = clozeEpochOrder(units, shuffle: .context, seed: 42, epoch: 0)
        XCTAssertEqual(a.sorted(), Array(units.indices))
        XCTAssertEqual(a, clozeEpochOrder(units, shuffle: .context, seed: 42, epoch: 0))
        XCTAssertNotEqual(a, clozeEpochOrder(units, shuffle: .context, seed: 42, epoch: 1))
        let items_ = a.map { units[$0].item }
        var seen = Set<Int>()
        for (j, it) in items_.enumerated() where j == 0 || items_[j - 1] != it {
            XCTAssertFalse(seen.contains(it), "context \(it) split into two runs: \(items_)")
            seen.insert(it)
        }
        XCTAssertEqual(seen.count, 12)
        XCTAssertNotEqual(items_, items_.sorted(), "contexts are shuffled")
        XCTAssertEqual(clozeEpochOrder(units, shuffle: .example, seed: 42, epoch: 0), epochOrder(count: units.count, seed: 42, epoch: 0))
        XCTAssertEqual(clozeEpochOrder([], shuffle: .context, seed: 1, epoch: 0), [])
    }

    /// One batch of expanded (prompt, reply) examples packed into one tree per context gives the
    /// same loss (to 1e-5) and gradients as the mean over the examples run one by one with
    /// `TrainingSequence(prompt:response:)`.
    func testPackedInstructBatchEqualsExpandedExamples() throws {
        let config = try DecoderTrainerTests.tinyLlama()
        let trainer = try DecoderTrainer(weights: DecoderWeights.random(config: config, seed: 7, scale: 0.3))
        let items = [try TokenizedClozeItem(prompt: [1, 5, 2, 7], targets: [[3, 12], [9], [4, 6, 12]], counts: [3, 2, 1]),
                     try TokenizedClozeItem(prompt: [1, 8, 8], targets: [[10, 12], [11, 12]], counts: [1, 4])]
        let all = clozeUnits(items, mode: .expandedExamples)
        // A shuffled batch with repeats of the same answer and both contexts.
        let batch = [all[1], all[7], all[3], all[0], all[10], all[5], all[8]]
        let params = trainer.trainableParameters

        zeroGrads(params)
        var refLoss = 0.0
        for u in batch {
            let s = try TrainingSequence(prompt: items[u.item].prompt, response: items[u.item].targets[u.target])
            let lp = try trainer.run(tokens: s.tokens, positions: s.positions, mask: s.mask, targets: s.targets,
                                     dlossScale: 1 / Float(batch.count))
            refLoss += weightedNegativeLogLikelihood(lp, s.targets) / Double(batch.count)
        }
        let refGrads = params.map(\.gradient)

        zeroGrads(params)
        let packed = try clozeBatchSequences(batch, items: items, mode: .expandedExamples)
        XCTAssertEqual(packed.count, 2)
        var loss = 0.0
        for s in packed {
            let lp = try trainer.run(tokens: s.tokens, positions: s.positions, mask: s.mask, targets: s.targets,
                                     dlossScale: 1 / Float(packed.count))
            loss += weightedNegativeLogLikelihood(lp, s.targets) / Double(packed.count)
        }
        XCTAssertEqual(loss, refLoss, accuracy: 1e-5)
        XCTAssertGreaterThan(refLoss, 0.5)
        for (p, ref) in zip(params, refGrads) {
            let g = p.gradient
            let scale = max(1e-3, ref.map { abs($0) }.max()!)
            for j in g.indices { XCTAssertEqual(g[j], ref[j], accuracy: 1e-4 * scale, p.name) }
        }
        // The packed rows: each prompt once (4 + 3 tokens) plus the replies' non-final tokens.
        XCTAssertEqual(packed.map(\.tokens.count), [4 + 1 + 0 + 2, 3 + 1])   // context 1: only reply [11, 12] is in the batch
    }
}
