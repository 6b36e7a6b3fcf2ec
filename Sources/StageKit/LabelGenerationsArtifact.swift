import Artifacts

/// The `infer labels` artifact: a model's greedy answers for a set of items of a
/// `LabelTaskSplits` artifact, with the label distribution at every label step (paper A §4).
/// Steps are stored flat; example i owns steps step_offset[i] ..< step_offset[i+1].
///
///     /candidates                  str     [L+1]   the labels, then "none"
///     /candidate_token             int32   [L+1]   first token id of each candidate
///     /examples/item_index         int32   [N]     row in the splits artifact's items
///     /examples/text               str     [N]     the generated answer
///     /examples/parsed             int32   [N]     1 when it parsed as {"label": [...]}
///     /examples/predicted          int32   [N, L]  1 for each label of the parsed answer
///     /examples/unknown_labels     int32   [N]     answer strings that are no label
///     /examples/step_offset        int32   [N+1]
///     /examples/first_label_hidden float32 [N, D]  last-layer state of the first label token (zeros without a step)
///     /steps/candidate_logits      float32 [S, L+1]
///     /steps/vocab_logsumexp       float32 [S]     log Σ exp of all logits at the step
///     /steps/generated             int32   [S]     candidate written next (L = none, -1 = other)
///     /steps/attention             float32 [S, 3]  only with `infer labels --attention`: mean attention per
///                                                  token of the prompt, the answer so far, the earlier
///                                                  steps' first label tokens (NaN on first steps)
///
/// Root attributes: dataset, set, model_label, model_path, model_sha256, prompt_style,
/// instruction, shots, max_new_tokens.
public struct LabelGenerations: Equatable {
    public var candidates: [String]
    public var candidateTokens: [Int32]
    public var itemIndex: [Int] = []
    public var texts: [String] = []
    public var parsed: [Bool] = []
    public var predicted: [[Int32]] = []
    public var unknownLabels: [Int] = []
    public var stepOffset: [Int] = [0]
    public var hidden: [Float] = []
    public var hiddenSize: Int
    public var stepLogits: [Float] = []
    public var stepLogSumExp: [Float] = []
    public var stepGenerated: [Int] = []
    /// [S × 3] when recorded (see the layout), else empty.
    public var stepAttention: [Float] = []
    public var attributes: [String: String]

    public init(candidates: [String], candidateTokens: [Int32], hiddenSize: Int, attributes: [String: String]) {
        self.candidates = candidates; self.candidateTokens = candidateTokens; self.hiddenSize = hiddenSize
        self.attributes = attributes
    }

    public var labelCount: Int { candidates.count - 1 }
    public var count: Int { itemIndex.count }

    /// Appends one example; `steps` are (candidate logits, vocab log-sum-exp, generated index).
    public mutating func append(item: Int, text: String, parsed: Bool, predicted: Set<Int>, unknown: Int,
                                steps: [(logits: [Float], logSumExp: Float, generated: Int)], hidden: [Float],
                                attention: [[Float]]? = nil) {
        itemIndex.append(item); texts.append(text); self.parsed.append(parsed)
        self.predicted.append((0..<labelCount).map { predicted.contains($0) ? 1 : 0 })
        unknownLabels.append(unknown)
        for s in steps {
            precondition(s.logits.count == candidates.count)
            stepLogits += s.logits; stepLogSumExp.append(s.logSumExp); stepGenerated.append(s.generated)
        }
        stepOffset.append(stepOffset.last! + steps.count)
        if let attention {
            for a in attention { stepAttention += a.count == 3 ? a : [.nan, .nan, .nan] }
        }
        self.hidden += hidden.isEmpty ? [Float](repeating: 0, count: hiddenSize) : hidden
    }

    /// Appends another artifact's examples (a resumable chunk of the same run).
    public mutating func append(contentsOf o: LabelGenerations) {
        precondition(o.candidates == candidates && o.hiddenSize == hiddenSize)
        let base = stepOffset.last!
        itemIndex += o.itemIndex; texts += o.texts; parsed += o.parsed; predicted += o.predicted
        unknownLabels += o.unknownLabels
        stepOffset += o.stepOffset.dropFirst().map { $0 + base }
        hidden += o.hidden; stepLogits += o.stepLogits; stepLogSumExp += o.stepLogSumExp
        stepGenerated += o.stepGenerated; stepAttention += o.stepAttention
    }

