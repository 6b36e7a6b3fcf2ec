import TestSupport
import Foundation
import XCTest
import ModelIO
import Tokenizers

/// The tokenizers inside the three default GGUF models against the reference `token_ids`.
final class ModelTokenizerTests: XCTestCase {
    static let smol = TestPaths.models + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let gemma = TestPaths.models + "/gemma-3-270m-q4_k_m.gguf"
    static let qwen = TestPaths.models + "/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

    struct Case: Decodable { let text: String; let add_bos: Bool; let special: Bool; let token_ids: [Int32] }
    struct File: Decodable { let cases: [Case] }

    func check(_ model: String, _ json: String) throws {
        let tok = try Fixtures.tokenizer(model)
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(TestPaths.reference)/logprobs/\(json).json"))
        let cases = try JSONDecoder().decode(File.self, from: data).cases
        XCTAssertFalse(cases.isEmpty)
        var pass = 0
        for c in cases {
            // The model's own BOS rule must agree with the reference flag.
            XCTAssertEqual(tok.addsBOSByDefault, c.add_bos, "\(json): BOS rule")
            let got = tok.encode(c.text, addBOS: nil, parseSpecial: c.special)
            if got == c.token_ids { pass += 1 } else {
                XCTFail("\(json): \(c.text.debugDescription)\n  expected \(c.token_ids)\n  got      \(got)")
            }
        }
        print("[logprobs ids] \(json): \(pass)/\(cases.count) pass")
    }

    func testSmolLM2ReferenceIDs() throws { try check(Self.smol, "smollm2-135m-instruct") }
    func testGemma3ReferenceIDs() throws { try check(Self.gemma, "gemma3-270m") }
    func testQwen25ReferenceIDs() throws { try check(Self.qwen, "qwen2.5-coder-0.5b-instruct") }

    func testSpecialTokensParsedOnlyWhenAsked() throws {
        let smol = try Fixtures.tokenizer(Self.smol)
        let imStart = try XCTUnwrap(smol.id(of: "<|im_start|>"))
        XCTAssertEqual(imStart, 1)
        let text = "<|im_start|>user\nHi<|im_end|>\n"
        let parsed = smol.encode(text, addBOS: false, parseSpecial: true)
        XCTAssertEqual(parsed.first, 1)
        XCTAssertEqual(parsed.filter { $0 == 1 || $0 == 2 }, [1, 2])
        let literal = smol.encode(text, addBOS: false, parseSpecial: false)
        XCTAssertFalse(literal.contains(1))
        XCTAssertEqual(smol.decode(literal), text)
        XCTAssertEqual(smol.decode(parsed), text)
        XCTAssertEqual(smol.decode(parsed, skipSpecial: true), "user\nHi\n")

        let gemma = try Fixtures.tokenizer(Self.gemma)
        let sot = try XCTUnwrap(gemma.id(of: "<start_of_turn>"))
        let g = gemma.encode("<start_of_turn>user\nHello<end_of_turn>\n", addBOS: true, parseSpecial: true)
        XCTAssertEqual(g.prefix(2), [2, sot])
        XCTAssertFalse(gemma.encode("<start_of_turn>", addBOS: false, parseSpecial: false).contains(sot))
        // Gemma's "\n" is a user-defined token: always split out, even without parseSpecial.
        XCTAssertEqual(gemma.encode("a\n\nb", addBOS: false, parseSpecial: false).count, 3)

        let qwen = try Fixtures.tokenizer(Self.qwen)
        // <tool_call> is user-defined in Qwen2.5 (always a single token); <|im_end|> is control.
        XCTAssertEqual(qwen.encode("<tool_call>", addBOS: false, parseSpecial: false), [151657])
        XCTAssertEqual(qwen.encode("<|im_end|>", addBOS: false, parseSpecial: true), [151645])
        XCTAssertNotEqual(qwen.encode("<|im_end|>", addBOS: false, parseSpecial: false), [151645])
    }

    func testMetadataIDs() throws {
        let gemma = try Fixtures.tokenizer(Self.gemma)
        XCTAssertEqual(gemma.vocabSize, 262_144)
        XCTAssertEqual(gemma.bosID, 2)
        XCTAssertEqual(gemma.eosID, 1)
        XCTAssertEqual(gemma.model, .sentencePiece)
        XCTAssertFalse(gemma.addSpacePrefix)
        let qwen = try Fixtures.tokenizer(Self.qwen)
        XCTAssertEqual(qwen.vocabSize, 151_936)
        XCTAssertEqual(qwen.eosID, 151_645)
        XCTAssertEqual(qwen.preTokenizer, .qwen2)
        let smol = try Fixtures.tokenizer(Self.smol)
        XCTAssertEqual(smol.vocabSize, 49_152)
        XCTAssertEqual(smol.preTokenizer, .digitsThenGPT2)
        XCTAssertEqual(smol.token(of: 216), "Ġ")
        XCTAssertEqual(smol.decodeToken(216), " ")
    }

