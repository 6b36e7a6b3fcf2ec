import Datasets

/// How `infer sample` turns a cloze context into a prompt (paper B, section 4 and appendix A).
public enum PromptStyle: String, CaseIterable, Sendable {
    /// The context string itself (a base LM continues it; BOS per the model's rule).
    case plain
    /// Appendix A's base prompt, sent as a user message through the model's chat template.
    case instruction
    /// Appendix A's 1-shot prompt (an example context from the train split with its human
    /// answers), sent as a user message through the model's chat template.
    case oneShot = "one-shot"

    /// Whether the prompt goes through a chat template (and the word comes from the reply).
    public var isChat: Bool { self != .plain }
}

/// Paper B's 1-shot prompt (appendix A). The zero-shot instruction prompt, which `finetune` trains
/// on as well, is `PaperBPrompts.instructionText` in the Training module; line breaks follow it.
public enum PaperBPrompt {
    /// Appendix A's 1-shot prompt: the example's context and its human answers (each repeated as
    /// often as it was given, most frequent first), then `context`. The wording, including the
    /// paper's stray "continuations. given", is the paper's.
    public static func oneShot(example: OneShotExample, context: String) -> String {
        "Instruction: This is an example of a context and some plausible next word continuations. given by a group of "
            + "\(example.people) people: Context: \(example.context), Continuations: [\(example.answers.joined(separator: ", "))]. "
            + "Following this example, return only one plausible next word for the following context.\n"
            + "Context: \(context)\nContinuation:"
    }
}

/// The example of the 1-shot prompt, taken from the splits artifact (never hard-coded): the
/// context identified by (text id, word number), which must be in the train split so no test
/// answer leaks into the prompt. Paper B's example is Provo text 1, word 6 ("There are now
/// rumblings that"), listed with its answers repeated by count.
public struct OneShotExample: Equatable, Sendable {
    public var textID: Int
    public var wordNumber: Int
    public var context: String
    /// Human answers with repetition, in the artifact's order (count descending).
    public var answers: [String]
    /// Size of the group that answered (the context's total response count).
    public var people: Int

    /// Looks the example up in `splits`; throws naming `path` if it is missing or not in `split`.
    public init(splits: ClozeSplits, textID: Int, wordNumber: Int, split: String = "train", path: String) throws {
        guard let i = splits.contexts.firstIndex(where: { $0.textID == textID && $0.wordNumber == wordNumber }) else {
            throw StageError.input(path, "no context with text id \(textID) and word number \(wordNumber) for the 1-shot example")
        }
        guard splits.contextSplit[i] == split else {
            throw StageError.input(path, "the 1-shot example (text \(textID), word \(wordNumber)) is in the \(splits.contextSplit[i]) split, not \(split)")
        }
        let c = splits.contexts[i]
        self.textID = textID
        self.wordNumber = wordNumber
        self.context = c.context
        self.answers = c.responses.flatMap { Array(repeating: $0.response, count: $0.count) }
        self.people = c.totalCount
        if answers.isEmpty { throw StageError.input(path, "the 1-shot example (text \(textID), word \(wordNumber)) has no answers") }
    }
}
