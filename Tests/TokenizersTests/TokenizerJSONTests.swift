import TestSupport
import Foundation
import XCTest
import Tokenizers

/// `tokenizer.json` loading against ids produced by Hugging Face `tokenizers` 0.23.3
/// (fixtures made by Fixtures/make_fixtures.py: small BPE vocabularies trained on paper A's text
/// with each supported pre-tokenizer, and the real all-MiniLM-L6-v2 WordPiece tokenizer).
final class TokenizerJSONTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let minilm = TestPaths.models + "/all-MiniLM-L6-v2/tokenizer.json"

    struct Case: Decodable { let text: String; let ids: [Int32]; let ids_with_specials: [Int32] }

    func expected(_ name: String) throws -> [Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/expected.json"))
        return try XCTUnwrap(try JSONDecoder().decode([String: [Case]].self, from: data)[name])
    }

    func check(_ name: String, path: String? = nil, model: TokenizerModel) throws {
        let tok = try Tokenizer.load(tokenizerJSON: path ?? "\(Self.dir)/\(name).tokenizer.json")
        XCTAssertEqual(tok.model, model)
        var pass = 0
        let cases = try expected(name)
        for c in cases {
            let plain = tok.encode(c.text, addBOS: false, parseSpecial: true)
            let framed = tok.encode(c.text, addBOS: true, parseSpecial: true)
            if plain == c.ids && framed == c.ids_with_specials { pass += 1 } else {
                XCTFail("\(name): \(c.text.debugDescription)\n expected \(c.ids)\n got      \(plain)\n expected(specials) \(c.ids_with_specials)\n got      \(framed)")
            }
        }
        print("[tokenizer.json] \(name): \(pass)/\(cases.count) pass")
    }

    func testByteLevelGPT2() throws { try check("bytelevel-gpt2", model: .byteLevelBPE) }
    func testByteLevelQwen2Split() throws { try check("bytelevel-qwen2", model: .byteLevelBPE) }
    func testByteLevelLlama3Split() throws { try check("bytelevel-llama3", model: .byteLevelBPE) }
    func testByteLevelDigits() throws { try check("bytelevel-digits", model: .byteLevelBPE) }
    func testByteLevelCustomRegexViaSwiftRegex() throws { try check("bytelevel-customregex", model: .byteLevelBPE) }
    func testMetaspaceByteFallback() throws { try check("metaspace-bytefallback", model: .metaspaceBPE) }
    func testMetaspaceLlama2Normalizer() throws { try check("metaspace-llama2-normalizer", model: .metaspaceBPE) }
    func testMetaspaceSplit() throws { try check("metaspace-split", model: .metaspaceBPE) }

    func testMiniLMWordPiece() throws {
        guard FileManager.default.fileExists(atPath: Self.minilm) else { throw XCTSkip("missing \(Self.minilm)") }
        try check("minilm", path: Self.minilm, model: .wordPiece)
        let tok = try Tokenizer.load(tokenizerJSON: Self.minilm)
        XCTAssertEqual(tok.vocabSize, 30522)
        XCTAssertEqual(tok.maxLength, 128)
        // Hand-derived from vocab.txt: [CLS]=101, [SEP]=102, "hello"=7592, ","=1010, "world"=2088, "!"=999.
        XCTAssertEqual(tok.encode("Hello, WORLD!", addBOS: true), [101, 7592, 1010, 2088, 999, 102])
        XCTAssertEqual(tok.encode(String(repeating: "word ", count: 300), addBOS: true).count, 128)
        XCTAssertEqual(tok.encode(String(repeating: "word ", count: 300), addBOS: true, maxLength: 16).count, 16)
        XCTAssertEqual(tok.decode(tok.encode("Hello, unaffable world!", addBOS: true), skipSpecial: true), "hello, unaffable world!")
    }

    func testRoundTripByteLevelJSON() throws {
        let tok = try Tokenizer.load(tokenizerJSON: "\(Self.dir)/bytelevel-llama3.tokenizer.json")
        for t in ModelTokenizerTests.roundTripTexts {
            XCTAssertTrue(tok.decode(tok.encode(t, addBOS: false)).utf8.elementsEqual(t.utf8), t.debugDescription)
        }
        let ms = try Tokenizer.load(tokenizerJSON: "\(Self.dir)/metaspace-bytefallback.tokenizer.json")
        for t in ["Hello world", "ünïcödé 😀 日本語", "a  b\n"] {
            XCTAssertEqual(ms.decode(ms.encode(t, addBOS: true), skipSpecial: true), t)
        }
    }
}
