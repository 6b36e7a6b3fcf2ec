import Artifacts
import Foundation
import XCTest

final class ArtifactFailureTests: TempDirTestCase {
    struct Boom: Error {}

    private func writeSample(_ path: String) throws {
        try ArtifactWriter.write(to: path) { w in
            try w.write([Float](repeating: 1.5, count: 12), shape: [3, 4], at: "case_0/logits")
            try w.write([Int64](0..<100_000).map { $0 * 7 }, shape: [100_000], at: "case_0/ids")
            try w.setAttribute("stage", .string("infer"))
        }
    }

    func testThrowInsideWriteLeavesNoDestinationAndNoTemp() throws {
        let path = file("out.h5")
        XCTAssertThrowsError(try ArtifactWriter.write(to: path) { w in
            try w.write([Float(1)], shape: [1], at: "x")
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try listing(), [], "neither destination nor temp file may remain")
    }

    func testFailedWriteLeavesExistingDestinationUntouched() throws {
        let path = file("out.h5")
        try writeSample(path)
        let before = try bytes(path)
        XCTAssertThrowsError(try ArtifactWriter.write(to: path) { w in
            try w.write([Float(9)], shape: [1], at: "other")
            try w.write([Float(1), 2], shape: [3], at: "bad")  // shape/value mismatch throws
        })
        XCTAssertEqual(try bytes(path), before)
        XCTAssertEqual(try listing(), ["out.h5"])
        XCTAssertEqual(try ArtifactReader(path: path).stringAttribute("stage"), "infer")
    }

    func testDroppedOrAbortedWriterLeavesNothing() throws {
        do {
            let w = try ArtifactWriter(path: file("dropped.h5"))
            try w.write([Int32(1)], shape: [1], at: "x")
            XCTAssertTrue(FileManager.default.fileExists(atPath: w.tempPath), "data goes to the temp file first")
            XCTAssertFalse(w.tempPath.hasSuffix("dropped.h5"))
        }
        let w = try ArtifactWriter(path: file("aborted.h5"))
        try w.write([Int32(1)], shape: [1], at: "x")
        w.abort()
        assertThrows(["aborted.h5", "already committed or aborted"]) { try w.write([Int32(1)], shape: [1], at: "y") }
        XCTAssertEqual(try listing(), [])
    }

    func testWriterRejectsBadCallsNamingTheDataset() throws {
        let w = try ArtifactWriter(path: file("w.h5"))
        assertThrows(["w.h5", "case_0/x", "needs 6 values, got 5"]) { try w.write([Float](repeating: 0, count: 5), shape: [2, 3], at: "case_0/x") }
        try w.write([Float(1)], shape: [1], at: "case_0/y")
        assertThrows(["case_0/y", "already exists"]) { try w.write([Float(1)], shape: [1], at: "case_0/y") }
        assertThrows(["case_0/y/z", "not a group"]) { try w.write([Float(1)], shape: [1], at: "case_0/y/z") }
        assertThrows(["a//b", "invalid object path"]) { try w.write([Float(1)], shape: [1], at: "a//b") }
        assertThrows(["negative"]) { try w.write([Float](), shape: [-1, 0], at: "neg") }
        assertThrows(["NUL"]) { try w.writeStrings(["a\u{0}b"], at: "s") }
        assertThrows(["attribute 'big'", "under 64 KiB"]) { try w.setAttribute("big", .ints(Array(0..<20_000))) }
        assertThrows(["missing", "object does not exist"]) { try w.setAttribute("a", .int(1), on: "missing") }
        w.abort()
        assertThrows(["no/such/dir/x.h5", "does not exist"]) { _ = try ArtifactWriter(path: file("no/such/dir/x.h5")) }
    }

    func testRandomBytesFileGivesClearError() throws {
        let path = file("random.h5")
        var g = SystemRandomNumberGenerator()
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &g) }
        try Data(junk).write(to: URL(fileURLWithPath: path))
        assertThrows([path, "not an HDF5 file"]) { _ = try ArtifactReader(path: path) }
    }

    func testEmptyFileGivesClearError() throws {
        let path = file("empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        assertThrows([path, "not an HDF5 file"]) { _ = try ArtifactReader(path: path) }
    }

    func testSignatureFollowedByGarbageGivesClearError() throws {
        let path = file("fake.h5")
        let sig: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        try Data(sig + [UInt8](repeating: 0xAB, count: 2000)).write(to: URL(fileURLWithPath: path))
        assertThrows([path]) { _ = try ArtifactReader(path: path) }
    }

    func testTruncatedFileGivesClearError() throws {
        let full = file("full.h5")
        try writeSample(full)
        let b = try bytes(full)
        let cut = file("cut.h5")
        try Data(b[0..<(b.count / 2)]).write(to: URL(fileURLWithPath: cut))
        // HDF5 records the file's end address in the superblock, so opening already fails.
        assertThrows([cut, "corrupt or truncated", "truncated file"]) {
            let r = try ArtifactReader(path: cut)
            _ = try r.read(Int64.self, "case_0/ids")
            _ = try r.read(Float.self, "case_0/logits")
        }
    }

    func testFlippedBytesGiveErrorNotCrash() throws {
        let full = file("full.h5")
        try writeSample(full)
        var b = try bytes(full)
        for i in stride(from: 200, to: b.count, by: 97) { b[i] ^= 0x5A }  // damage metadata and data alike
        let bad = file("flipped.h5")
        try Data(b).write(to: URL(fileURLWithPath: bad))
        assertThrows([bad]) {
            let r = try ArtifactReader(path: bad)
            _ = try r.children(of: "case_0")
            _ = try r.read(Int64.self, "case_0/ids")
            _ = try r.read(Float.self, "case_0/logits")
        }
    }

    func testMissingFileAndFolder() throws {
        assertThrows([file("nope.h5"), "does not exist"]) { _ = try ArtifactReader(path: file("nope.h5")) }
        assertThrows([dir, "folder"]) { _ = try ArtifactReader(path: dir) }
    }

    func testWrongDTypeShapeAndMissingNamesDataset() throws {
        let path = file("s.h5")
        try writeSample(path)
        let r = try ArtifactReader(path: path)
        assertThrows([path, "dataset 'case_0/logits'", "expected int64, found float32"]) { _ = try r.read(Int64.self, "case_0/logits") }
        assertThrows([path, "dataset 'case_0/ids'", "expected float64, found int64"]) { _ = try r.read(Double.self, "case_0/ids") }
        assertThrows(["case_0/ids", "expected string, found int64"]) { _ = try r.readStrings("case_0/ids") }
        assertThrows([path, "dataset 'case_0/logits'", "expected shape [3, 5], found shape [3, 4]"]) { try r.requireShape("case_0/logits", [3, 5]) }
        assertThrows(["case_0/logits", "expected rank 1 shape [?], found shape [3, 4]"]) { _ = try r.read(Float.self, "case_0/logits", shape: [nil]) }
        XCTAssertEqual(try r.requireShape("case_0/logits", [nil, 4]), [3, 4])
        assertThrows([path, "case_0/nothing", "missing"]) { _ = try r.read(Float.self, "case_0/nothing") }
        assertThrows([path, "case_9/logits", "missing"]) { _ = try r.read(Float.self, "case_9/logits") }
        assertThrows(["case_0", "expected a dataset, found a group"]) { _ = try r.read(Float.self, "case_0") }
        assertThrows(["case_0/ids", "expected a group"]) { _ = try r.children(of: "case_0/ids") }
        assertThrows([path, "attribute 'seed' on '/'", "missing attribute"]) { _ = try r.intAttribute("seed") }
        assertThrows([path, "attribute 'stage' on '/'", "expected int, found string"]) { _ = try r.intAttribute("stage") }
        r.close()
        assertThrows(["reader is closed"]) { _ = try r.shape(of: "case_0/ids") }
    }
}
