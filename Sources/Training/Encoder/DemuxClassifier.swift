import Foundation
import Numerics
import Tokenizers

/// One encoded example of a Demux batch: `[CLS] labels [SEP] text [SEP]` and its token types.
public struct DemuxExample: Sendable, Equatable {
    public var tokens: [Int32]
    public var types: [Int32]
    public init(tokens: [Int32], types: [Int32]) { self.tokens = tokens; self.types = types }
}

/// Paper A's supervised BERT baseline: a BERT encoder fine-tuned end to end with Demux's head
/// (`DemuxHead`) over the label tokens of its input (`DemuxInput`). A batch of examples runs
/// through the encoder as one stack of rows (each attends within its own sequence), so every
/// matmul covers the whole batch.
public final class DemuxClassifier {
    public let encoder: BertEncoder
    public let head: DemuxHead
    public let input: DemuxInput
    /// Multi-label: one sigmoid per label (BCE + intra loss); single-label: one softmax over the labels.
    public let multiLabel: Bool
    public var parameters: [Parameter] { encoder.parameters + head.parameters }
    public var labelCount: Int { input.labels.count }
    private var lastT = 0

    public init(encoder: BertEncoder, head: DemuxHead, input: DemuxInput, multiLabel: Bool) throws {
        guard head.hidden == encoder.config.hiddenSize else {
            throw TrainingError("Demux: head width \(head.hidden) ≠ encoder hidden size \(encoder.config.hiddenSize)")
        }
        guard multiLabel || input.labels.count > 1 else { throw TrainingError("Demux: a single-label task needs at least two labels") }
        self.encoder = encoder; self.head = head; self.input = input; self.multiLabel = multiLabel
    }

    /// Logits [E·L], example-major. `training` applies dropout (encoder and head, masks from
    /// `dropoutSeed`) and keeps what `backward` needs.
    public func logits(_ examples: [DemuxExample], training: Bool, dropoutSeed: UInt64 = 0) throws -> [Float] {
        guard !examples.isEmpty else { throw TrainingError("Demux: empty batch") }
        let batch = try EncoderBatch(tokens: examples.flatMap(\.tokens), tokenTypes: examples.flatMap(\.types),
                                     lengths: examples.map(\.tokens.count))
        // Masks from `dropoutSeed` alone (the caller's step), not from how many forwards ran
        // before: a run resumed from a checkpoint draws what an uninterrupted one draws.
        encoder.dropoutStep = 0
        let hidden = try encoder.forward(batch, training: training, dropoutSeed: dropoutSeed)
        var spans: [[Int]] = []
        var offset = 0
        for e in examples {
            for s in input.spans { spans.append(s.map { $0 + offset }) }
            offset += e.tokens.count
        }
        lastT = batch.T
        return try head.forward(hiddenStates: hidden, T: batch.T, spans: spans, training: training,
                                dropoutSeed: SplitMix64.hash(dropoutSeed ^ 0x4EAD))
    }

    /// Backward of the last training `logits` call: accumulates every parameter's gradient.
    public func backward(dLogits: [Float]) throws {
        let dHidden = try head.backward(dLogits: dLogits)
        guard dHidden.count == lastT * encoder.config.hiddenSize else { throw TrainingError("Demux: backward without a training forward") }
        try encoder.backward(dHidden: dHidden)
    }

    /// The training loss of a batch and its gradient with respect to the logits. `targets`
    /// [E][L]: the label values to fit (multi-label: in [0, 1]; single-label: the argmax is the class).
    public func loss(logits: [Float], targets: [[Double]], intraCoefficient: Double) throws -> (loss: Double, dLogits: [Float]) {
        let L = labelCount
        guard targets.allSatisfy({ $0.count == L }) else { throw TrainingError("Demux: a target row does not have \(L) labels") }
        if multiLabel {
            return try DemuxLoss.multiLabel(logits: logits, targets: targets.flatMap { $0 }, labels: L, intraCoefficient: intraCoefficient)
        }
        return try DemuxLoss.singleLabel(logits: logits, classes: targets.map(Self.majorityClass), labels: L)
    }

    /// A single-label item's class: its most chosen label (the first of a tie, as NumPy's argmax).
    public static func majorityClass(_ proportions: [Double]) -> Int {
        var best = 0
        for (k, p) in proportions.enumerated() where p > proportions[best] { best = k }
        return best
    }

    /// Per-example label probabilities: sigmoids (multi-label) or the softmax over the labels.
    public func probabilities(logits: [Float]) -> [[Double]] {
        let L = labelCount
        return stride(from: 0, to: logits.count, by: L).map { start in
            let x = logits[start..<(start + L)].map(Double.init)
            if multiLabel { return x.map { DemuxLoss.sigmoid($0) } }
            let m = x.max()!
            let z = x.reduce(0) { $0 + exp($1 - m) }
            return x.map { exp($0 - m) / z }
        }
    }
}
