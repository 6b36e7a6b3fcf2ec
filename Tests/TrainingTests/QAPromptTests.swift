import XCTest
import Training

/// The four `infer qa` prompts, written out by hand.
final class QAPromptTests: XCTestCase {
    func testPromptTextsAndFormats() {
        let q = "what country first invaded poland in ww2?"
        XCTAssertEqual(QAPrompt.plain.text(question: q), "Question: what country first invaded poland in ww2?\nAnswer:")
        XCTAssertEqual(QAPrompt.qaInstruction.text(question: q),
                       "Instruction: Answer the following question with one word only\nContext: what country first invaded poland in ww2?\nContinuation:")
        XCTAssertEqual(QAPrompt.cloze.text(question: q), "what country first invaded poland in ww2? The answer is")
        XCTAssertEqual(QAPrompt.clozeInstruction.text(question: q),
                       "Instruction: Return one plausible next word for the following context.\nContext: what country first invaded poland in ww2? The answer is\nContinuation:")
        XCTAssertEqual(QAPrompt.allCases.map(\.format), [.question, .question, .cloze, .cloze])
        XCTAssertEqual(QAPrompt.allCases.map(\.isChat), [false, true, false, true])
    }

    func testClozeContextAddsAMissingQuestionMarkAndTrims() {
        XCTAssertEqual(QAPrompt.clozeContext(question: "  who plays meg in family guy \n"), "who plays meg in family guy? The answer is")
        XCTAssertEqual(QAPrompt.clozeContext(question: "where is rome?"), "where is rome? The answer is")
    }
}
