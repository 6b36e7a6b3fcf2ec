import XCTest
import Metrics

final class LabelDistributionMetricsTests: XCTestCase {
    func testHumanProportions() throws {
        // 3 annotators, 3 labels.
        let p = try humanLabelProportions(votes: [[1, 0, 0], [1, 1, 0], [0, 1, 0]])
        XCTAssertEqual(p, [2.0 / 3, 2.0 / 3, 0])
        XCTAssertThrowsError(try humanLabelProportions(votes: [[1, 0], [1]]))
        XCTAssertThrowsError(try humanLabelProportions(votes: [[2, 0]]))
    }

    func testMultiLabelNLLHandComputed() throws {
        // p = (1, 0.5, 0), q = (0.8, 0.5, 0.1):
        // −[ln .8] − [.5 ln .5 + .5 ln .5] − [ln .9] = 0.2231436 + 0.6931472 + 0.1053605
        let v = try multiLabelNLL(human: [1, 0.5, 0], predicted: [0.8, 0.5, 0.1])
        XCTAssertEqual(v, -log(0.8) - log(0.5) - log(0.9), accuracy: 1e-15)
        XCTAssertEqual(v, 1.0216512475319814, accuracy: 1e-12)
        // Hard predictions with 1e-8 / 1 − 1e-8: NLL ≈ −ln(1e-8) · L1 (paper A's Table 1 relation).
        let p = [2.0 / 3, 0, 1.0 / 3, 0, 0, 1, 0]
        let q = [1 - 1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 1 - 1e-8, 1 - 1e-8]
        let l1 = try labelL1(human: p, predicted: q)
        XCTAssertEqual(l1, 1.0 / 3 + 1.0 / 3 + 1, accuracy: 1e-7)
        XCTAssertEqual(try multiLabelNLL(human: p, predicted: q), -log(1e-8) * l1, accuracy: 1e-5)
        // Zero probability on an observed label: infinite NLL, not NaN; 0·log 0 terms are skipped.
        XCTAssertEqual(try multiLabelNLL(human: [1, 0], predicted: [0, 0]), .infinity)
        XCTAssertEqual(try multiLabelNLL(human: [1, 0], predicted: [1, 0]), 0)
        XCTAssertThrowsError(try multiLabelNLL(human: [1, 0], predicted: [1.2, 0])) { e in
            XCTAssertEqual("\(e)", "predicted: entry 0 = 1.2 is not a probability in [0, 1]")
        }
        XCTAssertThrowsError(try multiLabelNLL(human: [1], predicted: [0.5, 0.5]))
    }

    func testSingleLabelNLLAndL1() throws {
        // p = (2/3, 1/3, 0), q = (.5, .25, .25): −(2/3 ln .5 + 1/3 ln .25) = (2/3 + 2/3) ln 2
        XCTAssertEqual(try singleLabelNLL(human: [2.0 / 3, 1.0 / 3, 0], predicted: [0.5, 0.25, 0.25]),
                       4.0 / 3 * log(2.0), accuracy: 1e-15)
        XCTAssertEqual(try labelL1(human: [2.0 / 3, 1.0 / 3, 0], predicted: [0.5, 0.25, 0.25]),
                       1.0 / 6 + 1.0 / 12 + 0.25, accuracy: 1e-15)
    }

    func testExampleF1HandComputed() throws {
        // T = {0, 1} (≥ .5), P = {1, 2}: 2·1/(2+2) = .5
        XCTAssertEqual(try exampleF1(human: [1, 2.0 / 3, 1.0 / 3], predicted: [0.2, 0.9, 0.6]), 0.5)
        // Both empty: 1. One empty: 0.
        XCTAssertEqual(try exampleF1(human: [0, 1.0 / 3], predicted: [0.1, 0.2]), 1)
        XCTAssertEqual(try exampleF1(human: [0, 1.0 / 3], predicted: [0.1, 0.7]), 0)
        // Threshold 0.5 is inclusive on both sides.
        XCTAssertEqual(try exampleF1(human: [0.5], predicted: [0.5]), 1)
        XCTAssertEqual(try exampleF1(human: [0.4, 1], predicted: [0.9, 0.9], humanThreshold: 0.3), 1)
    }

    func testAlignmentScoresAverageOverExamples() throws {
        let h: [[Double]] = [[1, 0], [0.5, 0.5]]
        let q: [[Double]] = [[0.5, 0.5], [0.5, 0.5]]
        let s = try alignmentScores(human: h, predicted: q, multiLabel: true)
        // Example 1: NLL 2 ln 2, L1 1, F1 2·1/(1+2) = 2/3. Example 2: NLL 2 ln 2, L1 0, F1 1.
        XCTAssertEqual(s.nll, 2 * log(2.0), accuracy: 1e-15)
        XCTAssertEqual(s.l1, 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.f1, (2.0 / 3 + 1) / 2, accuracy: 1e-15)
        XCTAssertEqual(s.count, 2)
        let single = try alignmentScores(human: h, predicted: q, multiLabel: false)
        XCTAssertEqual(single.nll, log(2.0), accuracy: 1e-15)   // (ln 2 + ln 2)/2
        XCTAssertThrowsError(try alignmentScores(human: h, predicted: [[0.5, 0.5]], multiLabel: true))
    }

    func testClippedScoresClipBeforeTheNLL() throws {
        // q = (1, 0) clipped at ε = 0.1 → (0.9, 0.1) against p = (1, 0): NLL −2 ln 0.9, L1 0.2, F1 1.
        let s = try clippedAlignmentScores(human: [1, 0], predicted: [1, 0], multiLabel: true, epsilon: 0.1)
        XCTAssertEqual(s.nll, -2 * log(0.9), accuracy: 1e-12)
        XCTAssertEqual(s.l1, 0.2, accuracy: 1e-12)
        XCTAssertEqual(s.f1, 1)
        // Single-label: categorical NLL of the clipped q, −ln 0.9.
        XCTAssertEqual(try clippedAlignmentScores(human: [1, 0], predicted: [1, 0], multiLabel: false, epsilon: 0.1).nll,
                       -log(0.9), accuracy: 1e-12)
        // Unclipped, an exact 0 for a label the annotators chose would be infinite.
        XCTAssertTrue(try multiLabelNLL(human: [1, 0], predicted: [0, 0]).isInfinite)
    }
}

/// Micro-F1 over (example, label) pairs, hand-computed.
final class MicroF1Tests: XCTestCase {
    func testHandComputed() throws {
        // Pairs: (1,1) TP, (1,0) FN, (0,1) FP, (0,0) nothing; second example: TP, TP.
        let h: [[Double]] = [[1.0, 0.6, 0.0, 0.2], [1, 1, 0, 0]]
        let q: [[Double]] = [[0.9, 0.1, 0.7, 0.0], [0.5, 0.8, 0.4, 0.0]]
        let expected: Double = 6.0 / 8.0   // 2·TP / (2·TP + FP + FN) with TP 3, FP 1, FN 1
        XCTAssertEqual(try microF1(human: h, predicted: q)!, expected, accuracy: 1e-12)
        XCTAssertNil(try microF1(human: [[0, 0]], predicted: [[0.1, 0.2]]), "no true and no predicted label: undefined")
        XCTAssertThrowsError(try microF1(human: h, predicted: [q[0]]))
    }
}
