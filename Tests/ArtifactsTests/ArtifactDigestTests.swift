import Artifacts
import Foundation
import XCTest

final class ArtifactDigestTests: TempDirTestCase {
    /// A small artifact like a split: provenance on the root, a group, numbers and strings.
    private func write(_ path: String, codeVersion: String = "aaaa111", output: String = "/a/splits.h5", answers: [Int32] = [3, 1, 2],
                       texts: [String] = ["The cat", "sat on"], seed: Int = 42, unit: String = "count") throws {
        let p = Provenance(stage: "prepare-splits", commandLine: ["prepare-splits", "provo", "--output", output], configText: "seed: 42\n",
                           inputHashes: ["norms.tsv": String(repeating: "0", count: 64)], codeVersion: codeVersion, seed: seed)
        try ArtifactWriter.write(to: path) { w in
            var p = p
            p.compute = "OpenBLAS threads \(codeVersion.count)"
            try p.write(to: w)
            try w.createGroup("test")
            try w.write(answers, shape: [3], at: "test/answers")
            try w.setAttribute("unit", .string(unit), on: "test/answers")
            try w.writeStrings(texts, at: "test/contexts")
            try w.write([Float(0.25), 0.75], shape: [1, 2], at: "weights")
        }
    }

    func testSameContentGivesTheSameDigestHoweverItWasMade() throws {
        try write(file("a.h5"), codeVersion: "aaaa111")
        try write(file("b.h5"), codeVersion: "bbbb222-dirty", output: "/b/splits.h5")
        XCTAssertNotEqual(try bytes(file("a.h5")), try bytes(file("b.h5")), "the files' bytes differ")
        let a = try ArtifactDigest.content(ofFile: file("a.h5"))
        XCTAssertEqual(a.count, 64)
        XCTAssertEqual(a, try ArtifactDigest.content(ofFile: file("b.h5")))
        // Counting how they were made, they differ.
        XCTAssertNotEqual(try ArtifactDigest.content(ofFile: file("a.h5"), ignoringAttributes: []),
                          try ArtifactDigest.content(ofFile: file("b.h5"), ignoringAttributes: []))
    }

    func testAnyChangedValueOrAttributeChangesTheDigest() throws {
        try write(file("ref.h5"))
        let ref = try ArtifactDigest.content(ofFile: file("ref.h5"))
        try write(file("1.h5"), answers: [3, 1, 4])
        try write(file("2.h5"), texts: ["The cat", "sat in"])
        try write(file("3.h5"), seed: 43)
        try write(file("4.h5"), unit: "share")
        // Moving a boundary between two strings is a change too (strings are length-prefixed).
        try write(file("5.h5"), texts: ["The ca", "tsat on"])
        // Provenance's names count off the root: an attribute "compute" on a dataset is data.
        try ArtifactWriter.write(to: file("6.h5")) { w in
            try w.write([Float(1)], shape: [1], at: "x")
            try w.setAttribute("compute", .string("a"), on: "x")
        }
        try ArtifactWriter.write(to: file("7.h5")) { w in
            try w.write([Float(1)], shape: [1], at: "x")
            try w.setAttribute("compute", .string("b"), on: "x")
        }
        XCTAssertNotEqual(try ArtifactDigest.content(ofFile: file("6.h5")), try ArtifactDigest.content(ofFile: file("7.h5")))
        let digests = try (1...5).map { try ArtifactDigest.content(ofFile: file("\($0).h5")) }
        for (i, d) in digests.enumerated() { XCTAssertNotEqual(d, ref, "change \(i + 1) not seen") }
        XCTAssertEqual(Set(digests).count, 5)
    }

    func testACorruptFileIsAnErrorNamingIt() throws {
        try write(file("ok.h5"))
        let b = try bytes(file("ok.h5"))
        try Data(b.prefix(b.count / 3)).write(to: URL(fileURLWithPath: file("cut.h5")))
        assertThrows([file("cut.h5")]) { _ = try ArtifactDigest.content(ofFile: file("cut.h5")) }
    }
}
