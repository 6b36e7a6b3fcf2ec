import Foundation
import Models
import Numerics
import Tokenizers

/// One label-generation step (paper A §4): the position where the model starts writing a label
/// string, with the logits of every candidate label's first token there.
public struct LabelStep: Equatable {
    /// Logits of the candidates' first tokens: the labels in order, then "none".
    public var candidateLogits: [Float]
    /// log Σ exp over the whole vocabulary at this position, so that a candidate's probability
    /// over the full vocabulary is exp(logit − logSumExp) (appendix A.1's caveat, measurable).
    public var vocabLogSumExp: Float
    /// The candidate the model then wrote (label index, labels.count for "none"), or -1 when the
    /// string it wrote is none of them.
    public var generated: Int
    /// Paper A's Table 6, from the second label step on when recorded: the mean attention (over
    /// layers and heads) per token of the prompt, of the answer so far, and of the earlier label
    /// steps' first tokens, as paid by the row whose logits this step reads. Empty otherwise.
    public var attention: [Float] = []
}

/// One greedy generation for one input.
public struct LabelGenerationResult: Equatable {
    /// The answer's tokens (a stop token included) and their text.
    public var tokens: [Int32]
    public var text: String
    public var steps: [LabelStep]
    /// The labels of the parsed answer (indices; "none" gives no label).
    public var predicted: Set<Int>
    /// Whether the answer parsed as `{"label": [...]}`.
    public var parsed: Bool
    /// Strings in the answer list that are no label (and not "none").
    public var unknownLabels: [String]
    /// Last-layer (final-normalised) hidden state of the first label token as it is read back
    /// in, the linear probes' input (appendix A.5); empty when no label step happened.
    public var firstLabelHidden: [Float]
}

/// Greedy decoding of paper A's answer line with the label distribution at every label step.
///
/// A label step is a position where the text generated so far ends with a JSON list opener
/// (`[` then `"`) or a separator (`"` `,` `"`), so the next token begins a label string. There
/// the logits of the candidates' first tokens are recorded (their softmax is the step's label
/// distribution, appendix A.1) and decoding continues greedily. Requires each candidate's first
/// token to be distinct, else the step distribution could not tell the labels apart.
public final class LabelGenerator {
    public let lm: LanguageModel
    public let tok: Tokenizer
    public let labels: [String]
    /// First token of each label, then of "none".
    public let candidateTokens: [Int32]
    public let maxNewTokens: Int
    let prefixCache: PrefixCache
    let stop: Set<Int32>

    /// Records Table 6's attention shares (a `Transformer` only; see `LabelStep.attention`).
    public let recorder: AttentionRecorder?

    public init(lm: LanguageModel, tok: Tokenizer, labels: [String], maxNewTokens: Int = 64, recordAttention: Bool = false) throws {
        self.lm = lm; self.tok = tok; self.labels = labels; self.maxNewTokens = maxNewTokens
        if recordAttention {
            guard let t = lm as? Transformer else { throw MethodsError("attention recording needs the built-in transformer runtime") }
            let r = AttentionRecorder()
            t.attentionRecorder = r
            recorder = r
        } else {
            recorder = nil
        }
        var firsts: [Int32] = []
        for name in labels + ["none"] {
            guard let t = tok.encode(name, addBOS: false).first else {
                throw MethodsError("label '\(name)' encodes to no tokens")
            }
            if let j = firsts.firstIndex(of: t) {
                let other = (labels + ["none"])[j]
                throw MethodsError("labels '\(other)' and '\(name)' start with the same token \(t) ('\(tok.decodeToken(t))'): "
                                   + "their first-token probabilities cannot be told apart")
            }
            firsts.append(t)
        }
        candidateTokens = firsts
        prefixCache = PrefixCache(model: lm, maxEntries: 4)
        stop = Set(tok.stopTokenIDs)
    }

    /// Forgets every cached prompt prefix, so what follows is computed as from a fresh start
    /// (resumable chunks call it so their numbers do not depend on where a run stopped).
    public func startChunk() { prefixCache.removeAll() }

