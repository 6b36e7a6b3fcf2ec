import TestSupport
import Foundation
import XCTest
import Models
import Tokenizers
import Training

/// Paper B's instruction prompt on the real SmolLM2 file (skipped when the model is absent):
/// the prompt ends with the assistant header, the reply ends with <|im_end|>, and the trainer's
/// tree loss over a reply equals the runtime's next-token log-probabilities.
final class FineTuneRealModelTests: XCTestCase {
    static let smol = ProcessInfo.processInfo.environment["DISTLAB_SMOLLM2"] ?? TestPaths.models + "/SmolLM2-135M-Instruct.Q4_1.gguf"

    static let gemma = ProcessInfo.processInfo.environment["DISTLAB_GEMMA3"] ?? TestPaths.models + "/gemma-3-270m-q4_k_m.gguf"

    /// Base-LM data on Gemma 3: the context starts with BOS (as the runtime scores it) and the
    /// target word is one " word" token sequence without BOS.
    func testPlainTokensOnGemma() throws {
        guard FileManager.default.fileExists(atPath: Self.gemma) else { throw XCTSkip("no \(Self.gemma)") }
        let tok = try Tokenizer.load(path: Self.gemma)
        let ctx = tok.encode("The cat sat on the")
        XCTAssertEqual(ctx.first, tok.bosID)
        let word = tok.encode(PaperBPrompts.plainContinuation(word: "mat"), addBOS: false)
        XCTAssertFalse(word.contains { tok.isSpecial($0) })
        XCTAssertEqual(tok.decode(word), " mat")
        XCTAssertEqual(tok.decode(tok.encode(PaperBPrompts.plainContinuation(word: ","), addBOS: false)), ",")
    }

    func testInstructionPromptTokensAndLoss() throws {
        guard FileManager.default.fileExists(atPath: Self.smol) else { throw XCTSkip("no \(Self.smol)") }
        let tok = try Tokenizer.load(path: Self.smol)
        let template = try ChatTemplate.detect(for: tok)
        let prompt = try PaperBPrompts.instructionPromptTokens(context: "The cat sat on the", tokenizer: tok, template: template)
        let text = tok.decode(prompt)
        XCTAssertTrue(text.hasSuffix("Continuation:<|im_end|>\n<|im_start|>assistant\n"), text)
        XCTAssertEqual(prompt.filter { tok.tokenType($0) == .control }.count, 5, text)   // system, user, assistant turns
        let reply = try PaperBPrompts.responseTokens(word: "mat", tokenizer: tok, template: template)
        XCTAssertEqual(tok.decode(reply), "mat<|im_end|>")
        let model = try loadModel(path: Self.smol)
        let all = prompt + reply
        let logits = try model.forward(tokens: all, cache: model.makeCache())
        let V = model.config.vocabSize
        var lps: [Double] = []
        for (j, t) in reply.enumerated() {
            let row = prompt.count - 1 + j
            let lg = Array(logits[(row * V)..<((row + 1) * V)])
            let mx = lg.max()!
            let lse = Double(mx) + log(lg.reduce(0.0) { $0 + exp(Double($1 - mx)) })
            lps.append(Double(lg[Int(t)]) - lse)
        }
        let trainer = try DecoderTrainer(weights: DecoderWeights(model: model, trainable: false))
        let seq = try TrainingSequence(prompt: prompt, response: reply)
        let lp = try trainer.run(tokens: seq.tokens, positions: seq.positions, mask: seq.mask, targets: seq.targets, backward: false)
        for (a, b) in zip(lp, lps) { XCTAssertEqual(a, b, accuracy: 2e-3) }
    }
}
