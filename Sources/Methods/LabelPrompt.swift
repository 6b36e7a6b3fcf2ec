import Foundation
import Tokenizers

/// Paper A's classification prompt (its appendix B, "Regular prompt"): an instruction naming the
/// labels, K demonstrations `Input: "<text>"` → `{"label": ["a", "b"]}`, then the query. Items
/// with no label show `["none"]`, so "none" is a label the model can generate and compare-to-none
/// has a logit to compare with.
public struct LabelPrompt {
    /// What the labels are called in the instruction ("emotions", "moral foundations", …).
    public var noun: String
    public var labels: [String]
    public var demos: [(text: String, labels: [String])]
    /// Single-label tasks (one label per input, no "none"): the instruction asks for exactly one.
    public var singleLabel: Bool

    public init(noun: String, labels: [String], demos: [(text: String, labels: [String])], singleLabel: Bool = false) {
        self.noun = noun; self.labels = labels; self.demos = demos; self.singleLabel = singleLabel
    }

    /// The word for the labels of a dataset in the instruction.
    public static func noun(dataset: String) -> String {
        switch dataset {
        case "semeval", "goemotions": return "emotions"
        case "mfrc": return "moral foundations"
        case "boxes": return "objects"
        default: return "labels"
        }
    }

    /// "a, b and c" (the paper's list style).
    static func list(_ xs: [String]) -> String {
        xs.count <= 1 ? xs.joined() : xs.dropLast().joined(separator: ", ") + " and " + xs.last!
    }

    public var instruction: String {
        if singleLabel {
            return "Classify the following inputs into one of the following \(noun): \(Self.list(labels)). "
                + "Output exactly one of these \(noun) and nothing else."
        }
        return "Classify the following inputs into none, one, or multiple the following \(noun) per input: "
            + "\(Self.list(labels)). Output exactly these \(noun) and no others."
    }

    public static func input(_ text: String) -> String { "Input: \"\(text)\"" }

    /// The answer line, `{"label": ["a", "b"]}`; no label is `["none"]`.
    public static func answer(_ labels: [String]) -> String {
        let names = labels.isEmpty ? ["none"] : labels
        return "{\"label\": [" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
    }

    /// Plain text for base models: instruction, demonstrations and the query, one per paragraph;
    /// the model continues with the answer line.
    public func plain(query: String) -> String {
        var s = instruction + "\n\n"
        for d in demos { s += Self.input(d.text) + "\n" + Self.answer(d.labels) + "\n\n" }
        return s + Self.input(query) + "\n"
    }

    /// Chat form for instruct models: the instruction as the system message, each demonstration a
    /// user/assistant turn pair, the query a user turn, then the generation prompt.
    public func chat(query: String, template: ChatTemplate) throws -> String {
        var messages: [ChatMessage] = [.system(instruction)]
        for d in demos { messages += [.user(Self.input(d.text)), .assistant(Self.answer(d.labels))] }
        messages.append(.user(Self.input(query)))
        return try template.format(messages, addGenerationPrompt: true)
    }
}
