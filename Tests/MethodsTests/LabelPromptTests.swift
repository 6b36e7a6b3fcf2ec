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

/// The breakdown prompts (appendix B's unary and binary examples) and their demonstrations.
final class BreakdownPromptTests: XCTestCase {
    let labels = ["care", "proportionality", "equality", "purity", "authority", "loyalty"]
    let gold = [["care"], [], ["care", "purity"], ["loyalty"]]

    func testDemonstrationsMatchNumPyDraws() throws {
        // numpy: rng = RandomState(3); per demonstration rng.randint(0, len(choices)) picks, in order
        // (binary: the gold pick, the wrong pick, then a coin for which is "a").
        let texts = ["t0", "t1", "t2", "t3"]
        let u = try BreakdownPrompt.demos(kind: .unary, texts: texts, gold: gold, labels: labels, seed: 3)
        XCTAssertEqual(u.map(\.first), ["care", "equality", "care", "proportionality"])
        XCTAssertEqual(u.map(\.answer), [0, 1, 0, 1])
        let b = try BreakdownPrompt.demos(kind: .binary, texts: texts, gold: gold, labels: labels, seed: 3)
        XCTAssertEqual(b.map(\.first), ["care", "proportionality", "care", "loyalty"])
        XCTAssertEqual(b.map { $0.second! }, ["purity", "none", "proportionality", "purity"])
        XCTAssertEqual(b.map(\.answer), [0, 1, 0, 0])
        XCTAssertThrowsError(try BreakdownPrompt.demos(kind: .unary, texts: ["x"], gold: [labels], labels: labels, seed: 1))
    }

    func testPromptText() {
        let u = BreakdownPrompt(kind: .unary, demos: [BreakdownDemo(text: "i want to hate you", first: "normal", second: nil, answer: 1)])
        XCTAssertEqual(u.plain(text: "so it goes", first: "care", second: nil), """
            Classify the following question-label pairs as either "reasonable" or "unreasonable". \
            Output either "reasonable" or "unreasonable" and nothing else.

            Question: i want to hate you
            Label: normal
            Is the label reasonable: unreasonable

            Question: so it goes
            Label: care
            Is the label reasonable:
            """)
        let b = BreakdownPrompt(kind: .binary, demos: [BreakdownDemo(text: "capitalism", first: "none", second: "loyalty", answer: 1)])
        XCTAssertEqual(b.plain(text: "his abuse", first: "proportionality", second: "loyalty"), """
            Classify the following question into one of the two following labels. \
            Output either "a" or "b" depending on which label is better and nothing else.

            Question: capitalism
            a. none
            b. loyalty
            Correct Label: b

            Question: his abuse
            a. proportionality
            b. loyalty
            Correct Label:
            """)
    }
}
