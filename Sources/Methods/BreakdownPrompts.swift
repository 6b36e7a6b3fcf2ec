import Foundation
import Models
import Numerics
import Tokenizers

/// Paper A's test-time breakdowns (§5.2.2, appendix B prompts): the multi-label question asked
/// as binary questions. Unary: one prompt per label, "is the label reasonable" (answers
/// "reasonable" / "unreasonable"). Binary: one prompt per pair of labels (and "none"), "which
/// label is better", answers "a" / "b". Demonstrations come from the same items as the regular
/// prompt's, each shown with one label (unary) or one pair (binary) drawn with a seed.
public enum BreakdownKind: String, CaseIterable, Sendable {
    case unary, binary

    /// The two answers; the first is the one whose probability the method reads.
    public var answers: [String] { self == .unary ? ["reasonable", "unreasonable"] : ["a", "b"] }

    public var instruction: String {
        switch self {
        case .unary:
            return "Classify the following question-label pairs as either \"reasonable\" or \"unreasonable\". "
                + "Output either \"reasonable\" or \"unreasonable\" and nothing else."
        case .binary:
            return "Classify the following question into one of the two following labels. "
                + "Output either \"a\" or \"b\" depending on which label is better and nothing else."
        }
    }

    /// The query part of one prompt: the text and the label (unary) or the pair (binary).
    public func question(text: String, first: String, second: String?) -> String {
        switch self {
        case .unary: return "Question: \(text)\nLabel: \(first)\nIs the label reasonable:"
        case .binary: return "Question: \(text)\na. \(first)\nb. \(second ?? "")\nCorrect Label:"
        }
    }
}

/// One demonstration of a breakdown prompt: a question and its answer.
public struct BreakdownDemo: Equatable {
    public var text: String
    public var first: String
    public var second: String?
    /// Index into `BreakdownKind.answers`.
    public var answer: Int

    public init(text: String, first: String, second: String?, answer: Int) {
        self.text = text; self.first = first; self.second = second; self.answer = answer
    }
}

public struct BreakdownPrompt {
    public var kind: BreakdownKind
    public var demos: [BreakdownDemo]

    public init(kind: BreakdownKind, demos: [BreakdownDemo]) { self.kind = kind; self.demos = demos }

    /// Demonstrations from the regular prompt's items (`gold` = each item's labels, empty for
    /// none): demonstration k is answered with the first answer when k is even. Unary: a gold
    /// label ("none" for an item without one) is reasonable, a label it lacks unreasonable.
    /// Binary: a gold label (or "none") against a label it lacks, the gold one as "a" or "b" by
    /// a coin. Draws use NumPy's RandomState(seed) in demonstration order.
    public static func demos(kind: BreakdownKind, texts: [String], gold: [[String]], labels: [String],
                             seed: UInt32) throws -> [BreakdownDemo] {
        var rng = NumpyRandomState(seed: seed)
        var out: [BreakdownDemo] = []
        for (k, text) in texts.enumerated() {
            let good = gold[k].isEmpty ? ["none"] : gold[k]
            let bad = labels.filter { !gold[k].contains($0) }
            guard !bad.isEmpty else { throw MethodsError("demonstration \(k) has every label: nothing to show as the wrong one") }
            func pick(_ xs: [String]) -> String { xs[rng.randint(low: 0, high: xs.count)] }
            switch kind {
            case .unary:
                out.append(k % 2 == 0 ? BreakdownDemo(text: text, first: pick(good), second: nil, answer: 0)
                                      : BreakdownDemo(text: text, first: pick(bad), second: nil, answer: 1))
            case .binary:
                let g = pick(good), b = pick(bad)
                out.append(rng.randint(low: 0, high: 2) == 0 ? BreakdownDemo(text: text, first: g, second: b, answer: 0)
                                                             : BreakdownDemo(text: text, first: b, second: g, answer: 1))
            }
        }
        return out
    }

