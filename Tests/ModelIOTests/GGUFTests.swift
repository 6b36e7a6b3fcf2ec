import TestSupport
import XCTest
import ModelIO
import Foundation

func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// Builds a small GGUF v3 file in memory: metadata of several types and F32/F16 tensors.
func makeGGUF(tensors: [(String, [Int], GGMLType, [UInt8])], metadata: [(String, UInt32, [UInt8])], alignment: Int = 32) -> [UInt8] {
    var b: [UInt8] = []
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
    func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
    func str(_ s: String) { u64(UInt64(s.utf8.count)); b += Array(s.utf8) }
    u32(0x4655_4747); u32(3); u64(UInt64(tensors.count)); u64(UInt64(metadata.count))
    for (k, t, v) in metadata { str(k); u32(t); b += v }
    var offset = 0
    var offsets: [Int] = []
    for (_, _, _, data) in tensors {
        offsets.append(offset)
        offset += (data.count + alignment - 1) / alignment * alignment
    }
    for (i, (name, dims, type, _)) in tensors.enumerated() {
        str(name); u32(UInt32(dims.count)); for d in dims { u64(UInt64(d)) }; u32(type.rawValue); u64(UInt64(offsets[i]))
    }
    while b.count % alignment != 0 { b.append(0) }
    for (_, _, _, data) in tensors {
        b += data
        while b.count % alignment != 0 { b.append(0) }
    }
    return b
}

func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
func gstr(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

final class GGUFTests: XCTestCase {
    func testParsesHandBuiltFile() throws {
        let w: [Float] = [1, -2, 3.5, 0.25, 5, 6]   // dims [3, 2]: 2 rows of 3
        let h: [Float16] = [0.5, -1.5]
        let bytes = makeGGUF(
            tensors: [("w", [3, 2], .f32, w.flatMap { le($0.bitPattern) }),
                      ("h", [2], .f16, h.flatMap { le($0.bitPattern) })],
            metadata: [("general.architecture", 8, gstr("llama")),
                       ("llama.block_count", 4, le(UInt32(7))),
                       ("llama.rope.freq_base", 6, le(Float(10000).bitPattern)),
                       ("tokenizer.ggml.tokens", 9, le(UInt32(8)) + le(UInt64(2)) + gstr("a") + gstr("bc"))])
        let path = tempPath("hand.gguf")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let g = try GGUFFile(path: path)
        XCTAssertEqual(g.architecture, "llama")
        XCTAssertEqual(try g.metaInt("llama.block_count"), 7)
        XCTAssertEqual(try g.metaDouble("llama.rope.freq_base"), 10000)
        XCTAssertEqual(g.metadata["tokenizer.ggml.tokens"]?.strings, ["a", "bc"])
        XCTAssertEqual(g.tensorNames, ["w", "h"])
        XCTAssertEqual(try g.shape(of: "w"), [2, 3])
        XCTAssertEqual(try g.floats("w"), w)
        XCTAssertEqual(try g.floats("h"), [0.5, -1.5])
        XCTAssertThrowsError(try g.floats("missing")) { XCTAssertTrue("\($0)".contains("missing tensor missing")) }
        XCTAssertThrowsError(try g.floats("w", shape: [3, 2])) { XCTAssertTrue("\($0)".contains("tensor w: shape [2, 3]")) }
    }

    func testTruncatedAndCorruptFilesGiveClearErrors() throws {
        let bytes = makeGGUF(tensors: [("w", [64], .f32, [UInt8](repeating: 0, count: 256))],
                             metadata: [("general.architecture", 8, gstr("llama"))])
        let cut = tempPath("cut.gguf")
        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: cut))
        XCTAssertThrowsError(try GGUFFile(path: cut)) { e in
            XCTAssertTrue("\(e)".contains(cut) && "\(e)".contains("tensor w") && "\(e)".contains("truncated"), "\(e)")
        }
        let header = tempPath("header.gguf")
        try Data(bytes.prefix(30)).write(to: URL(fileURLWithPath: header))
        XCTAssertThrowsError(try GGUFFile(path: header)) { XCTAssertTrue("\($0)".contains("truncated file"), "\($0)") }
        let junk = tempPath("junk.gguf")
        try Data("hello world, not a model".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try GGUFFile(path: junk)) { XCTAssertTrue("\($0)".contains("not a GGUF file"), "\($0)") }
        var unknown = makeGGUF(tensors: [("w", [4], .f32, [UInt8](repeating: 0, count: 16))], metadata: [])
        // Patch the tensor type (after name, n_dims, one dim) to an unknown id.
        let typeOffset = 24 + 8 + 1 + 4 + 8
        unknown.replaceSubrange(typeOffset..<typeOffset + 4, with: le(UInt32(99)))
        let unk = tempPath("unknown.gguf")
        try Data(unknown).write(to: URL(fileURLWithPath: unk))
        XCTAssertThrowsError(try GGUFFile(path: unk)) { XCTAssertTrue("\($0)".contains("unknown GGML type 99"), "\($0)") }
    }

    func testDefaultModelsParse() throws {
        let dir = TestPaths.models
        for (file, arch) in [("SmolLM2-135M-Instruct.Q4_1.gguf", "llama"), ("gemma-3-270m-q4_k_m.gguf", "gemma3"),
                             ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2")] {
            let path = dir + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) not fetched (make models)") }
            let g = try GGUFFile(path: path)
            XCTAssertEqual(g.architecture, arch)
            XCTAssertNotNil(g.metadata["tokenizer.ggml.tokens"]?.array)
            XCTAssertTrue(g.tensors.count > 20)
        }
    }
}
