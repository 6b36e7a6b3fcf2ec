import TestSupport
import XCTest
import Datasets

final class DelimitedTableTests: XCTestCase {
    private func table(_ text: String, sep: Character = "\t") throws -> DelimitedTable {
        try DelimitedTable(bytes: Array(text.utf8), path: "mem.tsv", separator: UInt8(ascii: sep.unicodeScalars.first!))
    }

    func testQuotingRulesAndLineNumbers() throws {
        // Row 1: doubled quotes; row 2: embedded tab and newline in quotes (2 physical lines); row 3: CRLF.
        let t = try table("a\tb\tc\n\"x \"\"q\"\" y\"\t2\t3\n\"tab\there\"\t\"line1\nline2\"\t-7\r\nplain\"quote\t\t 12 \r\n")
        XCTAssertEqual(t.header, ["a", "b", "c"])
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t.string(0, 0), "x \"q\" y")
        XCTAssertEqual(t.string(1, 0), "tab\there")
        XCTAssertEqual(t.string(1, 1), "line1\nline2")
        XCTAssertEqual(try t.int(1, 2), -7)
        XCTAssertEqual(t.string(2, 0), "plain\"quote")   // quote inside an unquoted field is data
        XCTAssertEqual(t.string(2, 1), "")
        XCTAssertEqual(try t.int(2, 2), 12)
        XCTAssertEqual([t.line(ofRow: 0), t.line(ofRow: 1), t.line(ofRow: 2)], [2, 3, 5])
    }

    func testCommaSeparatedWithBOMAndNoFinalNewline() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,text\n1,\"a, b\"\n2,c".utf8)
        let t = try DelimitedTable(bytes: bytes, path: "mem.csv", separator: UInt8(ascii: ","))
        XCTAssertEqual(t.header, ["id", "text"])
        XCTAssertEqual(t.string(0, 1), "a, b")
        XCTAssertEqual(try t.int(1, 0), 2)
        XCTAssertEqual(t.string(1, 1), "c")
    }

    func testTrailingBlankLinesIgnoredButInnerBlankLineIsAnError() throws {
        XCTAssertEqual(try table("a\tb\n1\t2\n\n\n").rowCount, 1)
        XCTAssertThrowsError(try table("a\tb\n1\t2\n\n3\t4\n")) { e in
            XCTAssertEqual(e as? DatasetError, .wrongFieldCount(path: "mem.tsv", line: 3, expected: 2, found: 1))
        }
    }

    func testMalformedRowsNameFileAndLine() throws {
        XCTAssertThrowsError(try table("a\tb\n1\t2\n1\t2\t3\n")) { e in
            XCTAssertEqual(e as? DatasetError, .wrongFieldCount(path: "mem.tsv", line: 3, expected: 2, found: 3))
            XCTAssertEqual("\(e)", "mem.tsv:3: malformed row: 3 fields, header has 2")
        }
        XCTAssertThrowsError(try table("a\tb\n1\t\"open\n")) { e in
            guard case .badQuoting(_, let line, _)? = e as? DatasetError else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 2)
        }
        XCTAssertThrowsError(try table("a\tb\n\"x\"y\t2\n")) { e in
            guard case .badQuoting(_, let line, _)? = e as? DatasetError else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 2)
        }
    }

    func testNumericErrorsAndMissingColumn() throws {
        let t = try table("n\tx\n4\t1.5\nfour\tabc\n40.0\t2\n")
        XCTAssertEqual(try t.int(0, 0), 4)
        XCTAssertEqual(try t.double(0, 1), 1.5)
        XCTAssertEqual(try t.int(2, 0), 40)     // integral spreadsheet value
        XCTAssertThrowsError(try t.int(0, 1))    // 1.5 is not an integer
        XCTAssertThrowsError(try t.int(1, 0)) { e in
            XCTAssertEqual(e as? DatasetError, .notNumeric(path: "mem.tsv", line: 3, column: "n", value: "four"))
            XCTAssertEqual("\(e)", "mem.tsv:3: column 'n': expected a number, found 'four'")
        }
        XCTAssertThrowsError(try t.double(1, 1))
        XCTAssertThrowsError(try t.column("Response")) { e in
            XCTAssertEqual("\(e)", "mem.tsv: missing column 'Response' (header has: n, x)")
        }
    }

    func testUnreadableFileAndLatin1Fallback() throws {
        XCTAssertThrowsError(try DelimitedTable.read(path: "/nonexistent/x.tsv")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/x.tsv"))
        }
        // 0xE9 alone is not UTF-8: the file is decoded as ISO-8859-1, 0xE9 = 'é'.
        let t = try DelimitedTable(bytes: Array("w\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A], path: "m", separator: 9)
        XCTAssertEqual(t.string(0, 0), "café")
    }

    func testSpeedOnTheRealProvoFile() throws {
        guard let dir = TestPaths.datasets else { throw XCTSkip("no datasets directory") }
        let start = Date()
        let t = try DelimitedTable.read(path: dir + "/provo/provo_cloze_norms.tsv")
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(t.rowCount, 39_784)
        print("parsed 12 MB Provo TSV in \(String(format: "%.3f", seconds)) s")
        XCTAssertLessThan(seconds, 2.0)
    }
}
