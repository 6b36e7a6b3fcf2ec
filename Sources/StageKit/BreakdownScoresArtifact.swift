import Artifacts

/// The `infer breakdown` artifact: for each item of a set, the two answers' first-token logits of
/// every unary (one per label) or binary (one per pair of labels and "none") prompt of paper A's
/// test-time breakdowns. Candidate indices run over the labels, then "none" (= L).
///
///     /candidates              str     [L+1]
///     /answers                 str     [2]     ("reasonable", "unreasonable") or ("a", "b")
///     /queries/item_index      int32   [Q]     row in the splits artifact's items
///     /queries/first           int32   [Q]     the label asked about (unary) or shown as "a"
///     /queries/second          int32   [Q]     the label shown as "b" (binary), -1 (unary)
///     /queries/answer_logits   float32 [Q, 2]
///     /queries/vocab_logsumexp float32 [Q]
///
/// Root attributes: kind, dataset, set, model_label, model_path, model_sha256, prompt_style, shots.
public struct BreakdownScores: Equatable {
    public var candidates: [String]
    public var answers: [String]
    public var itemIndex: [Int] = []
    public var first: [Int] = []
    public var second: [Int] = []
    public var answerLogits: [Float] = []
    public var logSumExp: [Float] = []
    public var attributes: [String: String]

    public init(candidates: [String], answers: [String], attributes: [String: String]) {
        self.candidates = candidates; self.answers = answers; self.attributes = attributes
    }

    public var count: Int { itemIndex.count }
    public var kind: String { attributes["kind"] ?? "" }

    public mutating func append(item: Int, first: Int, second: Int, logits: [Float], logSumExp: Float) {
        precondition(logits.count == 2)
        itemIndex.append(item); self.first.append(first); self.second.append(second)
        answerLogits += logits; self.logSumExp.append(logSumExp)
    }

    /// Appends another artifact's queries (a resumable chunk of the same run).
    public mutating func append(contentsOf o: BreakdownScores) {
        precondition(o.candidates == candidates && o.answers == answers)
        itemIndex += o.itemIndex; first += o.first; second += o.second
        answerLogits += o.answerLogits; logSumExp += o.logSumExp
    }

    public func write(to w: ArtifactWriter) throws {
        let q = count
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) { try w.setAttribute(k, .string(v)) }
        try w.writeStrings(candidates, at: "candidates")
        try w.writeStrings(answers, at: "answers")
        try w.write(itemIndex.map { Int32($0) }, shape: [q], at: "queries/item_index")
        try w.write(first.map { Int32($0) }, shape: [q], at: "queries/first")
        try w.write(second.map { Int32($0) }, shape: [q], at: "queries/second")
        try w.write(answerLogits, shape: [q, 2], at: "queries/answer_logits")
        try w.write(logSumExp, shape: [q], at: "queries/vocab_logsumexp")
    }

    public static func read(path: String) throws -> BreakdownScores {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let candidates = try r.readStrings("candidates")
        let answers = try r.readStrings("answers")
        guard answers.count == 2 else { throw ArtifactError(file: path, object: "answers", "must hold 2 answers, not \(answers.count)") }
        var attrs: [String: String] = [:]
        for name in try r.attributeNames() {
            if case .string(let v) = try r.attribute(name) { attrs[name] = v }
        }
        guard ["unary", "binary"].contains(attrs["kind"] ?? "") else {
            throw ArtifactError(file: path, object: "kind", "must be unary or binary, not '\(attrs["kind"] ?? "")'")
        }
        var s = BreakdownScores(candidates: candidates, answers: answers, attributes: attrs)
        s.itemIndex = try r.read(Int32.self, "queries/item_index").values.map(Int.init)
        let q = s.itemIndex.count
        s.first = try r.read(Int32.self, "queries/first", shape: [q]).values.map(Int.init)
        s.second = try r.read(Int32.self, "queries/second", shape: [q]).values.map(Int.init)
        s.answerLogits = try r.read(Float.self, "queries/answer_logits", shape: [q, 2]).values
        s.logSumExp = try r.read(Float.self, "queries/vocab_logsumexp", shape: [q]).values
        let c = candidates.count
        for k in 0..<q {
            let okSecond = s.kind == "unary" ? s.second[k] == -1 : (0..<c).contains(s.second[k]) && s.second[k] != s.first[k]
            guard (0..<c).contains(s.first[k]), okSecond else {
                throw ArtifactError(file: path, object: "queries", "query \(k): candidates \(s.first[k]), \(s.second[k]) are not valid for a \(s.kind) query over \(c) candidates")
            }
        }
        return s
    }
}