    /// Candidate logits of example i's steps.
    public func steps(of i: Int) -> [(logits: [Float], logSumExp: Float, generated: Int)] {
        let c = candidates.count
        return (stepOffset[i]..<stepOffset[i + 1]).map { s in
            (Array(stepLogits[(s * c)..<((s + 1) * c)]), stepLogSumExp[s], stepGenerated[s])
        }
    }

    public func write(to w: ArtifactWriter) throws {
        let n = count, c = candidates.count, s = stepGenerated.count
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) { try w.setAttribute(k, .string(v)) }
        try w.writeStrings(candidates, at: "candidates")
        try w.write(candidateTokens, shape: [c], at: "candidate_token")
        try w.write(itemIndex.map { Int32($0) }, shape: [n], at: "examples/item_index")
        try w.writeStrings(texts, at: "examples/text")
        try w.write(parsed.map { Int32($0 ? 1 : 0) }, shape: [n], at: "examples/parsed")
        try w.write(predicted.flatMap { $0 }, shape: [n, c - 1], at: "examples/predicted")
        try w.write(unknownLabels.map { Int32($0) }, shape: [n], at: "examples/unknown_labels")
        try w.write(stepOffset.map { Int32($0) }, shape: [n + 1], at: "examples/step_offset")
        try w.write(hidden, shape: [n, hiddenSize], at: "examples/first_label_hidden")
        try w.write(stepLogits, shape: [s, c], at: "steps/candidate_logits")
        try w.write(stepLogSumExp, shape: [s], at: "steps/vocab_logsumexp")
        try w.write(stepGenerated.map { Int32($0) }, shape: [s], at: "steps/generated")
        if !stepAttention.isEmpty || attributes["attention"] == "recorded" {
            precondition(stepAttention.count == 3 * s)
            try w.write(stepAttention, shape: [s, 3], at: "steps/attention")
        }
    }

    /// Reads and checks an artifact written by `write(to:)` (shapes, offsets, indices).
    public static func read(path: String) throws -> LabelGenerations {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let candidates = try r.readStrings("candidates")
        let c = candidates.count
        guard c >= 2, candidates.last == "none" else {
            throw ArtifactError(file: path, object: "candidates", "must be the labels followed by \"none\"")
        }
        let tokens = try r.read(Int32.self, "candidate_token", shape: [c]).values
        let items = try r.read(Int32.self, "examples/item_index").values
        let n = items.count
        let hiddenShape = try r.requireShape("examples/first_label_hidden", [n, nil])
        var attrs: [String: String] = [:]
        for name in try r.attributeNames() {
            if case .string(let v) = try r.attribute(name) { attrs[name] = v }
        }
        var g = LabelGenerations(candidates: candidates, candidateTokens: tokens, hiddenSize: hiddenShape[1], attributes: attrs)
        g.itemIndex = items.map(Int.init)
        g.texts = try r.readStrings("examples/text")
        guard g.texts.count == n else { throw ArtifactError(file: path, object: "examples/text", "has \(g.texts.count) entries for \(n) examples") }
        g.parsed = try r.read(Int32.self, "examples/parsed", shape: [n]).values.map { $0 != 0 }
        let pred = try r.read(Int32.self, "examples/predicted", shape: [n, c - 1]).values
        g.predicted = (0..<n).map { Array(pred[($0 * (c - 1))..<(($0 + 1) * (c - 1))]) }
        g.unknownLabels = try r.read(Int32.self, "examples/unknown_labels", shape: [n]).values.map(Int.init)
        g.stepOffset = try r.read(Int32.self, "examples/step_offset", shape: [n + 1]).values.map(Int.init)
        g.hidden = try r.read(Float.self, "examples/first_label_hidden").values
        let gen = try r.read(Int32.self, "steps/generated").values.map(Int.init)
        let s = gen.count
        guard g.stepOffset.first == 0, g.stepOffset.last == s, zip(g.stepOffset, g.stepOffset.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ArtifactError(file: path, object: "examples/step_offset", "must rise from 0 to the \(s) steps")
        }
        if let bad = gen.first(where: { $0 < -1 || $0 >= c }) {
            throw ArtifactError(file: path, object: "steps/generated", "index \(bad) is outside -1..<\(c)")
        }
        g.stepGenerated = gen
        g.stepLogits = try r.read(Float.self, "steps/candidate_logits", shape: [s, c]).values
        g.stepLogSumExp = try r.read(Float.self, "steps/vocab_logsumexp", shape: [s]).values
        if r.contains("steps/attention") { g.stepAttention = try r.read(Float.self, "steps/attention", shape: [s, 3]).values }
        return g
    }
}
