import XCTest
import Plots

final class CSVTableTests: XCTestCase {
    func testQuotingFollowsRFC4180() {
        XCTAssertEqual(CSVTable.quote("plain"), "plain")
        XCTAssertEqual(CSVTable.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVTable.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVTable.quote("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSVTable.quote("cr\r\nlf"), "\"cr\r\nlf\"")
        XCTAssertEqual(CSVTable.quote(""), "")
    }

    func testRoundTripOfAwkwardFields() throws {
        var t = CSVTable(header: ["id", "text", "value"])
        let rows = [["1", "FT (Mul. labels)", "0.550"],
                    ["2", "comma, inside", "-1e-3"],
                    ["3", "\"quoted\" and \"\"doubled\"\"", ""],
                    ["4", "multi\nline\nfield", "x"],
                    ["5", "", ""],
                    ["6", "ünïcødé ≤ 0.5 – ok", " spaced "]]
        for r in rows { try t.append(r) }
        let text = t.render()
        let back = try CSVTable.parse(text, source: "roundtrip")
        XCTAssertEqual(back.header, t.header)
        XCTAssertEqual(back.rows, rows)
        // Records start on the right physical lines: the multi-line field spans lines 5-7.
        XCTAssertEqual(back.lines, [2, 3, 4, 5, 8, 9])
        XCTAssertEqual(back.render(), text, "render(parse(x)) == x")
    }

    func testFileRoundTripOfNumbers() throws {
        let dir = NSTemporaryDirectory() + "plots-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cells = [NumberCell(paper: "B", table: "1", row: "FT (Mul. labels)", column: "GPT-2", value: 0.55, sd: 0.003, note: "a, \"quoted\" note"),
                     NumberCell(paper: "A", table: "1", row: "BERT", column: "GoEmotions/NLL", value: 2.72)]
        let path = dir + "/paperZ.csv"
        try PublishedTable(cells: cells).csv(digits: 3).write(to: path)
        let back = try PublishedTable.load(path: path)
        XCTAssertEqual(back.cells, cells)
        XCTAssertThrowsError(try PublishedTable.load(path: dir + "/absent.csv")) {
            XCTAssertEqual("\($0)", "\(dir)/absent.csv: cannot read file")
        }
    }

    func testCRLFInputAndMissingFinalNewline() throws {
        let t = try CSVTable.parse("a,b\r\n1,2\r\n3,\"x\r\ny\"", source: "crlf")
        XCTAssertEqual(t.rows, [["1", "2"], ["3", "x\r\ny"]])
    }

    func testAppendRejectsWrongWidth() {
        var t = CSVTable(header: ["a", "b"])
        XCTAssertThrowsError(try t.append(["1"]))
    }

    func testParseErrorsNameSourceAndLine() {
        func message(_ text: String) -> String {
            do { _ = try CSVTable.parse(text, source: "f.csv"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("a,b\n1,2\n1,2,3\n"), "f.csv:3: 3 fields, header has 2")
        XCTAssertEqual(message("a,b\n1,2\n\n"), "f.csv:3: blank line")
        XCTAssertEqual(message("a,b\n1,\"open\n"), "f.csv:2: unterminated quoted field")
        XCTAssertEqual(message("a,b\n1,\"x\"y\n"), "f.csv:2: unexpected character after closing quote")
        XCTAssertEqual(message("a,b\n1,x\"y\n"), "f.csv:2: quote inside an unquoted field")
        XCTAssertEqual(message("a,b\n\"multi\nline\",1\n1\n"), "f.csv:4: 1 fields, header has 2")
        XCTAssertEqual(message(""), "f.csv:1: empty file (no header)")
    }

    func testFixedFormattingIsLocaleFreeAndRounds() {
        XCTAssertEqual(formatFixed(0.4434, digits: 3), "0.443")
        XCTAssertEqual(formatFixed(0.4435, digits: 2), "0.44")
        XCTAssertEqual(formatFixed(2.5, digits: 0), "3")
        XCTAssertEqual(formatFixed(-0.0004, digits: 3), "0.000")
        XCTAssertEqual(formatFixed(-1.25, digits: 1), "-1.3")
        XCTAssertEqual(formatFixed(1234567.891, digits: 2), "1234567.89")
        XCTAssertEqual(formatFixed(.nan, digits: 2), "nan")
        XCTAssertEqual(formatFixed(-.infinity, digits: 2), "-inf")
        XCTAssertEqual(formatTrimmed(0.50, maxDigits: 2), "0.5")
        XCTAssertEqual(formatTrimmed(32, maxDigits: 2), "32")
        XCTAssertEqual(formatTrimmed(-0.001, maxDigits: 2), "0")
    }
}
