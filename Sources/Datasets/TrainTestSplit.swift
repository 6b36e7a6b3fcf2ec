import Numerics

/// sklearn's `train_test_split(items, test_size=testSize, random_state=seed)` (shuffle=True, no
/// stratification), reproduced exactly.
///
/// sklearn's procedure (`ShuffleSplit` with `_validate_shuffle_split`): n_test = ceil(testSize · n),
/// n_train = n − n_test (train_size unset); `perm = RandomState(seed).permutation(n)`; test =
/// items[perm[0..<n_test]], train = items[perm[n_test..<n_test + n_train]], both in permutation
/// order. Returns (train, test) like sklearn. Throws unless 0 < testSize < 1 and both parts are
/// non-empty (sklearn raises in the same cases).
public func trainTestSplit<T>(_ items: [T], testSize: Double, seed: UInt32) throws -> (train: [T], test: [T]) {
    let n = items.count
    guard testSize > 0 && testSize < 1 else {
        throw DatasetError.invalidArgument("train_test_split: test size \(testSize) is not in (0, 1)")
    }
    let nTest = Int((testSize * Double(n)).rounded(.up))
    let nTrain = n - nTest
    guard nTest >= 1 && nTrain >= 1 else {
        throw DatasetError.invalidArgument("train_test_split: \(n) items with test size \(testSize) leave an empty part")
    }
    var rng = NumpyRandomState(seed: seed)
    let perm = rng.permutation(n)
    let test = perm[0..<nTest].map { items[$0] }
    let train = perm[nTest..<(nTest + nTrain)].map { items[$0] }
    return (train, test)
}

/// A paragraph-level train/validation/test split of passage ids.
public struct ParagraphSplit: Equatable {
    /// Training passage ids, in the order the split produced them.
    public var train: [Int]
    /// Validation passage ids.
    public var validation: [Int]
    /// Test passage ids.
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train; self.validation = validation; self.test = test
    }

    /// Paper B's split: `train_test_split(ids, test_size=0.2, random_state=seed)`, then
    /// `train_test_split(rest, test_size=0.1, random_state=seed)` on the remaining 80 %.
    /// With ids 1...55 and seed 42: test = {6, 13, 14, 20, 27, 32, 33, 42, 44, 50, 53},
    /// validation = {2, 21, 23, 41, 55}, train = the other 39.
    public static func paperB(ids: [Int] = Array(1...55), seed: UInt32 = 42,
                              testSize: Double = 0.2, validationSize: Double = 0.1) throws -> ParagraphSplit {
        let first = try trainTestSplit(ids, testSize: testSize, seed: seed)
        let second = try trainTestSplit(first.train, testSize: validationSize, seed: seed)
        return ParagraphSplit(train: second.train, validation: second.test, test: first.test)
    }
}
