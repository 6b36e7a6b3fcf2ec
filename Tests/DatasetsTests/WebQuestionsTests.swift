import TestSupport
import XCTest
import Datasets

final class WebQuestionsTests: XCTestCase {
    func testFixture() throws {
        let qs = try WebQuestions.load(path: fixturePath("webq.json"))
        XCTAssertEqual(qs.count, 4)
        XCTAssertEqual(qs[1], WebQuestion(id: "a2", question: "money in bahamas?", answers: ["Bahamian dollar"]))
        XCTAssertEqual(WebQuestions.oneWordAnswerQuestions(qs).map(\.id), ["a1", "a4"])
    }

    func testMalformedJSONNamesFileAndItem() throws {
        let path = NSTemporaryDirectory() + "/webq_bad_\(getpid()).json"
        try Data("[{\"qId\": \"x\", \"qText\": \"q?\", \"answers\": [\"a\"]}, {\"qId\": \"y\", \"answers\": []}]".utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try WebQuestions.load(path: path)) { e in
            XCTAssertEqual("\(e)", "\(path): item 1 (y): missing or non-string 'qText'")
        }
        XCTAssertThrowsError(try WebQuestions.load(path: "/nonexistent/q.json"))
    }

    func testRealFiles() throws {
        guard let dir = TestPaths.datasets else { throw XCTSkip("no datasets directory") }
        let counts = try ["trainmodel", "val", "devtest", "test"].map { try WebQuestions.load(path: "\(dir)/webquestions/\($0).json").count }
        XCTAssertEqual(counts, [2834, 755, 189, 2032])
    }
}
