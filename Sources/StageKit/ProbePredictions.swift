import Artifacts

/// The `probe` artifact: linear probes fitted on the first-label hidden states of training items,
/// and their per-label probabilities on test items, for each kind of target (paper A §5.4):
/// human (annotator proportions: the "Linear Probing" distribution of Tables 1/5), gold (majority
/// labels), pred (the model's own answer), pred2 (the labels it wrote after its first one).
///
///     /targets               str     [K]        target kinds, in this order
///     /labels                str     [L]
///     /test/item_index       int32   [N]        test items with a first label step
///     /test/probabilities    float64 [K, N, L]  the probes' probabilities
///     /test/targets          float64 [K, N, L]  what each kind of probe is compared with
///     /train/item_index      int32   [M]
///
/// Root attributes: dataset, model_label, components, factor, C, n_train_dropped, n_test_dropped
/// (items without a label step have no hidden state and are left out, counted here).
public struct ProbePredictions: Equatable {
    public static let kinds = ["human", "gold", "pred", "pred2"]
    public var labels: [String]
    public var testItems: [Int]
    public var trainItems: [Int]
    /// [kind][example][label]
    public var probabilities: [[[Double]]]
    public var targets: [[[Double]]]
    public var attributes: [String: String]

    public init(labels: [String], testItems: [Int], trainItems: [Int], probabilities: [[[Double]]], targets: [[[Double]]],
                attributes: [String: String]) {
        self.labels = labels; self.testItems = testItems; self.trainItems = trainItems
        self.probabilities = probabilities; self.targets = targets; self.attributes = attributes
    }

    public func write(to w: ArtifactWriter) throws {
        let k = Self.kinds.count, n = testItems.count, l = labels.count
        for (a, v) in attributes.sorted(by: { $0.key < $1.key }) { try w.setAttribute(a, .string(v)) }
        try w.writeStrings(Self.kinds, at: "targets")
        try w.writeStrings(labels, at: "labels")
        try w.write(testItems.map { Int32($0) }, shape: [n], at: "test/item_index")
        try w.write(trainItems.map { Int32($0) }, shape: [trainItems.count], at: "train/item_index")
        try w.write(probabilities.flatMap { $0.flatMap { $0 } }, shape: [k, n, l], at: "test/probabilities")
        try w.write(targets.flatMap { $0.flatMap { $0 } }, shape: [k, n, l], at: "test/targets")
    }

    public static func read(path: String) throws -> ProbePredictions {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        guard try r.readStrings("targets") == kinds else { throw ArtifactError(file: path, object: "targets", "must be \(kinds)") }
        let labels = try r.readStrings("labels")
        let items = try r.read(Int32.self, "test/item_index").values.map(Int.init)
        let n = items.count, l = labels.count, k = kinds.count
        let p = try r.read(Double.self, "test/probabilities", shape: [k, n, l]).values
        let t = try r.read(Double.self, "test/targets", shape: [k, n, l]).values
        func cube(_ v: [Double]) -> [[[Double]]] {
            (0..<k).map { a in (0..<n).map { i in Array(v[((a * n + i) * l)..<((a * n + i + 1) * l)]) } }
        }
        var attrs: [String: String] = [:]
        for name in try r.attributeNames() { if case .string(let v) = try r.attribute(name) { attrs[name] = v } }
        return ProbePredictions(labels: labels, testItems: items, trainItems: try r.read(Int32.self, "train/item_index").values.map(Int.init),
                                probabilities: cube(p), targets: cube(t), attributes: attrs)
    }
}
