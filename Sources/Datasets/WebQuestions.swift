import Foundation

/// One WebQuestions item.
public struct WebQuestion: Equatable {
    /// `qId`, e.g. "wqr000004".
    public var id: String
    /// `qText`, the question.
    public var question: String
    /// `answers`, the gold answers.
    public var answers: [String]

    public init(id: String, question: String, answers: [String]) {
        self.id = id; self.question = question; self.answers = answers
    }

    /// True when there is exactly one answer and it is a single word (no whitespace): paper B's
    /// appendix G "no-variability" questions are of this kind.
    public var hasOneWordAnswer: Bool {
        answers.count == 1 && !answers[0].isEmpty && !answers[0].contains(where: { $0.isWhitespace })
    }
}

/// WebQuestions (Berant et al. 2013) JSON files: a list of `{qId, qText, answers: [..]}`.
public enum WebQuestions {
    /// Loads one split file (`trainmodel.json`, `val.json`, `devtest.json`, `test.json`). Errors name
    /// the file and the item index (0-based) and field when an item is malformed.
    public static func load(path: String) throws -> [WebQuestion] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "no such file or not readable")
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw DatasetError.badJSON(path: path, detail: "not valid JSON: \(error.localizedDescription)")
        }
        guard let items = root as? [Any] else {
            throw DatasetError.badJSON(path: path, detail: "top level is not a list")
        }
        var out: [WebQuestion] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let obj = item as? [String: Any] else {
                throw DatasetError.badJSON(path: path, detail: "item \(i): not an object")
            }
            guard let id = obj["qId"] as? String else {
                throw DatasetError.badJSON(path: path, detail: "item \(i): missing or non-string 'qId'")
            }
            guard let q = obj["qText"] as? String else {
                throw DatasetError.badJSON(path: path, detail: "item \(i) (\(id)): missing or non-string 'qText'")
            }
            guard let answers = obj["answers"] as? [Any] else {
                throw DatasetError.badJSON(path: path, detail: "item \(i) (\(id)): missing or non-list 'answers'")
            }
            var texts: [String] = []
            for (k, a) in answers.enumerated() {
                guard let s = a as? String else {
                    throw DatasetError.badJSON(path: path, detail: "item \(i) (\(id)): answers[\(k)] is not a string")
                }
                texts.append(s)
            }
            out.append(WebQuestion(id: id, question: q, answers: texts))
        }
        return out
    }

    /// The questions whose single answer is one word.
    public static func oneWordAnswerQuestions(_ questions: [WebQuestion]) -> [WebQuestion] {
        questions.filter { $0.hasOneWordAnswer }
    }
}
