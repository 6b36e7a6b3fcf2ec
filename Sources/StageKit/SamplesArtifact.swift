import Artifacts
import Foundation

/// The samples artifact of `infer sample` (read by `evaluate tvd`): per context of a split, S
/// sampled continuations with their extracted words, and the exact log q(w|c) of every human answer.
///
/// Root attributes (besides provenance): model_label, variant, prompt_style, split, n_samples,
/// max_new_tokens, top_k, top_p, temperature, model_path, model_sha256, plus free-form notes
/// (e.g. `logq_nan_reason`, `one_shot_example`, `seed_rule`). Datasets (N contexts, S samples):
///
///     /contexts/text_id, /contexts/word_number   int32 [N]
///     /samples/word        str   [N, S]   extracted word, "" when the sample yielded none
///     /samples/text        str   [N, S]   decoded continuation (what the word was extracted from)
///     /samples/n_valid     int32 [N]      samples with a word
///     /human/answer_offset int64 [N+1]    CSR over the context's human answers (splits-artifact order)
///     /human/response      str   [M]
///     /human/logq          float64 [M]    log q(w|c) of each human answer; NaN where not scored
public struct SamplesArtifact: Equatable {
    public var modelLabel: String
    public var variant: String
    public var promptStyle: String
    public var split: String
    public var nSamples: Int
    public var maxNewTokens: Int
    public var topK: Int
    public var topP: Double
    public var temperature: Double
    public var modelPath: String
    public var modelSHA256: String
    /// Extra string attributes written on the root (sorted by name when written).
    public var notes: [String: String]

    public var textID: [Int32]
    public var wordNumber: [Int32]
    /// [N * S] row-major: sample s of context i is at i * nSamples + s.
    public var words: [String]
    public var texts: [String]
    public var nValid: [Int32]
    public var answerOffset: [Int64]
    public var responses: [String]
    public var logq: [Double]

    public init(modelLabel: String, variant: String, promptStyle: String, split: String, nSamples: Int, maxNewTokens: Int,
                topK: Int, topP: Double, temperature: Double, modelPath: String, modelSHA256: String, notes: [String: String] = [:]) {
        self.modelLabel = modelLabel; self.variant = variant; self.promptStyle = promptStyle; self.split = split
        self.nSamples = nSamples; self.maxNewTokens = maxNewTokens; self.topK = topK; self.topP = topP
        self.temperature = temperature; self.modelPath = modelPath; self.modelSHA256 = modelSHA256; self.notes = notes
        textID = []; wordNumber = []; words = []; texts = []; nValid = []; answerOffset = [0]; responses = []; logq = []
    }

    /// Number of contexts.
    public var count: Int { textID.count }

