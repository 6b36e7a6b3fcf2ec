import Artifacts
import Datasets

/// The `prepare-splits` artifact of a cloze corpus (Provo, de Varda): every context with its
/// human answers and split. Answers are stored CSR-style so h5py users can slice them:
///
///     /contexts/text_id, word_number, total_count   int32 [N]
///     /contexts/source_line                          int32 [N]   (first line of the context in the raw file)
///     /contexts/context, word, split                 str   [N]   (split: train | validation | test)
///     /contexts/answer_offset                        int64 [N+1] (answers of context i: offset[i]..<offset[i+1])
///     /answers/response (str [M]), /answers/count (int32 [M])
///     /passages/text_id (int32), text (str), split (str)                                [P]
///     /split/train, /split/validation, /split/test   int32 passage ids, in the split's own order
public struct ClozeSplits: Equatable {
    public var corpus: String
    public var contexts: [ClozeContext]
    /// Split name of each context, parallel to `contexts`.
    public var contextSplit: [String]
    public var passages: [(textID: Int, text: String)]
    public var split: ParagraphSplit

    public static func == (a: ClozeSplits, b: ClozeSplits) -> Bool {
        a.corpus == b.corpus && a.contexts == b.contexts && a.contextSplit == b.contextSplit && a.split == b.split
            && a.passages.map(\.textID) == b.passages.map(\.textID) && a.passages.map(\.text) == b.passages.map(\.text)
    }

    public init(norms: ClozeNorms, split: ParagraphSplit) throws {
        let splitOf = split.passageSplits
        corpus = norms.corpus
        contexts = norms.contexts
        passages = norms.passages
        self.split = split
        contextSplit = try norms.contexts.map { c in
            guard let s = splitOf[c.textID] else {
                throw StageError.input(norms.path, "passage \(c.textID) (line \(c.firstLine)) is in no split")
            }
            return s
        }
    }

    init(corpus: String, contexts: [ClozeContext], contextSplit: [String], passages: [(textID: Int, text: String)], split: ParagraphSplit) {
        self.corpus = corpus; self.contexts = contexts; self.contextSplit = contextSplit; self.passages = passages; self.split = split
    }

    /// Contexts of one split, in artifact order.
    public func contexts(in name: String) -> [ClozeContext] {
        zip(contexts, contextSplit).filter { $0.1 == name }.map(\.0)
    }

    public func write(to w: ArtifactWriter) throws {
        let n = contexts.count
        try w.setAttribute("corpus", .string(corpus))
        try w.setAttribute("n_contexts", .int(n))
        try w.write(contexts.map { Int32($0.textID) }, shape: [n], at: "contexts/text_id")
        try w.write(contexts.map { Int32($0.wordNumber) }, shape: [n], at: "contexts/word_number")
        try w.write(contexts.map { Int32($0.totalCount) }, shape: [n], at: "contexts/total_count")
        try w.write(contexts.map { Int32($0.firstLine) }, shape: [n], at: "contexts/source_line")
        try w.writeStrings(contexts.map(\.context), at: "contexts/context")
        try w.writeStrings(contexts.map(\.word), at: "contexts/word")
        try w.writeStrings(contextSplit, at: "contexts/split")
        var offsets: [Int64] = [0]
        var responses: [String] = []
        var counts: [Int32] = []
        for c in contexts {
            for r in c.responses { responses.append(r.response); counts.append(Int32(r.count)) }
            offsets.append(Int64(responses.count))
        }
        try w.write(offsets, shape: [n + 1], at: "contexts/answer_offset")
        try w.writeStrings(responses, at: "answers/response")
        try w.write(counts, shape: [counts.count], at: "answers/count")
        let splitOf = split.passageSplits
        try w.write(passages.map { Int32($0.textID) }, shape: [passages.count], at: "passages/text_id")
        try w.writeStrings(passages.map(\.text), at: "passages/text")
        try w.writeStrings(passages.map { splitOf[$0.textID] ?? "none" }, at: "passages/split")
        for (name, ids) in [("train", split.train), ("validation", split.validation), ("test", split.test)] {
            try w.write(ids.map(Int32.init), shape: [ids.count], at: "split/\(name)")
        }
    }

    public static func read(from r: ArtifactReader) throws -> ClozeSplits {
        let corpus = try r.stringAttribute("corpus")
        let textID = try r.read(Int32.self, "contexts/text_id").values
        let n = textID.count
        let wordNumber = try r.read(Int32.self, "contexts/word_number", shape: [n]).values
        let total = try r.read(Int32.self, "contexts/total_count", shape: [n]).values
        let line = try r.read(Int32.self, "contexts/source_line", shape: [n]).values
        let context = try r.readStrings("contexts/context")
        let word = try r.readStrings("contexts/word")
        let split = try r.readStrings("contexts/split")
        let offsets = try r.read(Int64.self, "contexts/answer_offset", shape: [n + 1]).values
        let responses = try r.readStrings("answers/response")
        let counts = try r.read(Int32.self, "answers/count", shape: [responses.count]).values
        guard context.count == n, word.count == n, split.count == n else {
            throw ArtifactError(file: r.path, object: "contexts", "string datasets do not have \(n) rows")
        }
        guard offsets.first == 0, offsets.last == Int64(responses.count),
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ArtifactError(file: r.path, object: "contexts/answer_offset", "offsets are not a non-decreasing cover of answers/response")
        }
        var contexts: [ClozeContext] = []
        contexts.reserveCapacity(n)
        for i in 0..<n {
            let rs = (Int(offsets[i])..<Int(offsets[i + 1])).map { ClozeResponse(response: responses[$0], count: Int(counts[$0])) }
            contexts.append(ClozeContext(textID: Int(textID[i]), wordNumber: Int(wordNumber[i]), context: context[i],
                                         word: word[i], responses: rs, totalCount: Int(total[i]), firstLine: Int(line[i])))
        }
        let pid = try r.read(Int32.self, "passages/text_id").values.map(Int.init)
        let ptext = try r.readStrings("passages/text")
        guard ptext.count == pid.count else {
            throw ArtifactError(file: r.path, object: "passages/text", "\(ptext.count) rows, expected \(pid.count)")
        }
        let ps = ParagraphSplit(train: try r.read(Int32.self, "split/train").values.map(Int.init),
                                validation: try r.read(Int32.self, "split/validation").values.map(Int.init),
                                test: try r.read(Int32.self, "split/test").values.map(Int.init))
        return ClozeSplits(corpus: corpus, contexts: contexts, contextSplit: split,
                           passages: Array(zip(pid, ptext)).map { (textID: $0.0, text: $0.1) }, split: ps)
    }

    public static func read(path: String) throws -> ClozeSplits {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        return try read(from: r)
    }
}

extension ParagraphSplit {
    /// Passage id → "train" | "validation" | "test".
    public var passageSplits: [Int: String] {
        var m: [Int: String] = [:]
        for id in train { m[id] = "train" }
        for id in validation { m[id] = "validation" }
        for id in test { m[id] = "test" }
        return m
    }
}
