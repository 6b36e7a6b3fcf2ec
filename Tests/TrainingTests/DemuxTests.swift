import Foundation
import Numerics
import XCTest
import Training

/// Paper A's supervised baseline (Demux): the head's backward and the losses against finite
/// differences, the intra loss against values worked by hand, and the classifier end to end on a
/// tiny random encoder.
final class DemuxTests: XCTestCase {
    // MARK: losses

    func testIntraCorrelationByHand() {
        // Absent {0, 1} with logits 0 and log 2: one pair, e^(0 + log 2) = 2; n = 2 → (2 + 3) / 4.
        // Present {2} with logit 1: no pair, (0 + 1) / 1 = 1. Both groups: halved → (1.25 + 1) / 2.
        let (loss, grad) = DemuxLoss.intraCorrelation(logits: [0, log(2), 1], present: [false, false, true])
        XCTAssertEqual(loss, (1.25 + 1) / 2, accuracy: 1e-12)
        // d/dx0 of e^(x0 + x1)/4 = 2/4, halved.
        XCTAssertEqual(grad[0], 0.25, accuracy: 1e-12)
        XCTAssertEqual(grad[1], 0.25, accuracy: 1e-12)
        XCTAssertEqual(grad[2], 0, accuracy: 1e-12)
        // Only present labels, x = (1, 2): −x pairs → e^−3, n = 2, not halved.
        let (l2, g2) = DemuxLoss.intraCorrelation(logits: [1, 2], present: [true, true])
        XCTAssertEqual(l2, (exp(-3) + 3) / 4, accuracy: 1e-12)
        XCTAssertEqual(g2[0], -exp(-3) / 4, accuracy: 1e-12)
    }

    func testMultiLabelLossGradientMatchesFiniteDifferences() throws {
        let L = 4
        let logits = f32(randomDoubles(3 * L, seed: 5, scale: 2))
        let targets: [Double] = [1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0.5, 0]
        let (_, g) = try DemuxLoss.multiLabel(logits: logits, targets: targets, labels: L, intraCoefficient: 0.3)
        let ref = numericGradient(f64(logits), h: 1e-3) { x in
            (try? DemuxLoss.multiLabel(logits: f32(x), targets: targets, labels: L, intraCoefficient: 0.3).loss) ?? .nan
        }
        // The loss is computed in Double from Float logits; h = 1e-3 keeps Float rounding of x ± h small.
        assertGradient(g, ref, tol: 1e-3, "BCE + intra")
        // BCE alone by hand: x = 0, y = 1 → log 2.
        let one = try DemuxLoss.multiLabel(logits: [0], targets: [1], labels: 1, intraCoefficient: 0)
        XCTAssertEqual(one.loss, log(2), accuracy: 1e-12)
        XCTAssertEqual(Double(one.dLogits[0]), -0.5, accuracy: 1e-7)
    }

    func testSingleLabelLossGradientMatchesFiniteDifferences() throws {
        let logits = f32(randomDoubles(6, seed: 9, scale: 2))
        let (_, g) = try DemuxLoss.singleLabel(logits: logits, classes: [2, 0], labels: 3)
        let ref = numericGradient(f64(logits), h: 1e-3) { x in (try? DemuxLoss.singleLabel(logits: f32(x), classes: [2, 0], labels: 3).loss) ?? .nan }
        assertGradient(g, ref, tol: 1e-3, "cross-entropy")
        XCTAssertThrowsError(try DemuxLoss.singleLabel(logits: [0, 0], classes: [2], labels: 2))
        XCTAssertEqual(DemuxClassifier.majorityClass([0.2, 0.4, 0.4]), 1, "ties go to the first, as argmax")
    }

    // MARK: head

    func testHeadBackwardMatchesFiniteDifferences() throws {
        let H = 6, T = 5
        let head = try DemuxHead(hidden: H, dropout: 0, seed: 3)
        let hidden = randomDoubles(T * H, seed: 11)
        let spans = [[1], [2, 3], [4, 0, 2]]
        let dl = randomDoubles(spans.count, seed: 12)
        func f(_ h: [Double]) -> Double {
            let z = (try? head.forward(hiddenStates: f32(h), T: T, spans: spans, training: false)) ?? []
            return dot(f64(z), dl)
        }
        _ = try head.forward(hiddenStates: f32(hidden), T: T, spans: spans, training: true)
        zeroGrads(head.parameters)
        let dh = try head.backward(dLogits: f32(dl))
        assertGradient(dh, numericGradient(hidden, h: 1e-3, f), tol: 2e-3, "d hidden")
        // Every parameter: perturb its values.
        for p in head.parameters {
            let saved = p.values
            let ref = numericGradient(f64(saved), h: 1e-3) { v in
                try? p.setValues(f32(v)); defer { try? p.setValues(saved) }
                return f(hidden)
            }
            assertGradient(p.gradient, ref, tol: 2e-3, "d \(p.name)")
        }
    }

