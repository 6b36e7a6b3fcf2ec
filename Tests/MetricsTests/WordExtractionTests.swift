import XCTest
import Metrics
import Numerics

/// Expected words come from Python 3: `s = re.sub(r"[^\w\s]", "", t); p = s.split();
/// p[0].lower() if p else None`.
final class WordExtractionTests: XCTestCase {
    func testMatchesPythonRegexSemantics() {
        let cases: [(String, String?)] = [
            ("Hello world", "hello"), (" there", "there"), ("...", nil), ("don't stop", "dont"),
            ("well-being is", "wellbeing"), ("\nnewline first", "newline"), ("café au lait", "café"),
            ("cafe\u{301} x", "cafe"), ("", nil), ("   ", nil), ("ÉCOLE normale", "école"),
            ("_under score", "_under"), ("2nd place", "2nd"), ("½ cup", "½"), ("x² y", "x²"),
            ("Ⅻ kings", "ⅻ"), ("İstanbul", "i̇stanbul"), ("ΣΟΦΙΑ", "σοφια"), ("\u{a0}nbsp lead", "nbsp"),
            ("a\u{200b}b c", "ab"), ("—dash", "dash"), ("’quote’s", "quotes"), ("U.S. army", "us"),
            ("\t\ttabbed", "tabbed"), ("日本語 text", "日本語"), ("emoji 😀 face", "emoji"), ("😀 face", "face"),
            ("Straße", "straße"), ("٣٤ arabic", "٣٤"), ("x\u{3000}y", "x"), (", the", "the"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(extractWord(sample: text), expected, "input \(text.debugDescription)")
        }
    }

    func testContextPrefixIsRemoved() {
        let ctx = "There are now rumblings that"
        XCTAssertEqual(extractWord(sample: ctx + " Apple might", context: ctx), "apple")
        XCTAssertEqual(extractWord(sample: ctx + "\n\nApple", context: ctx), "apple")
        XCTAssertEqual(extractWord(sample: ctx + "...", context: ctx), nil)
        // Without the prefix the whole text counts (first word of the sample itself).
        XCTAssertEqual(extractWord(sample: "Something else", context: ctx), "something")
        XCTAssertEqual(extractWord(sample: ctx, context: ctx), nil)
    }

    func testRemovePunctuation() {
        XCTAssertEqual(removePunctuation("a-b, c's (d)!\n"), "ab cs d\n")
    }

    func testFirstWordIsComplete() {
        XCTAssertFalse(firstWordIsComplete(""))
        XCTAssertFalse(firstWordIsComplete("   "))
        XCTAssertFalse(firstWordIsComplete(" the"))
        XCTAssertTrue(firstWordIsComplete(" the "))
        XCTAssertTrue(firstWordIsComplete(" the\ncat"))
        XCTAssertFalse(firstWordIsComplete(" ... \"")) // punctuation only: no word yet
        XCTAssertFalse(firstWordIsComplete(" don'"))    // "don't" may still follow
        XCTAssertTrue(firstWordIsComplete("U.S. "))
        XCTAssertTrue(firstWordIsComplete("caf\u{E9}\u{A0}")) // NBSP is Python whitespace
    }

    /// The property early stopping relies on: once a prefix's first word is complete, no
    /// continuation changes the extracted word.
    func testCompletedFirstWordIsStableUnderAppending() {
        let pieces = [" ", "a", "b", ".", "'", "\n", "\u{E9}", "-", "1", "\u{301}", "\u{3000}", "\u{FFFD}"]
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<3000 {
            let s = (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let tail = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            if firstWordIsComplete(s) {
                XCTAssertEqual(extractWord(sample: s + tail), extractWord(sample: s), "prefix \(s.debugDescription)")
                XCTAssertNotNil(extractWord(sample: s))
            }
        }
    }
}

