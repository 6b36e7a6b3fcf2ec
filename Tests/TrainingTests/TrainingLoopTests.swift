import XCTest
import Models
import Training

final class TrainingLoopTests: XCTestCase {
    func testEpochOrderIsADeterministicPermutation() {
        let a = epochOrder(count: 50, seed: 3, epoch: 0)
        XCTAssertEqual(a.sorted(), Array(0..<50))
        XCTAssertEqual(a, epochOrder(count: 50, seed: 3, epoch: 0))
        XCTAssertNotEqual(a, epochOrder(count: 50, seed: 3, epoch: 1))
        XCTAssertNotEqual(a, epochOrder(count: 50, seed: 4, epoch: 0))
        XCTAssertNotEqual(a, Array(0..<50))
    }

    func testPromptResponseTargets() throws {
        let s = try TrainingSequence(prompt: [5, 6, 7], response: [8, 9])
        XCTAssertEqual(s.tokens, [5, 6, 7, 8, 9])
        XCTAssertEqual(s.targets, [TokenTarget(row: 2, token: 8, weight: 0.5), TokenTarget(row: 3, token: 9, weight: 0.5)])
        XCTAssertThrowsError(try TrainingSequence(prompt: [1], response: []))
    }

    /// One loop step over two sequences uses the gradient of both: AdamW's first step moves each
    /// parameter by −lr·g/(|g| + ε) ≈ −lr·sign(g), g the batch gradient, which is computed here
    /// independently from two separate runs.
    func testLoopStepUsesTheWholeBatchGradient() throws {
        let w = try DecoderWeights.random(config: DecoderTrainerTests.tinyLlama(), seed: 8, scale: 0.4)
        let tr = try DecoderTrainer(weights: w)
        let s1 = try TrainingSequence(prompt: [1, 2, 3], response: [4, 5])
        let s2 = TrainingSequence(tree: try TreeBatch(context: [6, 7], words: [[8], [9, 10]], weights: [0.6, 0.4]))
        let params = tr.trainableParameters
        var g = [Float](repeating: 0, count: params.reduce(0) { $0 + $1.count })
        for s in [s1, s2] {
            zeroGrads(params)
            _ = try tr.run(tokens: s.tokens, positions: s.positions, mask: s.mask, targets: s.targets, dlossScale: 0.5)
            for (i, x) in params.flatMap(\.gradient).enumerated() { g[i] += x }
        }
        let before = params.flatMap(\.values)
        let lr: Float = 1e-3
        let loop = TrainingLoop(trainer: tr, optimizer: AdamW(eps: 1e-12),
                                schedule: LinearSchedule(peak: lr, warmupSteps: 0, totalSteps: 10), maxGradNorm: nil)
        let report = try loop.step([s1, s2])
        XCTAssertEqual(report.learningRate, lr)
        let after = params.flatMap(\.values)
        var checked = 0
        for i in g.indices where abs(g[i]) > 1e-6 {
            XCTAssertEqual(after[i] - before[i], g[i] > 0 ? -lr : lr, accuracy: 1e-5, "parameter element \(i)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, g.count / 2)
    }

    func testLoopReducesLossAndReportsSteps() throws {
        let w = try DecoderWeights.random(config: DecoderTrainerTests.tinyQwen2(), seed: 9, scale: 0.4, trainable: false)
        let tr = try DecoderTrainer(weights: w, loraConfig: try LoRAConfig(rank: 4, alpha: 8, dropout: 0.05, seed: 2))
        let loop = TrainingLoop(trainer: tr, optimizer: AdamW(), schedule: LinearSchedule(peak: 0.03, warmupSteps: 2, totalSteps: 30))
        let data = [try TrainingSequence(prompt: [1, 2, 3], response: [4, 5]),
                    try TrainingSequence(prompt: [6, 7], response: [8]),
                    TrainingSequence(tree: try TreeBatch(context: [9, 10], words: [[11], [1, 2]], weights: [0.5, 0.5]))]
        let before = try loop.evaluate(data)
        var last: StepReport?
        for epoch in 0..<10 {
            let order = epochOrder(count: data.count, seed: 1, epoch: epoch)
            for start in stride(from: 0, to: order.count, by: 2) {
                last = try loop.step(order[start..<min(start + 2, order.count)].map { data[$0] })
            }
        }
        XCTAssertEqual(last?.step, 20)
        XCTAssertEqual(loop.stepsDone, 20)
        let after = try loop.evaluate(data)
        XCTAssertLessThan(after, 0.6 * before, "validation loss \(before) → \(after)")
        XCTAssertThrowsError(try loop.step([]))
    }
}
