import Methods
import XCTest

/// Paper A's prompt text and the parsing of answers (appendix B's format).
final class LabelPromptTests: XCTestCase {
    func testPlainPromptIsAppendixBsFormat() {
        let p = LabelPrompt(noun: "emotions", labels: ["joy", "fear", "anger"],
                            demos: [(text: "Can I speak to the manager?", labels: ["anger"]),
                                    (text: "so happy and scared", labels: ["joy", "fear"]),
                                    (text: "ok", labels: [])])
        XCTAssertEqual(p.plain(query: "what now"), """
            Classify the following inputs into none, one, or multiple the following emotions per input: joy, fear and anger. \
            Output exactly these emotions and no others.

            Input: "Can I speak to the manager?"
            {"label": ["anger"]}

            Input: "so happy and scared"
            {"label": ["joy", "fear"]}

            Input: "ok"
            {"label": ["none"]}

            Input: "what now"

            """)
        XCTAssertEqual(LabelPrompt.noun(dataset: "mfrc"), "moral foundations")
        XCTAssertEqual(LabelPrompt(noun: "x", labels: ["a"], demos: []).instruction,
                       "Classify the following inputs into none, one, or multiple the following x per input: a. Output exactly these x and no others.")
    }

    func testLabelStartDetection() {
        for yes in ["{\"label\": [\"", "{\"label\": [ \"", "[\"joy\", \"", "[\"joy\",\"", "[\"joy\" , \""] {
            XCTAssertTrue(LabelGenerator.endsAtLabelStart(yes), yes)
        }
        for no in ["", "\"", "{\"label\": [", "{\"label\": [\"jo", "[\"joy\"", "[\"joy\", ", "{\"label\": \"", "a\""] {
            XCTAssertFalse(LabelGenerator.endsAtLabelStart(no), no)
        }
    }

    func testAnswerParsing() {
        let labels = ["joy", "fear", "anger"]
        var r = LabelGenerator.parseAnswer("{\"label\": [\"fear\", \"Joy\"]}\n", labels: labels)
        XCTAssertTrue(r.parsed); XCTAssertEqual(r.labels, [0, 1]); XCTAssertEqual(r.unknown, [])
        r = LabelGenerator.parseAnswer(" {\"label\": [\"none\"]}", labels: labels)
        XCTAssertTrue(r.parsed); XCTAssertEqual(r.labels, []); XCTAssertEqual(r.unknown, [])
        r = LabelGenerator.parseAnswer("{\"label\": [\"anger\", \"love\", 3]}", labels: labels)
        XCTAssertTrue(r.parsed); XCTAssertEqual(r.labels, [2]); XCTAssertEqual(r.unknown, ["love", "3"])
        for bad in ["{\"label\": [\"joy\"", "joy", "{\"labels\": [\"joy\"]}", "{\"label\": \"joy\"}", "{label: [joy]}"] {
            XCTAssertFalse(LabelGenerator.parseAnswer(bad, labels: labels).parsed, bad)
        }
        XCTAssertEqual(LabelGenerator.candidateIndex(" None ", labels: labels), 3)
        XCTAssertEqual(LabelGenerator.candidateIndex("joyful", labels: labels), -1)
    }
}
