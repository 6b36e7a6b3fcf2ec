import XCTest
import ModelIO
import Foundation

/// Builds safetensors bytes by hand (independently of SafetensorsWriter): `header` is the
/// JSON text, `data` the tensor bytes.
func rawSafetensors(header: String, data: [UInt8]) -> [UInt8] {
    let h = Array(header.utf8)
    return le(UInt64(h.count)) + h + data
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func assertThrows(_ body: @autoclosure () throws -> Any, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { e in
        XCTAssertTrue(e is ModelFileError, "\(type(of: e)): \(e)", file: file, line: line)
        for p in parts { XCTAssertTrue("\(e)".contains(p), "error '\(e)' lacks '\(p)'", file: file, line: line) }
    }
}

final class SafetensorsTests: XCTestCase {
    func testReadsHandBuiltFile() throws {
        let w: [Float] = [1, -2, 3.5, 0.25, 5, 6]
        let h: [Float16] = [0.5, -1.5]
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#
            + #""h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"b":{"dtype":"BF16","shape":[1,1],"data_offsets":[28,30]},"#
            + #""ids":{"dtype":"I64","shape":[2],"data_offsets":[30,46]}}"#
        let data = w.flatMap { le($0.bitPattern) } + h.flatMap { le($0.bitPattern) } + le(UInt16(0xC0A0)) + le(Int64(3)) + le(Int64(4))
        let path = tempPath("hand.safetensors")
        try writeBytes(rawSafetensors(header: header, data: data), path)
        let st = try SafetensorsFile(path: path)
        XCTAssertEqual(st.metadata, ["format": "pt"])
        XCTAssertEqual(st.tensorNames, ["w", "h", "b", "ids"])
        XCTAssertEqual(try st.shape(of: "w"), [2, 3])
        XCTAssertEqual(try st.floats("w"), w)
        XCTAssertEqual(try st.floats("w", shape: [2, 3]), w)
        XCTAssertEqual(try st.floats("h"), [0.5, -1.5])
        XCTAssertEqual(try st.floats("b"), [-5])   // 0xC0A0 is the top half of -5.0f
        assertThrows(try st.floats("ids"), contains: [path, "tensor ids", "I64"])
        assertThrows(try st.floats("nope"), contains: [path, "missing tensor nope"])
        assertThrows(try st.floats("w", shape: [3, 2]), contains: ["tensor w", "[2, 3]"])
    }

    func testRejectsBadFiles() throws {
        let good = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let data = [Float(1), 2].flatMap { le($0.bitPattern) }
        let cases: [(String, [UInt8], [String])] = [
            ("short", [1, 2, 3], ["truncated", "8"]),
            ("headerlen", le(UInt64(1000)) + Array("{}".utf8), ["header length 1000"]),
            ("badjson", rawSafetensors(header: #"{"w":{"dtype":"F32",}"#, data: data), ["bad JSON header"]),
            ("notobject", rawSafetensors(header: "[1,2]", data: data), ["not an object"]),
            ("truncated", Array(rawSafetensors(header: good, data: data).dropLast(3)), ["tensor w", "beyond the end", "truncated"]),
            ("offsets", rawSafetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: data), ["tensor w", "beyond"]),
            ("mismatch", rawSafetensors(header: #"{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}"#, data: data), ["tensor w", "F16", "needs 6 bytes", "give 8"]),
            ("dtype", rawSafetensors(header: #"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, data: data), ["tensor w", "unknown dtype Q4"]),
            ("noshape", rawSafetensors(header: #"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: data), ["tensor w", "shape"]),
            ("fraction", rawSafetensors(header: #"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, data: data), ["tensor w", "invalid shape"]),
            ("overlap", rawSafetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: data), ["tensor v", "overlaps tensor w"]),
            ("reversed", rawSafetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: data), ["tensor w", "data_offsets"]),
        ]
        for (name, bytes, parts) in cases {
            let path = tempPath("bad-\(name).safetensors")
            try writeBytes(bytes, path)
            assertThrows(try SafetensorsFile(path: path), contains: [path] + parts)
        }
    }

    /// A writer killed mid-write leaves `<path>.tmp-<pid>`; the next write of that path removes it,
    /// but not the temp file of a writer that still runs.
    func testWriteRemovesTempsOfKilledWritersOnly() throws {
        let path = tempPath("w.safetensors")
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run(); gone.waitUntilExit()
        let killed = path + ".tmp-\(gone.processIdentifier)", running = path + ".tmp-1", other = path + ".tmp-notapid"
        for f in [killed, running, other] { try writeBytes([1, 2, 3], f) }
        try SafetensorsWriter.write([.init(name: "a", shape: [1], values: [1])], to: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed), "a killed writer's temp file")
        XCTAssertTrue(FileManager.default.fileExists(atPath: running), "pid 1 runs")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other), "not a writer's temp file")
        XCTAssertEqual(try SafetensorsFile(path: path).shape(of: "a"), [1])
    }

    func testBFloat16Rounding() {
        // Round to nearest even on the dropped 16 bits.
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(1), 0x3F80)
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F80_8000)), 0x3F80)   // tie, even stays
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F81_8000)), 0x3F82)   // tie, odd rounds up
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F80_8001)), 0x3F81)   // above half
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(-5), 0xC0A0)
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(.greatestFiniteMagnitude), 0x7F80)          // overflows to +inf
        XCTAssertTrue(Float(bitPattern: UInt32(SafetensorsWriter.bfloat16Bits(.nan)) << 16).isNaN)
    }

    func testWriterExactBytesAndRoundTrip() throws {
        let path = tempPath("written.safetensors")
        let x: [Float] = [1, -2.5, 1e-3, 65519, 3.14159, -0.0]
        try SafetensorsWriter.write([
            .init(name: "z.f32", shape: [2, 3], dtype: .f32, values: x),
            .init(name: "a.f16", shape: [6], dtype: .f16, values: x),
            .init(name: "m.bf16", shape: [3, 2], dtype: .bf16, values: x),
        ], metadata: ["format": "pt", "note": "a \"quoted\"\nline"], to: path)
        let st = try SafetensorsFile(path: path)
        XCTAssertEqual(st.metadata, ["format": "pt", "note": "a \"quoted\"\nline"])
        XCTAssertEqual(st.tensorNames, ["z.f32", "m.bf16", "a.f16"])   // stored widest dtype first, then by name
        XCTAssertEqual(try st.floats("z.f32"), x)
        XCTAssertEqual(try st.floats("a.f16"), x.map { Float(Float16($0)) })
        XCTAssertEqual(try st.floats("m.bf16"), x.map { Float(bitPattern: UInt32(SafetensorsWriter.bfloat16Bits($0)) << 16) })
        XCTAssertEqual(try st.shape(of: "m.bf16"), [3, 2])
        XCTAssertEqual((8 + Int(st.file.base.loadUnaligned(as: UInt64.self))) % 8, 0, "data start is 8-aligned")

        // The exact bytes of a one-tensor file, stated by hand; insertion order does not matter.
        let tiny = tempPath("tiny.safetensors"), tiny2 = tempPath("tiny2.safetensors")
        try SafetensorsWriter.write([.init(name: "b", shape: [1], values: [2]), .init(name: "a", shape: [2], values: [1, -1])], to: tiny)
        try SafetensorsWriter.write([.init(name: "a", shape: [2], values: [1, -1]), .init(name: "b", shape: [1], values: [2])], to: tiny2)
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        let expected = le(UInt64(h.count)) + h + [Float(1), -1, 2].flatMap { le($0.bitPattern) }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: tiny))), expected)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: tiny2))), expected)

        // Byte-identical to files written by the reference `safetensors` package (Fixtures/make_safetensors_fixtures.py).
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tiny)), try Data(contentsOf: fixtureURL("safetensors_ref_tiny.safetensors")))
        let mixed = tempPath("mixed.safetensors")
        try SafetensorsWriter.write([.init(name: "a.f16", shape: [6], dtype: .f16, values: x),
                                     .init(name: "z.f32", shape: [2, 3], values: x),
                                     .init(name: "b.f32", shape: [1], values: [7])],
                                    metadata: ["note": "a \"quoted\"\nline"], to: mixed)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: mixed)), try Data(contentsOf: fixtureURL("safetensors_ref_mixed.safetensors")))

        assertThrows(try SafetensorsWriter.write([.init(name: "a", shape: [3], values: [1, 2])], to: tempPath("bad.safetensors")),
                     contains: ["tensor a", "[3]", "2 values"])
        assertThrows(try SafetensorsWriter.write([.init(name: "a", shape: [1], values: [1]), .init(name: "a", shape: [1], values: [2])],
                                                 to: tempPath("dup.safetensors")), contains: ["duplicate tensor a"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: tempPath("bad.safetensors")))
    }
}
