import TestSupport
import XCTest
import ModelIO
import Foundation

// Cross-checks the decoder against gguf-py's reference `gguf.quants.dequantize`, an independent
// implementation. Fixtures are made by Fixtures/make_dequant_fixtures.py and hold expected
// float32 bit patterns: the comparison is bit-exact.

func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
}

func loadJSONArray(_ name: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: fixtureURL(name))
    guard let arr = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw ModelFileError(path: name, message: "fixture is not a JSON array of objects")
    }
    return arr
}

func hexBytes(_ s: String) -> [UInt8] {
    let u = Array(s.utf8)
    func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
    return stride(from: 0, to: u.count, by: 2).map { v(u[$0]) << 4 | v(u[$0 + 1]) }
}

let typesByName: [String: GGMLType] = [
    "F32": .f32, "F16": .f16, "BF16": .bf16, "Q4_0": .q4_0, "Q4_1": .q4_1, "Q5_0": .q5_0, "Q5_1": .q5_1,
    "Q8_0": .q8_0, "Q2_K": .q2_K, "Q3_K": .q3_K, "Q4_K": .q4_K, "Q5_K": .q5_K, "Q6_K": .q6_K,
]

final class DequantizeFixtureTests: XCTestCase {
    func testRandomBlocksMatchGGUFPy() throws {
        let cases = try loadJSONArray("dequant_random.json")
        var covered: Set<String> = []
        for c in cases {
            let name = c["type"] as! String
            let type = try XCTUnwrap(typesByName[name], name)
            let count = c["count"] as! Int
            let expected = (c["expected_bits"] as! [NSNumber]).map { Float(bitPattern: $0.uint32Value) }
            let y = try deq(type, hexBytes(c["bytes_hex"] as! String), count: count)
            var mismatches = 0
            for i in 0..<count where y[i].bitPattern != expected[i].bitPattern {
                if mismatches < 5 { XCTFail("\(name) element \(i): \(y[i]) vs gguf-py \(expected[i])") }
                mismatches += 1
            }
            XCTAssertEqual(mismatches, 0, name)
            covered.insert(name)
        }
        XCTAssertEqual(covered, Set(typesByName.keys).subtracting(["F32"]))
    }

    /// One tensor of every type in each default model, compared at ~240 positions.
    func testDefaultModelTensorsMatchGGUFPy() throws {
        let cases = try loadJSONArray("dequant_models.json")
        var files: [String: GGUFFile] = [:]
        for c in cases {
            let file = c["file"] as! String, tensor = c["tensor"] as! String
            let path = TestPaths.models + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("model \(path) not present") }
            if files[file] == nil { files[file] = try GGUFFile(path: path) }
            let g = files[file]!
            XCTAssertEqual("\(try g.info(tensor).type)".uppercased(), (c["type"] as! String).uppercased())
            let y = try g.floats(tensor)
            XCTAssertEqual(y.count, c["count"] as! Int)
            let idx = (c["indices"] as! [NSNumber]).map(\.intValue)
            let bits = (c["expected_bits"] as! [NSNumber]).map(\.uint32Value)
            for (i, b) in zip(idx, bits) where y[i].bitPattern != b {
                XCTFail("\(file) \(tensor) element \(i): \(y[i]) vs gguf-py \(Float(bitPattern: b))")
                break
            }
        }
    }

    /// Load time of each default model: every tensor dequantised (printed for the record).
    func testDefaultModelLoadTimes() throws {
        for file in ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"] {
            let path = TestPaths.models + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("model \(path) not present") }
            let start = Date()
            let g = try GGUFFile(path: path)
            var elements = 0
            var checksum: Double = 0
            for name in g.tensorNames {
                let y = try g.floats(name)
                elements += y.count
                checksum += Double(y[y.count / 2])
            }
            let dt = Date().timeIntervalSince(start)
            print(String(format: "load %@: %d tensors, %.1f M elements, %.0f MB file, %.2f s (%.0f MB/s of file), checksum %.4f",
                         file, g.tensorNames.count, Double(elements) / 1e6, Double(g.file.count) / 1e6, dt,
                         Double(g.file.count) / 1e6 / dt, checksum))
            XCTAssertTrue(checksum.isFinite)
        }
    }
}