    /// Whether `text` ends where a label string starts: `[ "` or `" , "` (any spaces between).
    public static func endsAtLabelStart(_ text: String) -> Bool {
        var s = Substring(text)
        guard s.last == "\"" else { return false }
        s.removeLast()
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        if s.last == "[" { return true }
        guard s.last == "," else { return false }
        s.removeLast()
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s.last == "\""
    }

    /// Whether the answer is finished: the JSON object closed, or a newline after some content.
    static func answerIsComplete(_ text: String) -> Bool {
        if text.contains("}") { return true }
        let trimmed = text.drop { $0.isWhitespace }
        return trimmed.contains("\n")
    }

    /// Generates the answer to `prompt` (token ids, BOS included as the model wants). With
    /// `forced`, those answer tokens are read instead of the greedy choices (teacher forcing: the
    /// steps of a given answer, e.g. a reference or another model's output).
    public func generate(prompt: [Int32], forced: [Int32]? = nil) throws -> LabelGenerationResult {
        var state = AnswerState(prompt: prompt, forced: forced)
        let first = try prefixCache.forward(tokens: prompt, logitRows: [prompt.count - 1])
        var logits = first.logits
        while let next = state.advance(logits: logits, generator: self) {
            let h = try lm.hiddenStates(tokens: [next], cache: first.cache)
            state.fed(hidden: h[...], attention: recorder?.weights)
            logits = try lm.logits(hidden: h, rows: [0])
        }
        return state.result(generator: self)
    }

    /// Greedy answers to several prompts at once: each prompt is prefilled on its own (through the
    /// prefix cache), then every decoding step feeds all unfinished answers through the model
    /// together, so each weight matrix is read once per step instead of once per answer (decoding a
    /// small model is bound by reading its weights). The same answers as `generate(prompt:)` one at
    /// a time up to float rounding (other matrix shapes). Attention recording needs one sequence
    /// per call, so with it the prompts run one by one.
    public func generate(prompts: [[Int32]]) throws -> [LabelGenerationResult] {
        if recorder != nil || prompts.count <= 1 { return try prompts.map { try generate(prompt: $0) } }
        var states = prompts.map { AnswerState(prompt: $0, forced: nil) }
        let V = lm.vocabSize, d = lm.config.dModel
        // Prefill: the prompts' common prefix once (through the prefix cache), then every prompt's
        // own tokens together in one batched pass from forks of that cache.
        guard prompts.allSatisfy({ !$0.isEmpty }) else { throw MethodsError("empty prompt") }
        let (caches, l0) = try prefixCache.prefill(batch: prompts, sharedPrefix: PrefixCache.sharedPrefixLength(prompts))
        var logits = prompts.indices.map { Array(l0[($0 * V)..<(($0 + 1) * V)]) }
        var active = Array(prompts.indices)
        while !active.isEmpty {
            var feed: [(index: Int, token: Int32)] = []
            for i in active { if let t = states[i].advance(logits: logits[i], generator: self) { feed.append((i, t)) } }
            if feed.isEmpty { break }
            let h = try lm.hiddenStates(batch: feed.map { SequenceInput(tokens: [$0.token], cache: caches[$0.index]) })
            let l = try lm.logits(hidden: h, rows: Array(feed.indices))
            for (r, f) in feed.enumerated() {
                states[f.index].fed(hidden: h[(r * d)..<((r + 1) * d)], attention: nil)
                logits[f.index] = Array(l[(r * V)..<((r + 1) * V)])
            }
            active = feed.map(\.index)
        }
        return states.map { $0.result(generator: self) }
    }

    /// One answer being decoded: what happened so far, between two forward passes.
    struct AnswerState {
        let prompt: [Int32]
        let forced: [Int32]?
        var generated: [Int32] = []
        var steps: [LabelStep] = []
        var stepOffsets: [Int] = []      // character offset of each step in the decoded text
        var hidden: [Float] = []
        var pendingFirstLabel = false    // the next token fed is the first label step's choice
        var lastAttention: [Float] = []  // the attention row of the forward that made the logits
        var stepTokenIndex: [Int] = []   // index in `generated` of each step's first label token
        var text = ""

        init(prompt: [Int32], forced: [Int32]?) { self.prompt = prompt; self.forced = forced }