    /// NaN-aware equality (NaN log q values compare equal to NaN), for resume checks and tests.
    public static func == (a: SamplesArtifact, b: SamplesArtifact) -> Bool {
        a.attributesEqual(b) && a.textID == b.textID && a.wordNumber == b.wordNumber && a.words == b.words && a.texts == b.texts
            && a.nValid == b.nValid && a.answerOffset == b.answerOffset && a.responses == b.responses
            && a.logq.count == b.logq.count && zip(a.logq, b.logq).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    func attributesEqual(_ b: SamplesArtifact) -> Bool {
        modelLabel == b.modelLabel && variant == b.variant && promptStyle == b.promptStyle && split == b.split
            && nSamples == b.nSamples && maxNewTokens == b.maxNewTokens && topK == b.topK && topP == b.topP
            && temperature == b.temperature && modelPath == b.modelPath && modelSHA256 == b.modelSHA256 && notes == b.notes
    }

    /// Appends one context's results.
    public mutating func append(textID t: Int, wordNumber w: Int, words ws: [String], texts ts: [String],
                                responses rs: [String], logq lq: [Double]) {
        precondition(ws.count == nSamples && ts.count == nSamples && rs.count == lq.count)
        textID.append(Int32(t)); wordNumber.append(Int32(w))
        words += ws; texts += ts
        nValid.append(Int32(ws.filter { !$0.isEmpty }.count))
        responses += rs; logq += lq
        answerOffset.append(Int64(responses.count))
    }

    /// Appends every context of `other` (same settings), e.g. to assemble chunks in order.
    public mutating func append(contentsOf other: SamplesArtifact) {
        precondition(other.nSamples == nSamples)
        let base = Int64(responses.count)
        textID += other.textID; wordNumber += other.wordNumber
        words += other.words; texts += other.texts; nValid += other.nValid
        responses += other.responses; logq += other.logq
        answerOffset += other.answerOffset.dropFirst().map { $0 + base }
    }

    public func write(to w: ArtifactWriter) throws {
        let n = count, s = nSamples
        for (k, v) in [("model_label", modelLabel), ("variant", variant), ("prompt_style", promptStyle), ("split", split),
                       ("model_path", modelPath), ("model_sha256", modelSHA256)] {
            try w.setAttribute(k, .string(v))
        }
        try w.setAttribute("n_samples", .int(s))
        try w.setAttribute("max_new_tokens", .int(maxNewTokens))
        try w.setAttribute("top_k", .int(topK))
        try w.setAttribute("top_p", .double(topP))
        try w.setAttribute("temperature", .double(temperature))
        for k in notes.keys.sorted() { try w.setAttribute(k, .string(notes[k]!)) }
        try w.write(textID, shape: [n], at: "contexts/text_id")
        try w.write(wordNumber, shape: [n], at: "contexts/word_number")
        try w.writeStrings(words, shape: [n, s], at: "samples/word")
        try w.writeStrings(texts, shape: [n, s], at: "samples/text")
        try w.write(nValid, shape: [n], at: "samples/n_valid")
        try w.write(answerOffset, shape: [n + 1], at: "human/answer_offset")
        try w.writeStrings(responses, at: "human/response")
        try w.write(logq, shape: [logq.count], at: "human/logq")
    }

    /// Reads an artifact written by `write(to:)`; shapes and offsets are checked (errors name the file and dataset).
    public static func read(from r: ArtifactReader, notes noteNames: [String] = []) throws -> SamplesArtifact {
        var a = SamplesArtifact(
            modelLabel: try r.stringAttribute("model_label"), variant: try r.stringAttribute("variant"),
            promptStyle: try r.stringAttribute("prompt_style"), split: try r.stringAttribute("split"),
            nSamples: try r.intAttribute("n_samples"), maxNewTokens: try r.intAttribute("max_new_tokens"),
            topK: try r.intAttribute("top_k"), topP: try r.doubleAttribute("top_p"),
            temperature: try r.doubleAttribute("temperature"), modelPath: try r.stringAttribute("model_path"),
            modelSHA256: try r.stringAttribute("model_sha256"))
        for k in noteNames where r.hasAttribute(k) { a.notes[k] = try r.stringAttribute(k) }
        a.textID = try r.read(Int32.self, "contexts/text_id").values
        let n = a.textID.count, s = a.nSamples
        a.wordNumber = try r.read(Int32.self, "contexts/word_number", shape: [n]).values
        _ = try r.requireShape("samples/word", [n, s])
        _ = try r.requireShape("samples/text", [n, s])
        a.words = try r.readStrings("samples/word")
        a.texts = try r.readStrings("samples/text")
        a.nValid = try r.read(Int32.self, "samples/n_valid", shape: [n]).values
        a.answerOffset = try r.read(Int64.self, "human/answer_offset", shape: [n + 1]).values
        a.responses = try r.readStrings("human/response")
        a.logq = try r.read(Double.self, "human/logq", shape: [a.responses.count]).values
        guard a.answerOffset.first == 0, a.answerOffset.last == Int64(a.responses.count),
              zip(a.answerOffset, a.answerOffset.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ArtifactError(file: r.path, object: "human/answer_offset", "offsets are not a non-decreasing cover of human/response")
        }
        return a
    }

    public static func read(path: String, notes: [String] = []) throws -> SamplesArtifact {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        return try read(from: r, notes: notes)
    }
}
