import Artifacts
import Foundation
import XCTest

final class ArtifactRoundTripTests: TempDirTestCase {
    func testEveryDTypeShapeStringsAndAttributesRoundTrip() throws {
        let path = file("all.h5")
        let f32: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }
        let f64: [Double] = [1e-300, -2.5, .pi, 1e300]
        let i32: [Int32] = [Int32.min, -1, 0, Int32.max]
        let i64: [Int64] = [Int64.min + 1]
        let u8: [UInt8] = [0, 7, 255]
        let words = ["the", "naïve café", "", "日本語", "emoji 🎉"]
        try ArtifactWriter.write(to: path) { w in
            try w.write(f32, shape: [2, 3, 4], at: "case_0/logits")
            try w.write(f64, shape: [4], at: "case_0/probs")
            try w.write(i32, shape: [2, 2], at: "case_1/deep/ids")
            try w.write(i64, shape: [], at: "scalar_i64")
            try w.write(u8, shape: [3, 1], at: "mask")
            try w.write([Float](), shape: [0, 5], at: "empty")
            try w.writeStrings(words, at: "case_0/words")
            try w.writeStrings(["a", "b", "c", "d"], shape: [2, 2], at: "grid")
            try w.createGroup("empty_group/inner")
            try w.setAttribute("title", .string("ünïcode title"))
            try w.setAttribute("tags", .strings(["x", "y"]))
            try w.setAttribute("no_tags", .strings([]))
            try w.setAttribute("n", .int(-42))
            try w.setAttribute("ns", .ints([1, 2, Int.max]))
            try w.setAttribute("lr", .double(3e-4))
            try w.setAttribute("lrs", .doubles([0.1, -0.2]))
            try w.setAttribute("kind", .string("logits"), on: "case_0/logits")
            try w.setAttribute("n_cases", .int(2), on: "case_1")
        }
        XCTAssertEqual(try listing(), ["all.h5"], "no temp file left after commit")

        let r = try ArtifactReader(path: path)
        XCTAssertEqual(try r.groups(), ["case_0", "case_1", "empty_group"])
        XCTAssertEqual(try r.datasets(), ["empty", "grid", "mask", "scalar_i64"])
        XCTAssertEqual(try r.datasets(in: "case_0"), ["logits", "probs", "words"])
        XCTAssertEqual(try r.groups(in: "empty_group"), ["inner"])
        XCTAssertEqual(try r.kind(of: "case_1/deep"), .group)
        XCTAssertEqual(try r.kind(of: "/case_1/deep/ids"), .dataset)
        XCTAssertTrue(r.contains("case_1/deep/ids"))
        XCTAssertFalse(r.contains("case_1/nope/ids"))

        let a = try r.read(Float.self, "case_0/logits")
        XCTAssertEqual(a.values, f32)
        XCTAssertEqual(a.shape, [2, 3, 4])
        XCTAssertEqual(try r.read(Double.self, "case_0/probs").values, f64)
        XCTAssertEqual(try r.read(Int32.self, "case_1/deep/ids", shape: [2, nil]).values, i32)
        let s = try r.read(Int64.self, "scalar_i64")
        XCTAssertEqual(s.values, i64)
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(try r.read(UInt8.self, "mask").shape, [3, 1])
        XCTAssertEqual(try r.read(UInt8.self, "mask").values, u8)
        XCTAssertEqual(try r.read(Int32.self, "case_1/deep/ids", rows: 1..<2).values, [0, Int32.max])
        assertThrows(["scalar_i64", "found a scalar"]) { _ = try r.read(Int64.self, "scalar_i64", rows: 0..<1) }
        let e = try r.read(Float.self, "empty")
        XCTAssertEqual(e.values, [])
        XCTAssertEqual(e.shape, [0, 5])
        XCTAssertEqual(try r.readStrings("case_0/words"), words)
        XCTAssertEqual(try r.readStrings("grid"), ["a", "b", "c", "d"])
        XCTAssertEqual(try r.shape(of: "grid"), [2, 2])
        XCTAssertEqual(try r.dtype(of: "case_0/words"), .string)
        XCTAssertEqual(try r.dtype(of: "mask"), .uint8)

