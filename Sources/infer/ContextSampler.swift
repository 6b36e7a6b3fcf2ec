import ArgumentParser
import Datasets
import Foundation
import Metrics
import Numerics
import Models
import StageKit
import Tokenizers
import Training

/// Paper B's Monte-Carlo model CPD of one cloze context: S sampled continuations with their
/// extracted words, and the exact log q(w|c) of each human answer (eq. 3).
struct ContextResult {
    var words: [String]
    var texts: [String]
    var responses: [String]
    var logq: [Double]
    /// Human answers whose joint tokenisation with the prompt did not start with the prompt's
    /// tokens, so the answer was tokenised on its own (see `continuationTokens`).
    var separatelyTokenized: Int
    var generateSeconds: Double
    var scoreSeconds: Double
}

/// Everything fixed across contexts: the model, tokenizer, prompt style and sampling settings.
final class ContextSampler {
    let lm: LanguageModel
    let tok: Tokenizer
    let style: PromptStyle
    let template: ChatTemplate?
    let example: OneShotExample?
    let settings: SamplingSettings
    let samples: Int
    let maxNewTokens: Int
    let scoreHumans: Bool
    /// Stop a sample once its first word is complete (`firstWordIsComplete`); the extracted words
    /// are the same as with all `maxNewTokens` tokens, the stored texts end at that token.
    let stopAfterWord: Bool
    let stop: Set<Int32>
    let scorer: WordScorer
    /// The last few prompts' KV caches: a context's prompt shares its start (the instruction, the
    /// passage so far) with the previous context's, and only the rest is run. Reusing a cache
    /// changes the last bits of the results (the prompt's rows are computed in other matrix
    /// shapes), so it is emptied at each chunk start (`startChunk`): a chunk's bits then do not
    /// depend on whether the run was interrupted before it.
    let prompts: PrefixCache

    init(lm: LanguageModel, tok: Tokenizer, style: PromptStyle, example: OneShotExample?, settings: SamplingSettings,
         samples: Int, maxNewTokens: Int, scoreHumans: Bool, stopAfterWord: Bool = true) throws {
        self.lm = lm; self.tok = tok; self.style = style; self.example = example; self.settings = settings
        self.samples = samples; self.maxNewTokens = maxNewTokens; self.scoreHumans = scoreHumans
        self.stopAfterWord = stopAfterWord
        template = style.isChat ? try ChatTemplate.detect(for: tok, architecture: lm.config.architecture.rawValue) : nil
        stop = Set(tok.stopTokenIDs)
        scorer = WordScorer(model: lm)
        prompts = PrefixCache(model: lm, maxEntries: 4)
    }

    /// Call before the first item of each resumable chunk.
    func startChunk() { prompts.removeAll() }

    /// The prompt as text, and whether it is encoded as a chat prompt (specials parsed, no extra BOS).
    func promptText(_ context: String) throws -> String {
        switch style {
        case .plain: return context
        case .instruction: return try template!.format([.user(PaperBPrompts.instructionText(context: context))], addGenerationPrompt: true)
        case .oneShot: return try template!.format([.user(PaperBPrompt.oneShot(example: example!, context: context))], addGenerationPrompt: true)
        }
    }

    func encode(_ text: String) -> [Int32] {
        style.isChat ? tok.encode(text, addBOS: false, parseSpecial: true) : tok.encode(text, addBOS: nil)
    }

    /// Tokens of `piece` as it follows `prompt`: the tail of the joint tokenisation when that starts
    /// with the prompt's own tokens (the usual case: byte-level BPE and SentencePiece split before
    /// a space), otherwise the piece tokenised alone (flagged).
    func continuationTokens(prompt: String, promptTokens: [Int32], piece: String) -> (tokens: [Int32], separate: Bool) {
        let joint = encode(prompt + piece)
        if joint.count > promptTokens.count && joint.starts(with: promptTokens) {
            return (Array(joint[promptTokens.count...]), false)
        }
        return (tok.encode(piece, addBOS: false, parseSpecial: false), true)
    }

    /// The text scored for a human answer: after a plain context the word as `finetune` trains it
    /// (a leading space unless it starts with punctuation); as a chat reply the word itself.
    func answerPiece(_ word: String) -> String {
        style == .plain ? PaperBPrompts.plainContinuation(word: word) : word
    }

