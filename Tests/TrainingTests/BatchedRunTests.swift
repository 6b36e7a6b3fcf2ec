import XCTest
import Models
import Training

/// `DecoderTrainer.run(batch:)` stacks the rows of several sequences through the linears and the
/// LM head while attention stays inside each sequence: it must give the same log-probabilities
/// and accumulated gradients as one `run` per sequence.
final class BatchedRunTests: XCTestCase {
    private func sequences() throws -> [TrainingSequence] {
        [TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 5, 6], words: [[7], [8, 9], [10, 3, 0]], weights: [0.5, 0.3, 0.2])),
         try TrainingSequence(prompt: [3, 1, 4, 1, 5], response: [9, 2, 6]),
         TrainingSequence(tree: try TreeBatch(context: [2, 7], words: [[1, 8]], weights: [1]))]
    }

    func testBatchedRunMatchesSeparateRunsOnGemma3() throws {
        let w = try DecoderWeights.random(config: DecoderTrainerTests.tinyGemma(), seed: 5, scale: 0.4)
        let tr = try DecoderTrainer(weights: w)
        let seqs = try sequences(), params = tr.trainableParameters
        zeroGrads(params)
        var separate: [[Double]] = []
        for s in seqs {
            separate.append(try tr.run(tokens: s.tokens, positions: s.positions, mask: s.mask, targets: s.targets, dlossScale: 0.25))
        }
        let gSeparate = params.flatMap(\.gradient)
        zeroGrads(params)
        let batched = try tr.run(batch: seqs, dlossScale: 0.25)
        let gBatched = params.flatMap(\.gradient)
        XCTAssertEqual(batched.count, seqs.count)
        for (a, b) in zip(batched, separate) {
            XCTAssertEqual(a.count, b.count)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
        var maxAbs: Float = 0, maxDiff: Float = 0
        for (x, y) in zip(gBatched, gSeparate) { maxAbs = max(maxAbs, abs(y)); maxDiff = max(maxDiff, abs(x - y)) }
        XCTAssertGreaterThan(maxAbs, 1e-3)
        XCTAssertLessThan(maxDiff, 1e-5 * max(1, maxAbs), "max |Δgrad| \(maxDiff) (max |grad| \(maxAbs))")
    }

    /// Sequences that start with the same rows (a shared chat prompt) have those rows computed once:
    /// the same log-probabilities and gradients as computing them per sequence, on Gemma 3 (sliding
    /// window layers) and llama, with a target inside the shared rows and a tree after them.
    func testSharedPrefixRowsComputedOnceGiveTheSameResult() throws {
        let seqs = [TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 5, 6, 9, 2], words: [[7], [8, 9], [10, 3, 0]], weights: [0.5, 0.3, 0.2])),
                    try TrainingSequence(prompt: [1, 2], response: [3, 4, 7, 7, 1]),
                    TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 8], words: [[1, 8], [4]], weights: [0.7, 0.3]))]
        for config in [try DecoderTrainerTests.tinyGemma(), try DecoderTrainerTests.tinyLlama()] {
            let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: config, seed: 9, scale: 0.4))
            let params = tr.trainableParameters
            var results: [[[Double]]] = [], grads: [[Float]] = []
            for share in [false, true] {
                tr.sharePrefix = share
                zeroGrads(params)
                results.append(try tr.run(batch: seqs, dlossScale: 0.5))
                grads.append(params.flatMap(\.gradient))
            }
            for (a, b) in zip(results[0], results[1]) {
                XCTAssertEqual(a.count, b.count)
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(config.architecture)") }
            }
            var maxAbs: Float = 0, maxDiff: Float = 0
            for (x, y) in zip(grads[0], grads[1]) { maxAbs = max(maxAbs, abs(x)); maxDiff = max(maxDiff, abs(x - y)) }
            XCTAssertGreaterThan(maxAbs, 1e-3)
            XCTAssertLessThan(maxDiff, 1e-5 * max(1, maxAbs), "\(config.architecture): max |Δgrad| \(maxDiff) (max |grad| \(maxAbs))")
        }
    }

    /// Sequences that share leading rows in a tree (a passage's contexts are prefixes of each
    /// other; chat prompts share their head; duplicates; a word row that equals another context's
    /// row): every shared row is computed once, and log-probabilities and gradients equal the
    /// unshared run's, on Gemma 3 (sliding windows) and llama.
    func testTrieSharedRowsGiveTheSameResult() throws {
        let seqs = [TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 5, 6, 9, 2], words: [[7], [8, 9], [10, 3, 0]], weights: [0.5, 0.3, 0.2])),
                    try TrainingSequence(prompt: [1, 2], response: [3, 4, 7, 7, 1]),
                    TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 8], words: [[1, 8], [4]], weights: [0.7, 0.3])),
                    // A prefix of the first context; its word row (9 at position 6) is that context's row 6.
                    TrainingSequence(tree: try TreeBatch(context: [1, 2, 3, 4, 5, 6], words: [[2], [9, 9]], weights: [0.4, 0.6])),
                    try TrainingSequence(prompt: [1, 2], response: [3, 4, 7, 7, 1]),   // a duplicate
                    try TrainingSequence(prompt: [5, 5], response: [5])]                // shares nothing
        // Unshared: 11 + 7 + 6 + 7 + 7 + 3 = 41 rows. Shared: [1 2 3 4] once; the first context's
        // rest (5 6 9 2 8 | 10 3); the prompt's rest (7 7 1) once for both copies; 8 1; and 5 5 5.
        for config in [try DecoderTrainerTests.tinyGemma(), try DecoderTrainerTests.tinyLlama()] {
            let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: config, seed: 9, scale: 0.4))
            let params = tr.trainableParameters
            var results: [[[Double]]] = [], grads: [[Float]] = [], rows: [Int] = []
            for share in [false, true] {
                tr.sharePrefix = share
                zeroGrads(params)
                results.append(try tr.run(batch: seqs, dlossScale: 0.5))
                grads.append(params.flatMap(\.gradient))
                rows.append(tr.lastRunRows)
            }
            XCTAssertEqual(rows, [41, 19])
            for (a, b) in zip(results[0], results[1]) {
                XCTAssertEqual(a.count, b.count)
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(config.architecture)") }
            }
            XCTAssertEqual(results[1][1], results[1][4], "the duplicate scores alike")
            var maxAbs: Float = 0, maxDiff: Float = 0
            for (x, y) in zip(grads[0], grads[1]) { maxAbs = max(maxAbs, abs(x)); maxDiff = max(maxDiff, abs(x - y)) }
            XCTAssertGreaterThan(maxAbs, 1e-3)
            XCTAssertLessThan(maxDiff, 1e-5 * max(1, maxAbs), "\(config.architecture): max |Δgrad| \(maxDiff) (max |grad| \(maxAbs))")
        }
        // With nothing shared, the layout is the unshared one: the same bits.
        let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: try DecoderTrainerTests.tinyLlama(), seed: 3, scale: 0.4))
        let lone = [seqs[0], seqs[5]]
        var out: [[[Double]]] = []
        for share in [false, true] { tr.sharePrefix = share; out.append(try tr.run(batch: lone, backward: false)) }
        XCTAssertEqual(out[0], out[1])
        XCTAssertEqual(tr.lastRunRows, 14)
    }

    func testBadSequenceInBatchIsNamed() throws {
        let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: DecoderTrainerTests.tinyLlama(), seed: 1))
        var seqs = try sequences()
        seqs[2].targets.append(TokenTarget(row: 99, token: 0))
        XCTAssertThrowsError(try tr.run(batch: seqs)) { XCTAssertTrue("\($0)".contains("sequence 2"), "\($0)") }
        XCTAssertThrowsError(try tr.run(batch: []))
    }
}
