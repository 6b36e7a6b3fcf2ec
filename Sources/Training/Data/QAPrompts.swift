import Foundation

/// How a QA question is put to the model (paper B appendix G). Table 3 and figures 10 and 12 use
/// next-word (cloze) prompts, the task the models were fine-tuned on; figure 11 the original
/// questions.
public enum QAFormat: String, CaseIterable, Sendable {
    case cloze, question
}

/// The prompts of `infer qa`.
public enum QAPrompt: String, CaseIterable, Sendable {
    /// Question format, base LM: "Question: <q>\nAnswer:"; the model continues with " <word>" (ours).
    case plain
    /// Question format, instruct LM: appendix G's QA-prompt as a user message through the chat template.
    case qaInstruction = "qa-instruction"
    /// Next-word format, base LM: the question turned into a context that the answer continues
    /// (`clozeContext`), given as it is, like a Provo context.
    case cloze
    /// Next-word format, instruct LM: appendix A's instruction prompt (the one `finetune` trains
    /// on) with that context, through the chat template.
    case clozeInstruction = "cloze-instruction"

    public var format: QAFormat { self == .plain || self == .qaInstruction ? .question : .cloze }
    /// Whether the text goes through the model's chat template as a user message.
    public var isChat: Bool { self == .qaInstruction || self == .clozeInstruction }

    /// The prompt text for `question` (before any chat template).
    public func text(question: String) -> String {
        switch self {
        case .plain: return "Question: \(question)\nAnswer:"
        case .qaInstruction: return "Instruction: Answer the following question with one word only\nContext: \(question)\nContinuation:"
        case .cloze: return Self.clozeContext(question: question)
        case .clozeInstruction: return PaperBPrompts.instructionText(context: Self.clozeContext(question: question))
        }
    }

    /// The question as a next-word context: "<question> The answer is", the question's own text
    /// with surrounding whitespace removed and a "?" added when it has none. The paper rephrased its
    /// 55 questions by hand ("The first country to invade poland in ww2 was"); those rephrasings
    /// are not published, so this fixed frame stands in for them: the next word is the answer.
    public static func clozeContext(question: String) -> String {
        var q = question.trimmingCharacters(in: .whitespacesAndNewlines)
        if !q.hasSuffix("?") { q += "?" }
        return q + " The answer is"
    }
}