    /// Plain text for base models; the answer follows after a space.
    public func plain(text: String, first: String, second: String?) -> String {
        var s = kind.instruction + "\n\n"
        for d in demos {
            s += kind.question(text: d.text, first: d.first, second: d.second) + " " + kind.answers[d.answer] + "\n\n"
        }
        return s + kind.question(text: text, first: first, second: second)
    }

    /// Chat form: instruction as the system message, each demonstration a user/assistant pair.
    public func chat(text: String, first: String, second: String?, template: ChatTemplate) throws -> String {
        var messages: [ChatMessage] = [.system(kind.instruction)]
        for d in demos {
            messages += [.user(kind.question(text: d.text, first: d.first, second: d.second)), .assistant(kind.answers[d.answer])]
        }
        messages.append(.user(kind.question(text: text, first: first, second: second)))
        return try template.format(messages, addGenerationPrompt: true)
    }
}

/// The logits of a fixed set of answers' first tokens at the end of prompts that share long
/// prefixes (the instruction and demonstrations, an item's text): a `PrefixCache` runs only what
/// an earlier prompt did not have.
public final class ChoiceScorer {
    public let lm: LanguageModel
    public let answerTokens: [Int32]
    let prefixCache: PrefixCache

    /// `answers` as they follow the prompt (with a leading space after plain prompts).
    public init(lm: LanguageModel, tok: Tokenizer, answers: [String], cacheEntries: Int = 8) throws {
        self.lm = lm
        var firsts: [Int32] = []
        for a in answers {
            guard let t = tok.encode(a, addBOS: false).first else { throw MethodsError("answer '\(a)' encodes to no tokens") }
            if firsts.contains(t) { throw MethodsError("answers \(answers) do not start with distinct tokens") }
            firsts.append(t)
        }
        answerTokens = firsts
        prefixCache = PrefixCache(model: lm, maxEntries: cacheEntries)
    }

    /// Forgets every cached prompt prefix (see `LabelGenerator.startChunk`).
    public func startChunk() { prefixCache.removeAll() }

    /// `score(prompt:)` for several prompts at once: their common prefix runs once (through the
    /// prefix cache), then every prompt's remaining tokens go through the model together, so each
    /// weight matrix is read once per batch instead of once per prompt. Same numbers as one prompt
    /// at a time up to float rounding (other matrix shapes).
    public func score(prompts: [[Int32]], maxBatch: Int = 32) throws -> [(logits: [Float], logSumExp: Float)] {
        guard let first = prompts.first else { return [] }
        guard prompts.allSatisfy({ !$0.isEmpty }) else { throw MethodsError("empty prompt") }
        if prompts.count == 1 { return [try score(prompt: first)] }
        // One common prefix for all the batches (each prompt needs a row of its own after it).
        let p = PrefixCache.sharedPrefixLength(prompts)
        let V = lm.vocabSize
        var out: [(logits: [Float], logSumExp: Float)] = []
        var start = 0
        while start < prompts.count {
            let part = Array(prompts[start..<min(start + maxBatch, prompts.count)])
            let logits = try prefixCache.prefill(batch: part, sharedPrefix: p).lastLogits
            for k in part.indices {
                let row = Array(logits[(k * V)..<((k + 1) * V)])
                let lse = row.withUnsafeBufferPointer { logSumExp($0.baseAddress!, count: V) }
                out.append((answerTokens.map { row[Int($0)] }, lse))
            }
            start += part.count
        }
        return out
    }

    /// The answers' first-token logits after `prompt`, and log Σ exp of all logits there.
    public func score(prompt: [Int32]) throws -> (logits: [Float], logSumExp: Float) {
        guard !prompt.isEmpty else { throw MethodsError("empty prompt") }
        let r = try prefixCache.forward(tokens: prompt, logitRows: [prompt.count - 1])
        let lse = r.logits.withUnsafeBufferPointer { logSumExp($0.baseAddress!, count: lm.vocabSize) }
        return (answerTokens.map { r.logits[Int($0)] }, lse)
    }
}
