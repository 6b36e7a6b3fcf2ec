import Artifacts

/// The artifact of `finetune demux`: a supervised classifier's label probabilities on a paper A
/// test set (the "Supervised BERT" row of Tables 1/5), with its training record.
///
///     /labels                 str     [L]
///     /test/item_index        int32   [N]      items of the splits' main test set
///     /test/probabilities     float64 [N, L]   sigmoid per label (multi-label) or softmax (single-label)
///     /test/human             float64 [N, L]   the annotators' proportions of those items
///     /train/item_index       int32   [M]      training items
///     /validation/item_index  int32   [V]      early-stopping items
///     /epoch/val_loss         float64 [E + 1]  before training, then after each epoch run
///     /epoch/train_loss       float64 [E]      mean training loss of each epoch
///
/// Root attributes: dataset, multi_label ("true"/"false"), model, best_epoch (the epoch whose
/// weights made the probabilities; 0 = untrained), epochs_run, stopped (why training ended).
public struct SupervisedPredictions: Equatable {
    public var labels: [String]
    public var testItems: [Int]
    public var probabilities: [[Double]]
    public var human: [[Double]]
    public var trainItems: [Int]
    public var validationItems: [Int]
    public var valLoss: [Double]
    public var trainLoss: [Double]
    public var attributes: [String: String]

    public init(labels: [String], testItems: [Int], probabilities: [[Double]], human: [[Double]], trainItems: [Int],
                validationItems: [Int], valLoss: [Double], trainLoss: [Double], attributes: [String: String]) {
        self.labels = labels; self.testItems = testItems; self.probabilities = probabilities; self.human = human
        self.trainItems = trainItems; self.validationItems = validationItems; self.valLoss = valLoss
        self.trainLoss = trainLoss; self.attributes = attributes
    }

    public var multiLabel: Bool { attributes["multi_label"] == "true" }

    public func write(to w: ArtifactWriter) throws {
        let n = testItems.count, l = labels.count
        for (a, v) in attributes.sorted(by: { $0.key < $1.key }) { try w.setAttribute(a, .string(v)) }
        try w.writeStrings(labels, at: "labels")
        try w.write(testItems.map { Int32($0) }, shape: [n], at: "test/item_index")
        try w.write(probabilities.flatMap { $0 }, shape: [n, l], at: "test/probabilities")
        try w.write(human.flatMap { $0 }, shape: [n, l], at: "test/human")
        try w.write(trainItems.map { Int32($0) }, shape: [trainItems.count], at: "train/item_index")
        try w.write(validationItems.map { Int32($0) }, shape: [validationItems.count], at: "validation/item_index")
        try w.write(valLoss, shape: [valLoss.count], at: "epoch/val_loss")
        try w.write(trainLoss, shape: [trainLoss.count], at: "epoch/train_loss")
    }

    public static func read(path: String) throws -> SupervisedPredictions {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let labels = try r.readStrings("labels")
        let items = try r.read(Int32.self, "test/item_index").values.map(Int.init)
        let n = items.count, l = labels.count
        func rows(_ v: [Double]) -> [[Double]] { (0..<n).map { Array(v[($0 * l)..<(($0 + 1) * l)]) } }
        let p = try r.read(Double.self, "test/probabilities", shape: [n, l]).values
        let h = try r.read(Double.self, "test/human", shape: [n, l]).values
        var attrs: [String: String] = [:]
        for name in try r.attributeNames() { if case .string(let v) = try r.attribute(name) { attrs[name] = v } }
        guard attrs["multi_label"] == "true" || attrs["multi_label"] == "false" else {
            throw ArtifactError(file: path, object: "multi_label", "root attribute must be \"true\" or \"false\"")
        }
        for (i, row) in rows(p).enumerated() where row.contains(where: { !($0 >= 0 && $0 <= 1) }) {
            throw ArtifactError(file: path, object: "test/probabilities", "row \(i) has a value outside [0, 1]")
        }
        return SupervisedPredictions(labels: labels, testItems: items, probabilities: rows(p), human: rows(h),
                                     trainItems: try r.read(Int32.self, "train/item_index").values.map(Int.init),
                                     validationItems: try r.read(Int32.self, "validation/item_index").values.map(Int.init),
                                     valLoss: try r.read(Double.self, "epoch/val_loss").values,
                                     trainLoss: try r.read(Double.self, "epoch/train_loss").values, attributes: attrs)
    }
}