        XCTAssertEqual(try r.attributeNames(), ["lr", "lrs", "n", "no_tags", "ns", "tags", "title"])
        XCTAssertEqual(try r.stringAttribute("title"), "ünïcode title")
        XCTAssertEqual(try r.stringArrayAttribute("tags"), ["x", "y"])
        XCTAssertEqual(try r.stringArrayAttribute("no_tags"), [])
        XCTAssertEqual(try r.intAttribute("n"), -42)
        XCTAssertEqual(try r.intArrayAttribute("ns"), [1, 2, Int.max])
        XCTAssertEqual(try r.doubleAttribute("lr"), 3e-4)
        XCTAssertEqual(try r.doubleArrayAttribute("lrs"), [0.1, -0.2])
        XCTAssertEqual(try r.stringAttribute("kind", on: "case_0/logits"), "logits")
        XCTAssertEqual(try r.attribute("n_cases", on: "/case_1"), .int(2))
    }

    func testLargeDatasetIsChunkedCompressedAndExact() throws {
        let path = file("big.h5")
        // Highly compressible but not constant: 400 x 1000 floats = 1.6 MB raw.
        let rows = 400, cols = 1000
        var x = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows { for j in 0..<cols { x[i * cols + j] = Float(j % 17) + Float(i) * 0.25 } }
        try ArtifactWriter.write(to: path) { w in try w.write(x, shape: [rows, cols], at: "x") }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertLessThan(size, rows * cols * 4 / 4, "gzip should shrink this data well below raw size")
        let r = try ArtifactReader(path: path)
        let back = try r.read(Float.self, "x", shape: [rows, cols])
        XCTAssertEqual(back.values, x)

        // Row ranges read only part of a (chunked) dataset.
        let part = try r.read(Float.self, "x", rows: 397..<400)
        XCTAssertEqual(part.shape, [3, cols])
        XCTAssertEqual(part.values, Array(x[(397 * cols)...]))
        XCTAssertEqual(try r.read(Float.self, "x", rows: 5..<5).shape, [0, cols])
        assertThrows(["dataset 'x'", "rows 399..<401 out of range", "400 rows"]) { _ = try r.read(Float.self, "x", rows: 399..<401) }

        // Swift Int is stored as int64 and reads back as either.
        let ints = Array(0..<50_000).map { $0 * 3 - 7 }
        let intPath = file("ints.h5")
        try ArtifactWriter.write(to: intPath) { w in
            try w.write(ints, shape: [ints.count], at: "ints")
            try w.write(x, shape: [rows, cols], at: "x_raw", compress: false)
        }
        let ir = try ArtifactReader(path: intPath)
        XCTAssertEqual(try ir.read(Int.self, "ints").values, ints)
        XCTAssertEqual(try ir.read(Int64.self, "ints").values, ints.map { Int64($0) })
        XCTAssertEqual(try ir.dtype(of: "ints"), .int64)
        XCTAssertEqual(try ir.read(Float.self, "x_raw").values, x)
        let intSize = try FileManager.default.attributesOfItem(atPath: intPath)[.size] as! Int
        XCTAssertGreaterThan(intSize, rows * cols * 4, "per-dataset compress: false stores raw")

        // Same data without compression is stored raw.
        let raw = file("raw.h5")
        try ArtifactWriter.write(to: raw, compression: false) { w in try w.write(x, shape: [rows, cols], at: "x") }
        let rawSize = try FileManager.default.attributesOfItem(atPath: raw)[.size] as! Int
        XCTAssertGreaterThanOrEqual(rawSize, rows * cols * 4)
        XCTAssertEqual(try ArtifactReader(path: raw).read(Float.self, "x").values, x)
    }

    func testChunkShapeHalvesLargestDimensionDeterministically() {
        // 400*1000*4 = 1.6 MB > 1 MiB: halve the 1000 axis once.
        XCTAssertEqual(ArtifactWriter.chunkShape([400, 1000], elementBytes: 4, maxBytes: 1 << 20), [400, 500])
        XCTAssertEqual(ArtifactWriter.chunkShape([10], elementBytes: 4, maxBytes: 1 << 20), [10])
        XCTAssertEqual(ArtifactWriter.chunkShape([3, 1_000_001], elementBytes: 8, maxBytes: 1024), [3, 31])  // 1000001 halved 15 times (rounding up) to 31; 3*31*8 <= 1024
    }

    func testWritingTwiceWithSameInputsIsBitIdentical() throws {
        let prov = Provenance(stage: "infer", commandLine: ["infer", "--seed", "7"], configText: "a: 1\n",
                              inputHashes: ["data/x.csv": String(repeating: "ab", count: 32)],
                              codeVersion: "deadbeef", seed: 7, createdAt: "2026-01-02T03:04:05Z")
        var big = [Float](repeating: 0, count: 300_000)
        for i in big.indices { big[i] = Float(i % 1013) * 0.001 }
        func make(_ p: String) throws {
            try ArtifactWriter.write(to: p) { w in
                try prov.write(to: w)
                try w.write(big, shape: [300, 1000], at: "case_0/big")
                try w.write([Int32(1), 2, 3], shape: [3], at: "case_0/ids")
                try w.writeStrings(["x", "yy"], at: "case_1/words")
                try w.setAttribute("note", .string("n"), on: "case_1")
            }
        }
        try make(file("a.h5"))
        Thread.sleep(forTimeInterval: 1.1)  // any recorded timestamp would now differ
        try make(file("b.h5"))
        let a = try bytes(file("a.h5")), b = try bytes(file("b.h5"))
        XCTAssertEqual(a.count, b.count)
        XCTAssertTrue(a == b, "same inputs must give bit-identical files")
    }

    /// Smoke test of use from many threads (Debian's HDF5 is itself thread-safe, so this
    /// mainly guards distlab's own shared state, e.g. temp-file naming).
    func testConcurrentUseFromManyThreads() throws {
        let x = (0..<100_000).map { Float($0) }
        let paths = (0..<8).map { file("c\($0).h5") }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            try! ArtifactWriter.write(to: paths[i]) { w in try w.write(x, shape: [100, 1000], at: "g/x") }
        }
        let ok = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 16)
        defer { ok.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let r = try? ArtifactReader(path: paths[i % 8])
            ok[i] = (try? r?.read(Float.self, "g/x").values) == x
        }
        XCTAssertTrue(ok.allSatisfy { $0 })
    }

    func testDTypeClassificationOfNumpyNames() throws {
        let path = file("t.h5")
        try ArtifactWriter.write(to: path) { w in try w.write([Double(1)], shape: [1], at: "d") }
        XCTAssertEqual(try ArtifactReader(path: path).dtype(of: "d").description, "float64")
    }
}
