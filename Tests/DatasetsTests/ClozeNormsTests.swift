import TestSupport
import XCTest
import Datasets
import Numerics

final class ClozeNormsTests: XCTestCase {
    private let header = "Text_ID\tWord_Number\tWord\tResponse\tResponse_Count\tTotal_Response_Count\tText\n"

    private func load(_ body: String) throws -> ClozeNorms {
        let t = try DelimitedTable(bytes: Array((header + body).utf8), path: "mem.tsv", separator: 9)
        return try ClozeNorms.load(table: t, corpus: "test")
    }

    func testFixtureTSV() throws {
        let n = try ProvoNorms.load(path: fixturePath("small_norms.tsv"))
        XCTAssertEqual(n.corpus, "provo")
        XCTAssertEqual(n.passages.map(\.textID), [1, 2])
        XCTAssertEqual(n.passages[0].text, "Tom saw a \"big\" dog. It ran.")
        XCTAssertEqual(n.passages[1].text, "Anna\tand Ben left.")
        // Sorted by (text, word) although the file lists text 2 first and word 4 before word 3.
        XCTAssertEqual(n.contexts.map { [$0.textID, $0.wordNumber] }, [[1, 2], [1, 3], [1, 4], [2, 2]])
        let c = n.contexts[0]
        XCTAssertEqual(c.context, "Tom")
        XCTAssertEqual(c.word, "saw")
        XCTAssertEqual(c.responses, [ClozeResponse(response: "was", count: 2), ClozeResponse(response: "saw", count: 2),
                                     ClozeResponse(response: "\"quoted\"", count: 1)])
        XCTAssertEqual(c.totalCount, 5)
        XCTAssertEqual(c.firstLine, 4)
        XCTAssertEqual(c.expandedResponses, ["was", "was", "saw", "saw", "\"quoted\""])
        XCTAssertEqual(n.contexts[1].context, "Tom saw")
        XCTAssertEqual(n.contexts[2].context, "Tom saw a")
        XCTAssertEqual(n.contexts[2].word, "big")   // a field starting with a quote is a quoted field
        XCTAssertEqual(n.contexts[3].context, "Anna\tand")
        XCTAssertEqual(n.answerCount, 13)
        XCTAssertEqual(n.contexts(inTexts: [2]).count, 1)
        XCTAssertEqual(n.context(textID: 1, wordNumber: 3)?.word, "a")
        XCTAssertEqual(n.context(textID: 2, wordNumber: 2)?.context, "Anna\tand")
        XCTAssertNil(n.context(textID: 1, wordNumber: 5))
        XCTAssertNil(n.context(textID: 3, wordNumber: 2))
    }

    func testFixtureOfficialCSVLayout() throws {
        let n = try ProvoNorms.load(path: fixturePath("small_norms_osf.csv"))
        XCTAssertEqual(n.contexts.count, 2)
        XCTAssertEqual(n.passages[0].text, "Hello, world.\nNew line here")
        XCTAssertEqual(n.contexts[0].context, "Hello,")
        XCTAssertEqual(n.contexts[1].context, "Hello, world.\nNew")
        XCTAssertEqual(n.contexts[0].responses.map(\.count), [2, 1])
        XCTAssertEqual(n.contexts[1].firstLine, 6)
    }

    func testDuplicateResponsesAreMerged() throws {
        let n = try load("1\t2\tb\tx\t1\t3\ta b c\n1\t2\tb\ty\t1\t3\ta b c\n1\t2\tb\tx\t1\t3\ta b c\n")
        XCTAssertEqual(n.contexts[0].responses, [ClozeResponse(response: "x", count: 2), ClozeResponse(response: "y", count: 1)])
    }

