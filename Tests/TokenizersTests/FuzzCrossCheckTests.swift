import Foundation
import XCTest
import Tokenizers

/// Random strings (letters, digits, whitespace runs, contractions, accents, combining marks,
/// CJK, emoji, special tokens) encoded by Hugging Face `tokenizers` with the same vocabularies
/// (Fixtures/make_fuzz.py) against our GGUF tokenizers.
final class FuzzCrossCheckTests: XCTestCase {
    struct Case: Decodable { let text: String; let ids: [Int32] }

    func check(_ name: String, _ gguf: String) throws {
        let tok = try Fixtures.tokenizer(gguf)
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz-\(name).json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        var pass = 0, shown = 0
        for c in cases {
            let got = tok.encode(c.text, addBOS: false, parseSpecial: true)
            if got == c.ids { pass += 1 } else if shown < 5 {
                shown += 1
                XCTFail("\(name): \(c.text.debugDescription)\n  HF  \(c.ids)\n  got \(got)")
            }
        }
        print("[fuzz vs HF tokenizers] \(name): \(pass)/\(cases.count) identical")
        XCTAssertEqual(pass, cases.count)
    }

    func testQwen2() throws { try check("qwen2", Fixtures.tokenizerVectors + "/ggml-vocab-qwen2.gguf") }
    func testLlama3() throws { try check("llama-bpe", Fixtures.tokenizerVectors + "/ggml-vocab-llama-bpe.gguf") }
    func testGPT2() throws { try check("gpt-2", Fixtures.tokenizerVectors + "/ggml-vocab-gpt-2.gguf") }
    func testSmolLM() throws { try check("smollm", ModelTokenizerTests.smol) }
}