    func testHeadDropoutIsSeededAndScalesKeptUnits() throws {
        let H = 64, T = 2
        let head = try DemuxHead(hidden: H, dropout: 0.5, seed: 1)
        let hidden = f32(randomDoubles(T * H, seed: 2))
        let a = try head.forward(hiddenStates: hidden, T: T, spans: [[0], [1]], training: true, dropoutSeed: 7)
        let b = try head.forward(hiddenStates: hidden, T: T, spans: [[0], [1]], training: true, dropoutSeed: 7)
        let c = try head.forward(hiddenStates: hidden, T: T, spans: [[0], [1]], training: true, dropoutSeed: 8)
        let eval = try head.forward(hiddenStates: hidden, T: T, spans: [[0], [1]], training: false)
        XCTAssertEqual(a, b, "same seed, same masks")
        XCTAssertNotEqual(a, c, "another seed, other masks")
        XCTAssertNotEqual(a, eval, "no dropout at evaluation")
        XCTAssertThrowsError(try head.forward(hiddenStates: hidden, T: T, spans: [[2]], training: false), "span outside the rows")
    }

    // MARK: classifier on a tiny random encoder

    func testClassifierGradientThroughTheEncoder() throws {
        let cfg = BertConfig(vocabSize: 40, hiddenSize: 8, layers: 1, heads: 2, intermediateSize: 16, maxPositions: 32, typeVocabSize: 2, eps: 1e-12)
        let encoder = try BertEncoder(config: cfg, seed: 4)
        encoder.hiddenDropout = 0
        // BERT's N(0, 0.02) init leaves attention near uniform and its gradients near 0; larger
        // matrices make every path through the encoder count.
        for p in encoder.parameters where p.shape.count == 2 { try p.setValues(p.values.map { $0 * 20 }) }
        let input = DemuxInput(spans: [[1], [3, 4]], labels: ["a", "b c"])
        let clf = try DemuxClassifier(encoder: encoder, head: try DemuxHead(hidden: 8, dropout: 0, seed: 5), input: input, multiLabel: true)
        let examples = [DemuxExample(tokens: [1, 5, 2, 6, 7, 3, 9, 2], types: [0, 0, 0, 0, 0, 0, 1, 1]),
                        DemuxExample(tokens: [1, 5, 2, 6, 7, 3, 11, 12, 13, 2], types: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])]
        let targets: [[Double]] = [[1, 0], [1, 1]]
        func lossValue() -> Double {
            guard let z = try? clf.logits(examples, training: false) else { return .nan }
            return (try? clf.loss(logits: z, targets: targets, intraCoefficient: 0.2).loss) ?? .nan
        }
        zeroGrads(clf.parameters)
        let z = try clf.logits(examples, training: true)
        try clf.backward(dLogits: try clf.loss(logits: z, targets: targets, intraCoefficient: 0.2).dLogits)
        // A sample of entries of a few encoder weights and the head's first layer.
        for name in ["encoder.layer.0.attention.self.query.weight", "embeddings.word_embeddings.weight", "classifier.0.weight"] {
            let p = try XCTUnwrap(clf.parameters.first { $0.name == name }, name)
            let idx = Array(stride(from: 0, to: p.count, by: max(1, p.count / 24)))
            let h: Float = 1e-3
            let saved = p.values
            var got: [Float] = [], ref: [Double] = []
            for i in idx {
                var v = saved
                v[i] = saved[i] + h; try p.setValues(v); let fp = lossValue()
                v[i] = saved[i] - h; try p.setValues(v); let fm = lossValue()
                try p.setValues(saved)
                ref.append((fp - fm) / Double(2 * h)); got.append(p.gradient[i])
            }
            assertGradient(got, ref, tol: 3e-2, "d loss / d \(name)")
        }
        // Each example's logits read its own rows: the batch gives what each example alone gives.
        let alone = try clf.logits([examples[0]], training: false) + clf.logits([examples[1]], training: false)
        let together = try clf.logits(examples, training: false)
        for (a, b) in zip(alone, together) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let probs = clf.probabilities(logits: z)
        XCTAssertEqual(probs.count, 2)
        XCTAssertTrue(probs.allSatisfy { $0.count == 2 && $0.allSatisfy { $0 > 0 && $0 < 1 } })
    }
}