    static let roundTripTexts = [
        "Hello world", "  leading and trailing  ", "Tabs\tand\nnewlines\r\n\n", "émoji 😀👍🏽 and 日本語テキスト",
        "numbers 1234567 3.14159 -42", "it's 'quoted' \"double\" — dash… ellipsis", "", " ", "\n\n\n",
        "Zero\u{200B}width\u{00A0}nbsp", "combining e\u{301} vs é", "ünïcödé ÀÉÎÕÜ",
    ]

    func testByteLevelRoundTrip() throws {
        for path in [Self.smol, Self.qwen, Fixtures.tokenizerVectors + "/ggml-vocab-gpt-2.gguf",
                     Fixtures.tokenizerVectors + "/ggml-vocab-llama-bpe.gguf"] {
            let tok = try Fixtures.tokenizer(path)
            for t in Self.roundTripTexts {
                let ids = tok.encode(t, addBOS: false, parseSpecial: false)
                let back = tok.decode(ids)
                XCTAssertTrue(back.utf8.elementsEqual(t.utf8), "\(path): \(t.debugDescription) → \(ids) → \(back.debugDescription)")
            }
        }
    }

    func testSentencePieceRoundTrip() throws {
        let gemma = try Fixtures.tokenizer(Self.gemma)
        for t in Self.roundTripTexts {
            let ids = gemma.encode(t, addBOS: true, parseSpecial: false)
            XCTAssertEqual(ids.first, 2)
            XCTAssertTrue(gemma.decode(ids, skipSpecial: true).utf8.elementsEqual(t.utf8), t.debugDescription)
        }
        // Llama SentencePiece adds a space prefix and removes it again when decoding.
        let spm = try Fixtures.tokenizer(Fixtures.tokenizerVectors + "/ggml-vocab-llama-spm.gguf")
        XCTAssertTrue(spm.addSpacePrefix)
        for t in ["Hello world", "ünïcödé 😀", "a  b"] {
            XCTAssertEqual(spm.decode(spm.encode(t, addBOS: true), skipSpecial: true), t)
        }
    }
}

final class LoadAnyTests: XCTestCase {
    func testLoadByPathAndStopTokens() throws {
        for path in [ModelTokenizerTests.qwen, TestPaths.models + "/all-MiniLM-L6-v2"] where !FileManager.default.fileExists(atPath: path) {
            throw XCTSkip("missing \(path) (make models)")
        }
        let qwen = try Tokenizer.load(path: ModelTokenizerTests.qwen)
        XCTAssertEqual(qwen.model, .byteLevelBPE)
        XCTAssertEqual(qwen.stopTokenIDs, [151645, 151643])  // <|im_end|> (EOS), <|endoftext|>
        let gemma = try Fixtures.tokenizer(ModelTokenizerTests.gemma)
        XCTAssertEqual(gemma.stopTokenIDs, [1, gemma.id(of: "<end_of_turn>")!])
        let minilm = try Tokenizer.load(path: TestPaths.models + "/all-MiniLM-L6-v2")
        XCTAssertEqual(minilm.model, .wordPiece)
        XCTAssertThrowsError(try Tokenizer.load(path: "/nonexistent/model.gguf")) { XCTAssertTrue("\($0)".contains("/nonexistent/model.gguf")) }
        XCTAssertThrowsError(try Tokenizer.load(path: FileManager.default.temporaryDirectory.path)) { XCTAssertTrue("\($0)".contains("tokenizer.json")) }
    }
}

final class ConcurrencyTests: XCTestCase {
    /// One tokenizer shared by several threads gives the same ids as a single thread.
    func testConcurrentEncodeIsDeterministic() throws {
        let tok = try Fixtures.tokenizer(ModelTokenizerTests.gemma)
        let texts = ModelTokenizerTests.roundTripTexts + [PerformanceTests.provoPassage()]
        let expected = texts.map { tok.encode($0, addBOS: true) }
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { k in
            let i = k % texts.count
            results[k] = tok.encode(texts[i], addBOS: true) == expected[i]
        }
        XCTAssertTrue(results.allSatisfy { $0 })
    }
}

final class StreamDecoderTests: XCTestCase {
    func testStreamingEqualsWholeDecode() throws {
        for path in [ModelTokenizerTests.qwen, ModelTokenizerTests.gemma] {
            let tok = try Fixtures.tokenizer(path)
            for t in ModelTokenizerTests.roundTripTexts {
                let ids = tok.encode(t, addBOS: false)
                var dec = StreamDecoder(tokenizer: tok)
                var pieces: [String] = []
                for id in ids { pieces.append(dec.append(id)) }
                pieces.append(dec.finish())
                XCTAssertTrue(pieces.joined().utf8.elementsEqual(t.utf8), "\(t.debugDescription) → \(pieces)")
                // No piece ever contains a replacement character from a split code point.
                XCTAssertFalse(pieces.joined().contains("\u{FFFD}"))
            }
        }
        // An emoji as four <0xXX> byte tokens in Gemma arrives whole on the fourth token.
        let gemma = try Fixtures.tokenizer(ModelTokenizerTests.gemma)
        let bytes = Array("😀".utf8).map { gemma.id(of: String(format: "<0x%02X>", $0))! }
        var dec = StreamDecoder(tokenizer: gemma)
        XCTAssertEqual(bytes.map { dec.append($0) }, ["", "", "", "😀"])
    }
}
