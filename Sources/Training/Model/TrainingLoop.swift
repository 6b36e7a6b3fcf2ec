import Numerics
/// One sequence to train on: a tree batch (L_Var, several candidate words sharing a context)
/// or a causal prompt + response (L_Label), with its targets.
public struct TrainingSequence: Sendable {
    public var tokens: [Int32]
    public var positions: [Int32]
    public var mask: AttentionMask
    public var targets: [TokenTarget]

    public init(tokens: [Int32], positions: [Int32], mask: AttentionMask, targets: [TokenTarget]) {
        self.tokens = tokens; self.positions = positions; self.mask = mask; self.targets = targets
    }

    public init(tree: TreeBatch) {
        self.init(tokens: tree.tokens, positions: tree.positions, mask: tree.mask, targets: tree.targets)
    }

    /// Prompt + response in one causal sequence; the loss covers the response tokens only, each
    /// with weight 1/(response length) so every example's loss is its mean token NLL.
    public init(prompt: [Int32], response: [Int32]) throws {
        guard !prompt.isEmpty, !response.isEmpty else { throw TrainingError("training example needs a prompt and a response") }
        let all = prompt + response, T = all.count
        self.init(tokens: all, positions: (0..<T).map { Int32($0) }, mask: .causal(T: T),
                  targets: TokenTarget.nextToken(all, rows: (prompt.count - 1)..<(T - 1), weight: 1 / Float(response.count)))
    }
}

/// What one optimiser step did.
public struct StepReport: Sendable {
    /// Optimiser step number (1-based, = AdamW.t after the step).
    public var step: Int
    /// Mean over the batch's sequences of Σ weight·(−log q) (before the update).
    public var loss: Double
    /// Global gradient norm before clipping.
    public var gradNorm: Float
    public var learningRate: Float
}

/// The optimisation loop around a `DecoderTrainer`: the batch goes through the trainer in one
/// stacked call (dlossScale 1/B, so the step follows the mean loss over the batch), then
/// global-norm clipping fused into AdamW at the scheduled learning rate.
/// The dropout key is the step number, so a resumed run draws the same masks.
public final class TrainingLoop {
    public let trainer: DecoderTrainer
    public let optimizer: AdamW
    public let schedule: LinearSchedule
    public let maxGradNorm: Float?

    public init(trainer: DecoderTrainer, optimizer: AdamW, schedule: LinearSchedule, maxGradNorm: Float? = 1) {
        self.trainer = trainer; self.optimizer = optimizer; self.schedule = schedule; self.maxGradNorm = maxGradNorm
    }

    /// Steps taken so far (restored with the optimiser by `Checkpoint.load`).
    public var stepsDone: Int { optimizer.t }

    public func step(_ batch: [TrainingSequence]) throws -> StepReport {
        guard !batch.isEmpty else { throw TrainingError("empty batch at step \(stepsDone + 1)") }
        let params = trainer.trainableParameters
        trainer.phaseTimer.measure("zero gradients") { zeroGrads(params) }
        let scale = 1 / Float(batch.count)
        // The whole batch in one trainer call (rows stacked, attention per sequence); dropout key
        // = the step, so a resumed run draws the same masks.
        let key = UInt64(stepsDone) << 24
        let lps = try trainer.run(batch: batch, dlossScale: scale, dropoutKey: key)
        var loss = 0.0
        for (lp, s) in zip(lps, batch) { loss += weightedNegativeLogLikelihood(lp, s.targets) / Double(batch.count) }
        let norm = trainer.phaseTimer.measure("gradient norm") { globalGradNorm(params) }
        guard norm.isFinite else { throw TrainingError("step \(stepsDone + 1): gradient norm is \(norm) (loss \(loss))") }
        let lr = schedule.lr(step: stepsDone)
        // Clipping is applied inside the update (same products as clipping in place). The
        // gradients stay as computed until the next step zeroes them.
        try trainer.phaseTimer.measure("optimizer") {
            try optimizer.step(params, lr: lr, gradScale: maxGradNorm.map { clipCoefficient(norm: norm, maxNorm: $0) } ?? 1)
        }
        return StepReport(step: stepsDone, loss: loss, gradNorm: norm, learningRate: lr)
    }

    /// Mean loss over `sequences` without dropout or gradients (validation).
    public func evaluate(_ sequences: [TrainingSequence]) throws -> Double {
        guard !sequences.isEmpty else { return 0 }
        var loss = 0.0
        for start in stride(from: 0, to: sequences.count, by: 16) {   // 16 sequences per trainer call
            let chunk = Array(sequences[start..<min(start + 16, sequences.count)])
            let lps = try trainer.run(batch: chunk, backward: false)
            for (lp, s) in zip(lps, chunk) { loss += weightedNegativeLogLikelihood(lp, s.targets) }
        }
        return loss / Double(sequences.count)
    }
}

/// A deterministic permutation of 0..<count for one epoch (Fisher–Yates over SplitMix64 seeded
/// by (seed, epoch)): the same data order on every machine and on resume.
public func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    var rng = SplitMix64(seed: SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(epoch) &+ 0x5eed)))
    var order = Array(0..<count)
    if count < 2 { return order }
    for i in stride(from: count - 1, to: 0, by: -1) {
        let j = Int(rng.next() % UInt64(i + 1))
        order.swapAt(i, j)
    }
    return order
}