        /// Reads the logits of the last forward pass (recording a label step when the text is at
        /// one), picks the next token, and returns it when it has to be fed to the model; nil when
        /// the answer is finished.
        mutating func advance(logits: [Float], generator g: LabelGenerator) -> Int32? {
            guard generated.count < (forced?.count ?? g.maxNewTokens) else { return nil }
            let V = g.lm.vocabSize
            if LabelGenerator.endsAtLabelStart(text) {
                let lse = logits.withUnsafeBufferPointer { logSumExp($0.baseAddress!, count: V) }
                var step = LabelStep(candidateLogits: g.candidateTokens.map { logits[Int($0)] }, vocabLogSumExp: lse, generated: -1)
                let S = prompt.count + generated.count
                if g.recorder != nil, !steps.isEmpty, lastAttention.count == S {
                    let a = lastAttention
                    func mean(_ idx: [Int]) -> Float { idx.isEmpty ? .nan : idx.reduce(0) { $0 + a[$1] } / Float(idx.count) }
                    step.attention = [mean(Array(0..<prompt.count)), mean(Array(prompt.count..<S)),
                                      mean(stepTokenIndex.map { prompt.count + $0 })]
                }
                steps.append(step)
                stepOffsets.append(text.count)
                stepTokenIndex.append(generated.count)
                if steps.count == 1 { pendingFirstLabel = true }
            }
            var best = 0
            logits.withUnsafeBufferPointer { l in
                for v in 1..<V where l[v] > l[best] { best = v }
            }
            let next = forced?[generated.count] ?? Int32(best)
            generated.append(next)
            if g.stop.contains(next) { return nil }
            text = g.tok.decode(generated, skipSpecial: true)
            if forced == nil && LabelGenerator.answerIsComplete(text) { return nil }
            if generated.count == forced?.count { return nil }
            return next
        }

        /// The forward pass of the token `advance` returned ran: its hidden state (kept when it is
        /// the first label token) and, when recording, its attention row.
        mutating func fed(hidden h: ArraySlice<Float>, attention: [Float]?) {
            if let attention { lastAttention = attention }
            if pendingFirstLabel { hidden = Array(h); pendingFirstLabel = false }
        }

        func result(generator g: LabelGenerator) -> LabelGenerationResult {
            let text = g.tok.decode(generated, skipSpecial: true)
            var steps = self.steps
            // What each step went on to write: the characters up to the closing quote.
            let chars = Array(text)
            for (k, off) in stepOffsets.enumerated() {
                var end = off
                while end < chars.count && chars[end] != "\"" { end += 1 }
                steps[k].generated = LabelGenerator.candidateIndex(String(chars[off..<end]), labels: g.labels)
            }
            let (parsed, predicted, unknown) = LabelGenerator.parseAnswer(text, labels: g.labels)
            return LabelGenerationResult(tokens: generated, text: text, steps: steps, predicted: predicted, parsed: parsed,
                                         unknownLabels: unknown, firstLabelHidden: hidden)
        }
    }

    /// Index of a written label string among the candidates (case and surrounding space ignored).
    public static func candidateIndex(_ s: String, labels: [String]) -> Int {
        let key = s.trimmingCharacters(in: .whitespaces).lowercased()
        return (labels + ["none"]).firstIndex { $0.lowercased() == key } ?? -1
    }

    /// Parses the first `{...}` of the answer as `{"label": [strings]}`.
    public static func parseAnswer(_ text: String, labels: [String]) -> (parsed: Bool, labels: Set<Int>, unknown: [String]) {
        guard let open = text.firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}"),
              let obj = try? JSONSerialization.jsonObject(with: Data(text[open...close].utf8)) as? [String: Any],
              let list = obj["label"] as? [Any] else { return (false, [], []) }
        var set = Set<Int>(), unknown: [String] = []
        for item in list {
            guard let s = item as? String else { unknown.append("\(item)"); continue }
            let i = candidateIndex(s, labels: labels)
            if i < 0 { unknown.append(s) } else if i < labels.count { set.insert(i) }
        }
        return (true, set, unknown)
    }
}
