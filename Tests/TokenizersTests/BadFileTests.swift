import Foundation
import XCTest
import ModelIO
import Tokenizers

/// Unusable tokenizer files give errors that name the file and the field.
final class BadFileTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizers-bad-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    enum KV { case string(String), strings([String]), ints([Int32]), bool(Bool) }

    /// A tensor-less GGUF v3 file with the given metadata.
    func writeGGUF(_ name: String, _ kvs: [(String, KV)]) throws -> String {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d.append(contentsOf: Array(s.utf8)) }
        u32(0x4655_4747); u32(3); u64(0); u64(UInt64(kvs.count))
        for (k, v) in kvs {
            str(k)
            switch v {
            case .string(let s): u32(8); str(s)
            case .bool(let b): u32(7); d.append(b ? 1 : 0)
            case .strings(let a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(str)
            case .ints(let a): u32(9); u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            }
        }
        let path = dir.appendingPathComponent(name).path
        try d.write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertError(_ f: () throws -> Tokenizer, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try f(), file: file, line: line) { e in
            let msg = "\(e)"
            for p in parts { XCTAssertTrue(msg.contains(p), "'\(msg)' lacks '\(p)'", file: file, line: line) }
        }
    }

    func testGGUFMissingMerges() throws {
        let p = try writeGGUF("nomerges.gguf", [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt-2")),
                                                ("tokenizer.ggml.tokens", .strings(["a", "b", "ab"]))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: p)) }, contains: ["nomerges.gguf", "tokenizer.ggml.merges"])
    }

    func testGGUFUnknownModelAndPre() throws {
        let p = try writeGGUF("unigram.gguf", [("tokenizer.ggml.model", .string("t5")), ("tokenizer.ggml.tokens", .strings(["a"]))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: p)) }, contains: ["unigram.gguf", "tokenizer.ggml.model", "'t5'"])
        let q = try writeGGUF("pre.gguf", [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("mystery")),
                                           ("tokenizer.ggml.tokens", .strings(["a"])), ("tokenizer.ggml.merges", .strings([]))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: q)) }, contains: ["pre.gguf", "'mystery'"])
        let r = try writeGGUF("notok.gguf", [("general.architecture", .string("llama"))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: r)) }, contains: ["notok.gguf", "tokenizer.ggml.model"])
    }

    func testGGUFInconsistentArrays() throws {
        let p = try writeGGUF("types.gguf", [("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .strings(["a", "b"])),
                                             ("tokenizer.ggml.token_type", .ints([1]))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: p)) }, contains: ["types.gguf", "token_type"])
        let q = try writeGGUF("merge.gguf", [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt-2")),
                                             ("tokenizer.ggml.tokens", .strings(["a"])), ("tokenizer.ggml.merges", .strings(["ab"]))])
        assertError({ try Tokenizer.load(gguf: GGUFFile(path: q)) }, contains: ["merge.gguf", "merges[0]"])
    }

    /// A tiny but valid GGUF BPE vocabulary works, so the failures above are about the fields.
    func testMinimalGGUFWorks() throws {
        let p = try writeGGUF("ok.gguf", [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt-2")),
                                          ("tokenizer.ggml.tokens", .strings(["a", "b", "ab", "Ġ", "Ġab"])),
                                          ("tokenizer.ggml.merges", .strings(["a b", "Ġ ab"]))])
        let tok = try Tokenizer.load(gguf: GGUFFile(path: p))
        XCTAssertEqual(tok.encode("ab ab ba", addBOS: false), [2, 4, 3, 1, 0])
    }

    func writeJSON(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testTokenizerJSONErrors() throws {
        let a = try writeJSON("nomerges.json", #"{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "ByteLevel"}}"#)
        assertError({ try Tokenizer.load(tokenizerJSON: a) }, contains: ["nomerges.json", "merges"])
        let b = try writeJSON("unigram.json", #"{"model": {"type": "Unigram", "vocab": {"a": 0}}}"#)
        assertError({ try Tokenizer.load(tokenizerJSON: b) }, contains: ["unigram.json", "'Unigram'"])
        let c = try writeJSON("broken.json", "{ not json")
        assertError({ try Tokenizer.load(tokenizerJSON: c) }, contains: ["broken.json", "not a JSON object"])
        let d = try writeJSON("badmerge.json", #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [42]}, "pre_tokenizer": {"type": "ByteLevel"}}"#)
        assertError({ try Tokenizer.load(tokenizerJSON: d) }, contains: ["badmerge.json", "merges[0]"])
        assertError({ try Tokenizer.load(tokenizerJSON: self.dir.path + "/absent.json") }, contains: ["absent.json", "cannot read"])
    }
}
