import Artifacts
import Datasets
import Foundation
import Metrics
import Numerics
import StageKit
import XCTest

/// `evaluate oracle` (moved to its own file) still computes the documented split-half TVD.
final class EvaluateOracleTests: XCTestCase {
    func testOracleMatchesTheDocumentedProcedure() throws {
        let dir = try Stages.tempDir()
        let splits = try EvalFixture.writeSplits(in: dir)
        let oracle = try EvalFixture.writeOracle(splits: splits, in: dir, seeds: [3, 9])
        let contexts = try ClozeSplits.read(path: splits).contexts(in: "test")
        let got = try EvalFixture.matrix(oracle, "oracle_tvd")
        var means: [Double] = []
        for (k, seed) in [UInt32(3), 9].enumerated() {
            // One generator advanced over the contexts in artifact order.
            var rng = NumpyRandomState(seed: seed)
            let want = try contexts.map { try oracleTVD($0.expandedResponses, rng: &rng) }
            XCTAssertEqual(got[k], want)
            means.append(want.reduce(0, +) / Double(want.count))
        }
        let s = try EvalFixture.summary(oracle)
        for column in ["Gemma-3-270M", "SmolLM2-135M-Instruct"] {
            let row = try XCTUnwrap(s["1/Oracle/\(column)"])
            XCTAssertEqual(row.value, (means[0] + means[1]) / 2, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(row.sd), abs(means[0] - means[1]) / 2, accuracy: 1e-12)
        }
    }
}
