import TestSupport
import Foundation
import XCTest

/// scripts/content-stamp.sh: the Makefile depends on a raw dataset's content, not its mtime.
final class ContentStampTests: XCTestCase {
    func stamp(_ src: String, _ out: String) throws -> String {
        let r = try Stages.runExecutable(TestPaths.packageRoot.appendingPathComponent("scripts/content-stamp.sh"), [src, out])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func mtime(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    func testStampFollowsContentNotTime() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = dir + "/data.tsv", st = dir + "/inputs/data.sha256"
        // No source yet: make must depend on the source itself (its rule links the data).
        XCTAssertEqual(try stamp(src, st), src)
        XCTAssertFalse(FileManager.default.fileExists(atPath: st))

        try "a\tb\n".write(toFile: src, atomically: false, encoding: .utf8)
        let old = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: src)
        XCTAssertEqual(try stamp(src, st), st)
        // A new stamp takes the source's time, so adding stamps to a finished run redoes nothing.
        XCTAssertEqual(try mtime(st), old)
        let sum = try String(contentsOfFile: st, encoding: .utf8)
        XCTAssertEqual(sum, "5dd1197866f479824d9b483e1b7ae9ad3e518f3b4fd447c6b92d127dda6178c5\n")   // sha256sum of "a\tb\n"

        // Same bytes written again (a new mtime): the stamp is left alone.
        try "a\tb\n".write(toFile: src, atomically: false, encoding: .utf8)
        XCTAssertEqual(try stamp(src, st), st)
        XCTAssertEqual(try mtime(st), old)
        XCTAssertEqual(try String(contentsOfFile: st, encoding: .utf8), sum)

        // Other bytes: the stamp is rewritten now, so everything after it is out of date.
        try "a\tc\n".write(toFile: src, atomically: false, encoding: .utf8)
        XCTAssertEqual(try stamp(src, st), st)
        XCTAssertGreaterThan(try mtime(st), old)
        XCTAssertNotEqual(try String(contentsOfFile: st, encoding: .utf8), sum)
    }

    /// The size and time of a checked file are remembered (STAMP.seen) so that it is not hashed again,
    /// but not for a file written within the last 2 s, which could change again unseen.
    func testRemembersCheckedFilesButNotRacyOnes() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = dir + "/config.yaml", st = dir + "/inputs/config.sha256"
        try "lr: 1\n".write(toFile: src, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: src)
        XCTAssertEqual(try stamp(src, st), st)
        let seen = try String(contentsOfFile: st + ".seen", encoding: .utf8)
        XCTAssertTrue(seen.hasPrefix("6 1700000000."), seen)
        // Rewritten just now with other bytes of the same size: hashed (the time differs), and racy.
        try "lr: 2\n".write(toFile: src, atomically: false, encoding: .utf8)
        XCTAssertEqual(try stamp(src, st), st)
        XCTAssertFalse(FileManager.default.fileExists(atPath: st + ".seen"), "a file written in the last 2 s is not remembered")
        try "lr: 3\n".write(toFile: src, atomically: false, encoding: .utf8)
        let before = try String(contentsOfFile: st, encoding: .utf8)
        XCTAssertEqual(try stamp(src, st), st)
        XCTAssertNotEqual(try String(contentsOfFile: st, encoding: .utf8), before, "a change within the clock's granularity is still seen")
    }
}