    func run(_ c: ClozeContext, seed: UInt64) throws -> ContextResult {
        try run(prompt: try promptText(c.context), responses: c.responses.map(\.response), seed: seed,
                what: "context text_id \(c.textID) word_number \(c.wordNumber)")
    }

    /// Samples and scores after a finished prompt text (already through the chat template for chat
    /// styles): the one loop behind `infer sample` and `infer qa`. `what` names the item in errors.
    func run(prompt: String, responses: [String], seed: UInt64, what: String) throws -> ContextResult {
        let ids = encode(prompt)
        guard !ids.isEmpty else { throw StageError.input(what, "the prompt has no tokens") }
        let t0 = ProcessInfo.processInfo.systemUptime
        let tok = self.tok
        let done: (([Int32]) -> Bool)? = stopAfterWord ? { firstWordIsComplete(tok.decode($0, skipSpecial: true)) } : nil
        // One prefill serves both the samples and the human answers' scores.
        let prefilled = try prompts.prefill(ids)
        let gen = try lm.generate(after: prefilled, samples: samples, maxTokens: maxNewTokens, settings: settings, seed: seed,
                                  stop: stop, isDone: done)
        let decoded = gen.map { tok.decode($0, skipSpecial: true) }
        // The decoded tokens are only the continuation (or the assistant's reply), so no context to strip.
        let words = decoded.map { extractWord(sample: $0, context: "") ?? "" }
        // A model can emit a NUL byte (byte-fallback token <0x00>), which HDF5 strings cannot hold;
        // the stored text shows it as U+2400 (it is never part of a word: not \w, not whitespace).
        let texts = decoded.map { $0.contains("\u{0}") ? $0.replacingOccurrences(of: "\u{0}", with: "\u{2400}") : $0 }
        let t1 = ProcessInfo.processInfo.systemUptime
        var logq = [Double](repeating: .nan, count: responses.count)
        var separate = 0
        if scoreHumans {
            var which: [Int] = [], cands: [[Int32]] = []
            for (j, r) in responses.enumerated() where !r.isEmpty {
                let ct = continuationTokens(prompt: prompt, promptTokens: ids, piece: answerPiece(r))
                if ct.tokens.isEmpty { continue }
                if ct.separate { separate += 1 }
                which.append(j); cands.append(ct.tokens)
            }
            if !cands.isEmpty {
                for (j, s) in zip(which, try scorer.score(after: prefilled, candidates: cands)) { logq[j] = s }
            }
        }
        let t2 = ProcessInfo.processInfo.systemUptime
        return ContextResult(words: words, texts: texts, responses: responses, logq: logq, separatelyTokenized: separate,
                             generateSeconds: t1 - t0, scoreSeconds: t2 - t1)
    }
}

/// The sampling seed of one context, from (run seed, text id, word number) only, so a context's
/// samples do not depend on chunking, `--limit` or resuming. SplitMix64 finaliser rounds.
func contextSeed(seed: Int, textID: Int, wordNumber: Int) -> UInt64 {
    let mix = SplitMix64.hash
    var h = mix(UInt64(bitPattern: Int64(seed)))
    h = mix(h ^ UInt64(bitPattern: Int64(textID)))
    return mix(h ^ UInt64(bitPattern: Int64(wordNumber)))
}

let seedRule = "context seed = splitmix(splitmix(splitmix(seed) ^ text_id) ^ word_number); sample i uses context seed + i"
let textNulRule = "a NUL byte in a generated text is stored as U+2400 (HDF5 strings cannot hold NUL); words never contain it"

/// The sampling options `infer sample` and `infer qa` share (declared and checked once).
struct SamplingOptions: ParsableArguments {
    @Option(help: "Samples per context (per question for qa).") var samples = 40
    @Option(name: .customLong("max-new-tokens"), help: "Tokens per sample.") var maxNewTokens = 5
    @Option(name: .customLong("top-k"), help: "Top-k cut (0 = off); 50 as paper B's code.") var topK = 50
    @Option(name: .customLong("top-p"), help: "Nucleus cut (1 = off).") var topP = 1.0
    @Option(help: "Sampling temperature.") var temperature = 1.0

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 (off) or positive") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard temperature >= 0 && temperature.isFinite else { throw ValidationError("--temperature must be finite and >= 0") }
    }

    var settings: SamplingSettings { SamplingSettings(temperature: Float(temperature), topK: topK, topP: Float(topP)) }
}
