import XCTest
import Metrics

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
}