    func testValidationErrorsNameFileAndLine() throws {
        func expectError(_ body: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try load(body), file: file, line: line) { e in
                XCTAssertEqual("\(e)", message, file: file, line: line)
            }
        }
        expectError("1\t2\tb\tx\tmany\t3\ta b\n", "mem.tsv:2: column 'Response_Count': expected a number, found 'many'")
        expectError("1\t2\tb\tx\t2\t2\ta b\n1\t2\tb\ty\t0\t2\ta b\n",
                    "mem.tsv:3: column 'Response_Count': invalid value '0': must be > 0")
        expectError("1\t2\tb\tx\t-1\t2\ta b\n", "mem.tsv:2: column 'Response_Count': invalid value '-1': must be > 0")
        expectError("1\t2\tb\tx\t1\t2\ta b\n", "mem.tsv:2: Total_Response_Count 2 != sum of Response_Count 1 for text 1 word 2")
        expectError("1\t2\tb\tx\t1\t2\ta b\n1\t2\tb\ty\t1\t3\ta b\n",
                    "mem.tsv:3: Total_Response_Count 3 differs from 2 for text 1 word 2 (line 2)")
        expectError("1\t2\tb\tx\t1\t1\ta b\n1\t3\tc\ty\t1\t1\ta b c\n",
                    "mem.tsv:3: Text differs from the Text of passage 1 on line 2")
        expectError("1\t2\tb\t\t1\t1\ta b\n", "mem.tsv:2: column 'Response': invalid value '': empty answer")
        expectError("1\t9\tb\tx\t1\t1\ta b\n", "mem.tsv:2: column 'Word_Number': invalid value '9': passage 1 has only 2 words")
        expectError("1\t2\tb\tx\t1\n", "mem.tsv:2: malformed row: 5 fields, header has 7")
        XCTAssertThrowsError(try ClozeNorms.load(table: DelimitedTable(bytes: Array("Text_ID\tWord\n".utf8), path: "h.tsv", separator: 9), corpus: "x")) { e in
            XCTAssertTrue("\(e)".hasPrefix("h.tsv: missing column 'Word_Number'"), "\(e)")
        }
    }

    func testRealProvoFile() throws {
        guard let dir = TestPaths.datasets else { throw XCTSkip("no datasets directory") }
        let start = Date()
        let n = try ProvoNorms.load(path: dir + "/provo/provo_cloze_norms.tsv")
        print("loaded Provo norms in \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(n.passages.count, 55)
        XCTAssertEqual(n.contexts.count, 2687)
        XCTAssertEqual(n.contexts.reduce(0) { $0 + $1.responses.count }, 39_784)
        XCTAssertEqual(Double(n.answerCount) / Double(n.contexts.count), 40.1, accuracy: 0.05)
        // First context: text 1 word 2, "There" -> "are"; 16 participants answered "are".
        XCTAssertEqual(n.contexts[0].context, "There")
        XCTAssertEqual(n.contexts[0].word, "are")
        XCTAssertEqual(n.contexts[0].responses[0], ClozeResponse(response: "are", count: 16))
        XCTAssertEqual(n.contexts[0].totalCount, 40)
        // Text 55 has no context for word 3.
        XCTAssertFalse(n.contexts.contains { $0.textID == 55 && $0.wordNumber == 3 })
        // Every corpus word sits at its text position (the README's guarantee for this file).
        for c in n.contexts {
            let words = n.passages[c.textID - 1].text.split(separator: " ", omittingEmptySubsequences: false)
            XCTAssertEqual(String(words[c.wordNumber - 1]), c.word)
        }
        let split = try ParagraphSplit.paperB(ids: n.passages.map(\.textID), seed: 42)
        XCTAssertEqual(Set(split.test), [6, 13, 14, 20, 27, 32, 33, 42, 44, 50, 53])
        XCTAssertEqual(n.contexts(inTexts: Set(split.test)).count, 536)
    }

    func testRealDeVardaFile() throws {
        guard let dir = TestPaths.datasets else { throw XCTSkip("no datasets directory") }
        let n = try DeVardaNorms.load(path: dir + "/devarda/devarda_cloze_norms.tsv")
        XCTAssertEqual(n.corpus, "devarda")
        XCTAssertEqual(n.passages.count, 205)
        XCTAssertEqual(n.contexts.count, 1726)
        XCTAssertEqual(n.contexts.reduce(0) { $0 + $1.responses.count }, 47_714)
        XCTAssertEqual(Double(n.answerCount) / Double(n.contexts.count), 78.7, accuracy: 0.05)
    }
}

final class ClozeContextHelpersTests: XCTestCase {
    private let ctx = ClozeContext(textID: 1, wordNumber: 2, context: "The", word: "cat",
                                   responses: [ClozeResponse(response: "dog", count: 2), ClozeResponse(response: "cat", count: 3),
                                               ClozeResponse(response: "man", count: 3)],
                                   totalCount: 8, firstLine: 2)

    func testMajorityTiesGoToTheFirstListed() {
        XCTAssertEqual(ctx.majorityResponse, "cat")
    }

    func testSampleResponsesMatchesNumpyChoiceWithoutReplacement() {
        // a = ['dog']*2 + ['cat']*3 + ['man']*3
        // np.random.RandomState(0).choice(a, 3, replace=False) -> permutation(8) = [6, 2, 1, 7, 3, 0, 5, 4]
        var rng = NumpyRandomState(seed: 0)
        XCTAssertEqual(rng.permutation(8), [6, 2, 1, 7, 3, 0, 5, 4])
        var rng2 = NumpyRandomState(seed: 0)
        XCTAssertEqual(ctx.sampleResponses(3, rng: &rng2), ["man", "cat", "dog"])
        var rng3 = NumpyRandomState(seed: 0)
        XCTAssertEqual(ctx.sampleResponses(100, rng: &rng3).count, 8)
    }
}
