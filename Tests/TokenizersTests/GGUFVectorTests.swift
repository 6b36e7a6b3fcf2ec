import Foundation
import XCTest
import ModelIO
import Tokenizers

/// llama.cpp's tokenizer test vectors (test-tokenizer-0) for four vocabularies.
final class GGUFVectorTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tok = try Fixtures.tokenizer("\(Fixtures.tokenizerVectors)/ggml-vocab-\(name).gguf")
        let cases = try Fixtures.vectors(name)
        var pass = 0
        for (text, expected) in cases {
            let got = tok.encode(text, addBOS: false, parseSpecial: false)
            if got == expected { pass += 1 } else {
                XCTFail("\(name): \(text.debugDescription)\n  expected \(expected)\n  got      \(got)", file: file, line: line)
            }
        }
        print("[vectors] \(name): \(pass)/\(cases.count) pass")
        XCTAssertEqual(cases.count, 46)
    }

    func testGPT2Vectors() throws { try check("gpt-2") }
    func testLlamaBPEVectors() throws { try check("llama-bpe") }
    func testQwen2Vectors() throws { try check("qwen2") }
    func testLlamaSPMVectors() throws { try check("llama-spm") }
}
