import Artifacts
import Datasets
import Numerics

/// The `prepare-splits webquestions` artifact: paper B appendix G's no-variability QA set, i.e.
/// WebQuestions questions whose gold answer is one word. Question i of the set is context
/// `text_id = i` (word number 0) in the samples artifact of `infer qa`. Layout (h5py-friendly):
///
///     /questions/id            str   [N]   WebQuestions qId ("wqs000123")
///     /questions/question      str   [N]   qText
///     /questions/answer        str   [N]   the one-word gold answer, as in the file
///     /questions/source_index  int32 [N]   0-based item position in the raw JSON list
///
/// Root attributes: source_file, n_candidates (one-word questions in the file), n_questions,
/// selection ("all", or "numpy RandomState(seed).permutation(n_candidates)[:limit], sorted"),
/// and selection_seed when a limit was given.
public struct QAQuestionSet: Equatable {
    public var ids: [String]
    public var questions: [String]
    public var answers: [String]
    public var sourceIndex: [Int]
    public var sourceFile: String
    /// How many one-word-answer questions the file had before any selection.
    public var candidateCount: Int
    /// The selection seed, nil when every candidate was kept.
    public var selectionSeed: UInt32?

    public var count: Int { ids.count }

    public init(ids: [String], questions: [String], answers: [String], sourceIndex: [Int], sourceFile: String,
                candidateCount: Int, selectionSeed: UInt32?) {
        precondition(ids.count == questions.count && ids.count == answers.count && ids.count == sourceIndex.count)
        self.ids = ids; self.questions = questions; self.answers = answers; self.sourceIndex = sourceIndex
        self.sourceFile = sourceFile; self.candidateCount = candidateCount; self.selectionSeed = selectionSeed
    }

    /// The one-word-answer questions of `items` (a loaded WebQuestions file), all of them, or `limit`
    /// of them drawn as NumPy's `RandomState(seed).choice(n, limit, replace=False)` would (that is
    /// `permutation(n)[:limit]`), then put back in file order so the set reads like the source.
    /// Throws when `limit` is not positive or exceeds the number of candidates.
    public static func select(from items: [WebQuestion], path: String, limit: Int?, seed: UInt32) throws -> QAQuestionSet {
        let candidates = items.indices.filter { items[$0].hasOneWordAnswer }
        var keep = candidates
        if let l = limit {
            guard l >= 1 else { throw StageError.usage("--limit must be at least 1, not \(l)") }
            guard l <= candidates.count else {
                throw StageError.input(path, "--limit \(l) exceeds the \(candidates.count) questions with a one-word answer")
            }
            var rng = NumpyRandomState(seed: seed)
            keep = rng.permutation(candidates.count).prefix(l).sorted().map { candidates[$0] }
        }
        return QAQuestionSet(ids: keep.map { items[$0].id }, questions: keep.map { items[$0].question },
                             answers: keep.map { items[$0].answers[0] }, sourceIndex: keep, sourceFile: path,
                             candidateCount: candidates.count, selectionSeed: limit == nil ? nil : seed)
    }

    public var selectionRule: String {
        selectionSeed == nil ? "all" : "numpy RandomState(seed).permutation(n_candidates)[:limit], sorted"
    }

    public func write(to w: ArtifactWriter) throws {
        let n = count
        try w.setAttribute("dataset", .string("webquestions"))
        try w.setAttribute("source_file", .string(sourceFile))
        try w.setAttribute("n_candidates", .int(candidateCount))
        try w.setAttribute("n_questions", .int(n))
        try w.setAttribute("selection", .string(selectionRule))
        if let s = selectionSeed { try w.setAttribute("selection_seed", .int(Int(s))) }
        try w.writeStrings(ids, at: "questions/id")
        try w.writeStrings(questions, at: "questions/question")
        try w.writeStrings(answers, at: "questions/answer")
        try w.write(sourceIndex.map { Int32($0) }, shape: [n], at: "questions/source_index")
    }

    /// Reads an artifact written by `write(to:)`; lengths are checked and every answer must be one
    /// word (errors name the file and the dataset or question).
    public static func read(path: String) throws -> QAQuestionSet {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let ids = try r.readStrings("questions/id")
        let n = ids.count
        let questions = try r.readStrings("questions/question")
        let answers = try r.readStrings("questions/answer")
        let index = try r.read(Int32.self, "questions/source_index", shape: [n]).values
        guard questions.count == n else { throw ArtifactError(file: path, object: "questions/question", "has \(questions.count) entries, questions/id has \(n)") }
        guard answers.count == n else { throw ArtifactError(file: path, object: "questions/answer", "has \(answers.count) entries, questions/id has \(n)") }
        for (i, a) in answers.enumerated() where a.isEmpty || a.contains(where: { $0.isWhitespace }) {
            throw StageError.input(path, "question \(i) (\(ids[i])): answer '\(a)' is not exactly one word")
        }
        var seed: UInt32? = nil
        if r.hasAttribute("selection_seed") {
            let v = try r.intAttribute("selection_seed")
            guard let s = UInt32(exactly: v) else { throw ArtifactError(file: path, object: "selection_seed", "\(v) is not a 32-bit seed") }
            seed = s
        }
        return QAQuestionSet(ids: ids, questions: questions, answers: answers, sourceIndex: index.map { Int($0) },
                             sourceFile: try r.stringAttribute("source_file"), candidateCount: try r.intAttribute("n_candidates"),
                             selectionSeed: seed)
    }
}
