import TestSupport
import Foundation
import XCTest
import ModelIO
import Tokenizers

/// Paths of the shared reference files and default models.
enum Fixtures {
    static let tokenizerVectors = TestPaths.reference + "/tokenizers"

    /// The tokenizer of a GGUF file, cached across tests (Gemma's 262k vocabulary takes a moment).
    nonisolated(unsafe) private static var cache: [String: Tokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ path: String) throws -> Tokenizer {
        lock.lock(); defer { lock.unlock() }
        if let t = cache[path] { return t }
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("missing \(path)") }
        let t = try Tokenizer.load(gguf: GGUFFile(path: path))
        cache[path] = t
        return t
    }

    /// llama.cpp's test-tokenizer-0 format: strings separated by "\n__ggml_vocab_test__\n" (the
    /// text after the last separator is empty), expected ids one line per string.
    static func vectors(_ name: String) throws -> [(text: String, ids: [Int32])] {
        let inp = try String(contentsOfFile: "\(tokenizerVectors)/ggml-vocab-\(name).gguf.inp", encoding: .utf8)
        let out = try String(contentsOfFile: "\(tokenizerVectors)/ggml-vocab-\(name).gguf.out", encoding: .utf8)
        var texts = inp.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(texts.count, lines.count, "\(name): .inp and .out disagree on the number of cases")
        return zip(texts, lines).map { t, l in
            (t, l.split(separator: " ").map { Int32($0)! })
        }
    }
}
