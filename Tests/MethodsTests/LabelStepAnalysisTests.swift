import Foundation
import Methods
import XCTest

/// Paper A §4 / appendix D.3 step statistics on hand-computed cases (3 labels + "none").
final class LabelStepAnalysisTests: XCTestCase {
    let l = { (x: Double) in log(x) }

    func testRecordsOfOneAnswer() throws {
        // Step 0: probabilities 4:2:1:1, step 1: 1:6:1:1, step 2: 3:1:2:1; it wrote labels 0, 1, 2.
        let steps = [[l(4), l(2), 0, 0], [0, l(6), 0, 0], [l(3), 0, l(2), 0]]
        let r = try LabelStepAnalysis.records(example: 7, steps: steps, generated: [0, 1, 2], gold: [0, 2])
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(r.map(\.example), [7, 7, 7])
        XCTAssertEqual(r.map(\.isLast), [false, false, true])
        XCTAssertEqual(r[0].top1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r[0].top2, 0.25, accuracy: 1e-12)
        XCTAssertEqual(r[0].entropy, -(0.5 * log(0.5) + 0.25 * log(0.25) + 2 * 0.125 * log(0.125)), accuracy: 1e-12)
        XCTAssertEqual(r[0].second, 1)
        XCTAssertEqual(r[0].secondProbabilityNext, 6.0 / 9, accuracy: 1e-12, "label 1 at step 1")
        XCTAssertEqual(r[0].nextGeneratedProbabilityHere, 0.25, accuracy: 1e-12, "label 1 at step 0")
        XCTAssertEqual(r[1].second, 0, "ties broken by the lower index")
        XCTAssertEqual(r[1].nextGeneratedProbabilityHere, 1.0 / 9, accuracy: 1e-12)
        XCTAssertTrue(r[2].secondProbabilityNext.isNaN)
        XCTAssertTrue(r[2].nextGeneratedProbabilityHere.isNaN)
        XCTAssertEqual(r.map(\.generatedIsGold), [true, false, true])
        // "none" and an unknown string are neither gold nor wrong.
        let n = try LabelStepAnalysis.records(example: 0, steps: [[0, 0, 0, 1], [0, 0, 0, 1]], generated: [3, -1], gold: [])
        XCTAssertEqual(n.map(\.generatedIsGold), [nil, nil])
        XCTAssertTrue(n[0].nextGeneratedProbabilityHere.isNaN)
        XCTAssertThrowsError(try LabelStepAnalysis.records(example: 0, steps: [[0, 0]], generated: [], gold: []))
    }

    func testNeverPredictedPercent() throws {
        // Example 0: the second at step 1 (label 0) is not written next (2) nor later: never.
        // Example 1: one step only, nothing to count.
        // Example 2: step 0's second (1) is not written next but at step 2; step 1's second (0) never.
        let answers: [(steps: [[Double]], written: [Int])] = [
            ([[l(4), l(2), 0, 0], [0, l(6), 0, 0], [l(3), 0, l(2), 0]], [0, 1, 2]),
            ([[0, l(3), l(2), 0]], [1]),
            ([[l(4), l(2), 0, 0], [0, 0, l(5), 0], [0, l(9), 0, 0]], [0, 2, 1]),
        ]
        var records: [LabelStepRecord] = [], written: [Int: [Int]] = [:]
        for (i, a) in answers.enumerated() {
            records += try LabelStepAnalysis.records(example: i, steps: a.steps, generated: a.written, gold: [])
            written[i] = a.written
        }
        let r = LabelStepAnalysis.neverPredictedPercent(records: records, generated: written)
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(r.percent ?? .nan, 200.0 / 3, accuracy: 1e-9)
        XCTAssertNil(LabelStepAnalysis.neverPredictedPercent(records: Array(records[3...3]), generated: written).percent)
        // Figure 10: example 0's step-0 second (1) is written at step 1 (delay 1); example 2's step-0
        // second (1) at step 2 (delay 2); the two never-written seconds and the last steps give nothing.
        let delays = LabelStepAnalysis.secondLabelDelays(records: records)
        XCTAssertEqual(delays.map(\.step), [0, 0])
        XCTAssertEqual(delays.map(\.delay), [1, 2])
    }
}
