import Artifacts
import Datasets
import Foundation
import StageKit
import XCTest

/// Paper A's test sets and demonstrations (`prepare-splits labels`), against draws redone in NumPy.
final class LabelTaskSplitsTests: XCTestCase {
    /// Test items 0..11, two per (label type × disagreement) cell except multi-label without
    /// disagreement (one); pool items 12..19 (12-14 multi-label). Three annotators each.
    static func fixture() -> (LabeledDataset, [String]) {
        let t = 1.0 / 3, tt = 2.0 / 3
        let props: [[Double]] = [[0, 0], [0, 0], [0, 0],      // none, no disagreement
                                 [t, 0], [0, t],              // none, disagreement
                                 [1, 0], [0, 1],              // single, none
                                 [tt, 0], [1, t],             // single, disagreement
                                 [1, 1],                      // multi, none
                                 [1, tt], [tt, tt],           // multi, disagreement
                                 [1, 1], [1, tt], [tt, 1],    // pool: multi
                                 [0, 0], [1, 0], [0, 1], [t, 0], [0, tt]]
        let items = props.enumerated().map { LabeledItem(id: "i\($0)", text: "text \($0)", proportions: $1, annotators: 3, line: $0 + 2) }
        return (LabeledDataset(name: "mfrc", labels: ["a", "b"], multiLabel: true, items: items),
                (0..<20).map { $0 < 12 ? "test" : "train" })
    }

    func testLabelTypesByMajority() {
        XCTAssertEqual(LabelType(proportions: [0.4, 0.2]), .none)
        XCTAssertEqual(LabelType(proportions: [0.5, 0.2]), .single)
        XCTAssertEqual(LabelType(proportions: [0.5, 1.0, 0]), .multi)
    }

    func testSetsMatchNumPyDraws() throws {
        let (ds, sources) = Self.fixture()
        let s = try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                           mainTestSize: 6, multiLabelTestSize: 5, shots: 4, probeTrainSize: 3, seed: 7)
        // numpy: rng = RandomState(7); one permutation per cell in cell order, first item of each;
        // then a permutation of the multi-label leftovers; then the demos (2 multi + 2 other, shuffled).
        XCTAssertEqual(s.mainTest, [2, 4, 5, 7, 9, 10])
        XCTAssertEqual(s.multiLabelTest, [11])
        XCTAssertEqual(s.demos, [19, 13, 14, 18])
        XCTAssertEqual(s.train, [12, 15, 16, 17])
        XCTAssertEqual(s.probeTrain, [12, 15, 17], "then rng.permutation(4)[:3] of train, sorted")
        XCTAssertEqual(s.shortfalls, ["multilabel_test has 1 candidates for 5"])
        // Same seed, same sets; another seed, other draws.
        XCTAssertEqual(try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                                  mainTestSize: 6, multiLabelTestSize: 5, shots: 4, probeTrainSize: 3, seed: 7), s)
        XCTAssertNotEqual(try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                                     mainTestSize: 6, multiLabelTestSize: 5, shots: 4, seed: 8).mainTest, s.mainTest)
    }

    func testShortCellIsFilledFromTheOthersAndSaidSo() throws {
        let (ds, sources) = Self.fixture()
        // 12 items, quota 2 per cell: multi-label without disagreement has only one.
        let s = try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                           mainTestSize: 12, multiLabelTestSize: 0, shots: 2, seed: 1)
        XCTAssertEqual(s.mainTest, Array(0..<12), "every test candidate, once")
        XCTAssertEqual(s.shortfalls.first, "main_test cell multi-label without disagreement has 1 candidates for a quota of 2")
        XCTAssertEqual(s.demos.filter { LabelType(proportions: ds.items[$0].proportions) == .multi }.count, 1)
        // More than there is: every candidate, and a note.
        let all = try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                             mainTestSize: 50, multiLabelTestSize: 0, shots: 0, seed: 1)
        XCTAssertEqual(all.mainTest.count, 12)
        XCTAssertTrue(all.shortfalls.last!.contains("fewer than 50"), "\(all.shortfalls)")
        // Not enough demonstrations of a kind is an error naming the dataset.
        XCTAssertThrowsError(try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                                        mainTestSize: 6, multiLabelTestSize: 0, shots: 8, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("mfrc") && "\(e)".contains("3 multi-label"), "\(e)")
        }
    }

    func testArtifactRoundTripAndBadIndex() throws {
        let (ds, sources) = Self.fixture()
        let s = try LabelTaskSplits.select(dataset: ds, sources: sources, testCandidates: Array(0..<12), pool: Array(12..<20),
                                           mainTestSize: 6, multiLabelTestSize: 5, shots: 4, seed: 7)
        let dir = NSTemporaryDirectory() + "distlab-labelsplits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ArtifactWriter.write(to: dir + "/s.h5") { try s.write(to: $0) }
        var back = try LabelTaskSplits.read(path: dir + "/s.h5")
        for i in back.dataset.items.indices { back.dataset.items[i].line = ds.items[i].line }
        XCTAssertEqual(back, s)

        var bad = s
        bad.demos = [3, 40]
        try ArtifactWriter.write(to: dir + "/bad.h5") { try bad.write(to: $0) }
        XCTAssertThrowsError(try LabelTaskSplits.read(path: dir + "/bad.h5")) { e in
            XCTAssertTrue("\(e)".contains("bad.h5") && "\(e)".contains("sets/demos") && "\(e)".contains("40"), "\(e)")
        }
    }
}
