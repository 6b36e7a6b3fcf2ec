import Foundation
import Methods
import XCTest

/// Paper A's label-distribution methods on hand-computed cases.
final class LabelDistributionMethodTests: XCTestCase {
    typealias M = LabelDistributionMethod

    func testCompareToNone() throws {
        // σ(2 − 0) = 0.880797, σ(−1 − 0) = 0.268941, a label equal to "none" gets ½.
        let q = try M.compareToNone(labelLogits: [3, 0, 1], noneLogit: 1)
        XCTAssertEqual(q[0], 0.8807970779778823, accuracy: 1e-12)
        XCTAssertEqual(q[1], 0.2689414213699951, accuracy: 1e-12)
        XCTAssertEqual(q[2], 0.5, accuracy: 1e-15)
        XCTAssertThrowsError(try M.compareToNone(labelLogits: [1], noneLogit: .nan))
    }

    func testHardPredictions() throws {
        XCTAssertEqual(try M.hardPredictions(generated: [0, 2], labelCount: 4, epsilon: 0.01), [0.99, 0.01, 0.99, 0.01])
        XCTAssertThrowsError(try M.hardPredictions(generated: [4], labelCount: 4, epsilon: 0.01))
        XCTAssertThrowsError(try M.hardPredictions(generated: [], labelCount: 4, epsilon: 0))
    }

    func testMaxOverGenerations() throws {
        let steps = [[0.7, 0.2, 0.1], [0.1, 0.05, 0.85], [0.3, 0.4, 0.3]]
        XCTAssertEqual(try M.maxOverGenerations(steps: steps), [0.7, 0.4, 0.85])
        XCTAssertThrowsError(try M.maxOverGenerations(steps: []))
        XCTAssertThrowsError(try M.maxOverGenerations(steps: [[0.5, 0.5], [1]]))
    }

    func testLabelSoftmax() throws {
        let p = try M.labelSoftmax([0, log(3), -.infinity])
        XCTAssertEqual(p[0], 0.25, accuracy: 1e-15); XCTAssertEqual(p[1], 0.75, accuracy: 1e-15); XCTAssertEqual(p[2], 0)
        XCTAssertThrowsError(try M.labelSoftmax([.nan, 1]))
    }

    func testUnaryBreakdown() throws {
        // softmax([2, 0])[0] = e² / (e² + 1) = σ(2).
        let q = try M.unaryBreakdown(reasonableLogits: [2, -1], alternativeLogits: [0, -1])
        XCTAssertEqual(q[0], 1 / (1 + exp(-2)), accuracy: 1e-12)
        XCTAssertEqual(q[1], 0.5, accuracy: 1e-15)
        XCTAssertThrowsError(try M.unaryBreakdown(reasonableLogits: [1], alternativeLogits: []))
    }

    /// Binary breakdown: preferences generated from scores (label 0, label 1, none = 2) give back
    /// σ(s_l − s_none) for the two labels.
    func testBinaryBreakdownComparesEachLabelToNone() throws {
        let s = [1.2, -0.5, 0.3]
        var c: [PairwisePreference] = []
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            c.append(try M.pairwisePreference(i: i, j: j, logitI: s[i], logitJ: s[j]))
        }
        let q = try M.binaryBreakdown(labels: 3, none: 2, comparisons: c)
        XCTAssertEqual(q.count, 2)
        XCTAssertEqual(q[0], 1 / (1 + exp(-(1.2 - 0.3))), accuracy: 1e-9)
        XCTAssertEqual(q[1], 1 / (1 + exp(-(-0.5 - 0.3))), accuracy: 1e-9)
    }
}

/// Single-label forms of the breakdowns, hand-computed.
final class SingleLabelMethodTests: XCTestCase {
    func testBinaryBreakdownIsTheSoftmaxOfBradleyTerryScores() throws {
        // Two labels, one comparison with P(0 over 1) = 0.8: s0 − s1 = ln 4, softmax = (0.8, 0.2).
        let q = try LabelDistributionMethod.binaryBreakdownSingleLabel(labels: 2, comparisons: [PairwisePreference(i: 0, j: 1, pI: 0.8)])
        XCTAssertEqual(q[0], 0.8, accuracy: 1e-9)
        XCTAssertEqual(q[1], 0.2, accuracy: 1e-9)
        // Three labels in a consistent order: 0 over 1 and 1 over 2 each at 2:1, 0 over 2 at 4:1
        // gives scores 0, −ln 2, −ln 4, so the distribution is (4, 2, 1) / 7.
        let c = [PairwisePreference(i: 0, j: 1, pI: 2.0 / 3), PairwisePreference(i: 1, j: 2, pI: 2.0 / 3),
                 PairwisePreference(i: 0, j: 2, pI: 0.8)]
        let r = try LabelDistributionMethod.binaryBreakdownSingleLabel(labels: 3, comparisons: c)
        for (a, b) in zip(r, [4.0 / 7, 2.0 / 7, 1.0 / 7]) { XCTAssertEqual(a, b, accuracy: 1e-9) }
    }

    func testHardOutcomesOfAppendixC() throws {
        let c = [PairwisePreference(i: 0, j: 1, pI: 0.7), PairwisePreference(i: 1, j: 2, pI: 0.2), PairwisePreference(i: 0, j: 2, pI: 0.5)]
        XCTAssertEqual(c.map { LabelDistributionMethod.hardOutcome($0).pI }, [1, 0, 0.5])
        XCTAssertEqual(c.map { LabelDistributionMethod.hardOutcome($0).i }, [0, 1, 0])
        // Two labels, P(0 over 1) = 0.8: the probabilities give (0.8, 0.2); the outcome (0 wins
        // outright) needs the ridge for a finite fit and is more extreme.
        let soft = try LabelDistributionMethod.binaryBreakdownSingleLabel(labels: 2, comparisons: [PairwisePreference(i: 0, j: 1, pI: 0.8)], ridge: 0.02)
        let hard = try LabelDistributionMethod.binaryBreakdownSingleLabel(
            labels: 2, comparisons: [LabelDistributionMethod.hardOutcome(PairwisePreference(i: 0, j: 1, pI: 0.8))], ridge: 0.02)
        XCTAssertGreaterThan(hard[0], soft[0])
        // With one free score difference d, −log σ(d) + ½·0.02·d² is least where σ(−d) = 0.02·d.
        let d = log(hard[0] / hard[1])
        XCTAssertEqual(1 / (1 + exp(d)), 0.02 * d, accuracy: 1e-6)
    }

    func testUnaryProbabilitiesNormalised() {
        let q = LabelDistributionMethod.normalised([0.6, 0.2])
        XCTAssertEqual(q[0], 0.75, accuracy: 1e-15); XCTAssertEqual(q[1], 0.25, accuracy: 1e-15)
        XCTAssertEqual(LabelDistributionMethod.normalised([0, 0]), [0.5, 0.5])
    }
}
