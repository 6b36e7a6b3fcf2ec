import Artifacts
import Foundation
import XCTest

final class SHA256Tests: TempDirTestCase {
    // NIST FIPS 180-2 example vectors.
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hexDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingInOddPiecesMatchesOneShot() {
        let msg = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = SHA256.hexDigest(msg)
        for piece in [1, 3, 55, 56, 63, 64, 65, 1000] {
            var s = SHA256()
            var i = 0
            while i < msg.count {
                let j = min(i + piece, msg.count)
                s.update(Array(msg[i..<j]))
                i = j
            }
            XCTAssertEqual(SHA256.hex(s.finalize()), expected, "piece size \(piece)")
        }
        // Padding boundaries: lengths around one block.
        for n in [55, 56, 57, 63, 64, 65, 119, 120] {
            let m = [UInt8](repeating: 0x61, count: n)
            var s = SHA256()
            s.update(Array(m[0..<(n / 2)]))
            s.update(Array(m[(n / 2)...]))
            XCTAssertEqual(SHA256.hex(s.finalize()), SHA256.hexDigest(m))
        }
    }

    func testFileHashMatchesSha256sumAndMissingFileNamesIt() throws {
        let path = file("data.bin")
        let content = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        try Data(content).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try SHA256.hexDigest(ofFile: path), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") {
            let (status, out) = try run("/usr/bin/sha256sum", [path])
            XCTAssertEqual(status, 0)
            XCTAssertEqual(String(out.prefix(64)), try SHA256.hexDigest(ofFile: path))
        }
        assertThrows([file("missing.bin"), "cannot open"]) { _ = try SHA256.hexDigest(ofFile: file("missing.bin")) }
    }
}
