import XCTest
import Datasets

final class SplitTests: XCTestCase {
    func testPaperBSplit() throws {
        let s = try ParagraphSplit.paperB()
        // Expected sets from the datasets README (sklearn's train_test_split with random_state=42).
        XCTAssertEqual(Set(s.test), [6, 13, 14, 20, 27, 32, 33, 42, 44, 50, 53])
        XCTAssertEqual(Set(s.validation), [2, 21, 23, 41, 55])
        XCTAssertEqual(s.train.count, 39)
        XCTAssertEqual(Set(s.train + s.validation + s.test), Set(1...55))
        // Order as sklearn returns it: RandomState(42).permutation(55)[:11] + 1.
        XCTAssertEqual(s.test, [32, 6, 33, 14, 20, 50, 42, 27, 44, 13, 53])
    }

    func testTrainTestSplitSizesFollowSklearn() throws {
        // n_test = ceil(0.25 * 10) = 3, n_train = 7; perm = RandomState(0).permutation(10) =
        // [2, 8, 4, 9, 1, 6, 7, 3, 0, 5] (numpy 2.4).
        let (train, test) = try trainTestSplit(Array(0..<10).map { "i\($0)" }, testSize: 0.25, seed: 0)
        XCTAssertEqual(test, ["i2", "i8", "i4"])
        XCTAssertEqual(train, ["i9", "i1", "i6", "i7", "i3", "i0", "i5"])
        XCTAssertThrowsError(try trainTestSplit([1, 2, 3], testSize: 1.5, seed: 0))
        XCTAssertThrowsError(try trainTestSplit([1], testSize: 0.5, seed: 0))   // nothing left to train on
    }
}
