import Tokenizers

/// Demux's input: a sentence pair whose first segment is the label names joined by ", " and whose
/// second is the text, `[CLS] labels [SEP] text [SEP]` with token types 0 … 0 1 … 1 (BERT's pair
/// template). Each label is read from its own tokens in the first segment: for every token of the
/// label (tokenised alone), the first position of that id in the prompt not taken by an earlier
/// one, as the paper's code finds them (so "hateful" in "not hateful, hateful" is the second one).
public struct DemuxInput: Sendable {
    public let labels: [String]
    /// Token ids of the first segment, without specials.
    public let prompt: [Int32]
    /// Per label, its rows in every encoded sequence (the prompt comes first, after [CLS]).
    public let spans: [[Int]]
    public let cls: Int32, sep: Int32
    /// Longest sequence in tokens, specials included; longer texts are cut at the end.
    public let maxLength: Int

    public init(labels: [String], tokenizer: Tokenizer, maxLength: Int) throws {
        guard let cls = tokenizer.id(of: "[CLS]"), let sep = tokenizer.id(of: "[SEP]") else {
            throw TrainingError("Demux input: the tokenizer has no [CLS] / [SEP] token (a BERT WordPiece tokenizer is needed)")
        }
        let prompt = tokenizer.encode(labels.joined(separator: ", "), addBOS: false, maxLength: Int.max)
        var free = prompt.map { Optional($0) }
        var spans: [[Int]] = []
        for label in labels {
            let ids = tokenizer.encode(label, addBOS: false, maxLength: Int.max)
            guard !ids.isEmpty else { throw TrainingError("Demux input: label '\(label)' has no tokens") }
            var rows: [Int] = []
            for id in ids {
                guard let k = free.firstIndex(where: { $0 == id }) else {
                    throw TrainingError("Demux input: token \(id) of label '\(label)' is not in the label prompt \(prompt)")
                }
                free[k] = nil
                rows.append(k + 1)   // after [CLS]
            }
            spans.append(rows)
        }
        guard maxLength >= prompt.count + 4 else {
            throw TrainingError("Demux input: max length \(maxLength) leaves no room for text after the \(prompt.count) label tokens")
        }
        self.labels = labels; self.prompt = prompt; self.spans = spans
        self.cls = cls; self.sep = sep; self.maxLength = maxLength
    }

    /// Spans given directly, for callers that encode their examples themselves (a model without a
    /// tokenizer file, tests); `encode` is not for such an input (its prompt is empty).
    public init(spans: [[Int]], labels: [String], cls: Int32 = 1, sep: Int32 = 2, maxLength: Int = 128) {
        self.labels = labels; self.prompt = []; self.spans = spans; self.cls = cls; self.sep = sep; self.maxLength = maxLength
    }

    /// Tokens and token types of one text.
    public func encode(_ text: String, tokenizer: Tokenizer) -> (tokens: [Int32], types: [Int32]) {
        var body = tokenizer.encode(text, addBOS: false, maxLength: Int.max)
        let room = maxLength - prompt.count - 3
        if body.count > room { body.removeLast(body.count - room) }
        let first = [cls] + prompt + [sep], second = body + [sep]
        return (first + second, [Int32](repeating: 0, count: first.count) + [Int32](repeating: 1, count: second.count))
    }
}
