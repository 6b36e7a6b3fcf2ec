import XCTest
import Metrics

final class WordDistributionTests: XCTestCase {
    func testCountsOrderAndProbabilities() throws {
        let d = WordDistribution(samples: ["b", "a", "b", "c", "b"])
        XCTAssertEqual(d.words, ["a", "b", "c"])
        XCTAssertEqual(d.counts, [1, 3, 1])
        XCTAssertEqual(d.total, 5)
        XCTAssertEqual(d.probability(of: "b"), 0.6)
        XCTAssertEqual(d.probability(of: "zzz"), 0)
        XCTAssertEqual(try WordDistribution(pairs: [("x", 2), ("y", 1), ("x", 1)]).counts, [3, 1])
        XCTAssertThrowsError(try WordDistribution(counts: ["x": 0])) { e in
            XCTAssertEqual("\(e)", "count of 'x' is 0, must be > 0")
        }
    }

    func testTVDHandComputed() throws {
        // p = (a .5, b .25, c .25), q = (a .25, d .75): ½(.25 + .25 + .25 + .75) = 0.75
        let p = try WordDistribution(counts: ["a": 2, "b": 1, "c": 1])
        let q = try WordDistribution(counts: ["a": 1, "d": 3])
        XCTAssertEqual(try totalVariationDistance(p, q), 0.75, accuracy: 1e-15)
        XCTAssertEqual(try totalVariationDistance(q, p), 0.75, accuracy: 1e-15)
        XCTAssertEqual(try totalVariationDistance(p, p), 0)
        XCTAssertEqual(try totalVariationDistance(p, WordDistribution(samples: ["z"])), 1)
        // (a 3/4, b 1/4) vs (a 1/2, b 1/2): ½(.25 + .25) = .25
        XCTAssertEqual(try totalVariationDistance(WordDistribution(samples: ["a", "a", "a", "b"]),
                                                  WordDistribution(samples: ["a", "b"])), 0.25, accuracy: 1e-15)
        XCTAssertThrowsError(try totalVariationDistance(p, WordDistribution(samples: [])))
    }

    func testEntropyHandComputed() throws {
        let d = try WordDistribution(counts: ["a": 2, "b": 1, "c": 1])
        // −(.5 ln .5 + 2 · .25 ln .25) = 1.5 ln 2
        XCTAssertEqual(try entropyNats(d), 1.5 * log(2.0), accuracy: 1e-15)
        XCTAssertEqual(try entropyBits(d), 1.5, accuracy: 1e-15)
        XCTAssertEqual(try entropyNats(WordDistribution(samples: ["x", "x"])), 0)
        XCTAssertThrowsError(try entropyNats(WordDistribution(samples: [])))
    }

    func testCoverageAndHitRate() throws {
        let human = try WordDistribution(counts: ["a": 5, "b": 1, "c": 1, "d": 3])
        let model = WordDistribution(samples: ["a", "c", "x", "x"])
        XCTAssertEqual(try uniqueWordCoverage(human: human, model: model), 0.5)
        XCTAssertEqual(try uniqueWordCoverage(human: human, model: WordDistribution(samples: [])), 0)
        XCTAssertEqual(try hitRate(samples: ["germany", "poland", "germany", "x"], target: "germany"), 0.5)
        XCTAssertThrowsError(try hitRate(samples: [], target: "x"))
    }
}
