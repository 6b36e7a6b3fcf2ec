import Foundation
import Numerics

/// One human answer type of a cloze context and how many participants gave it.
public struct ClozeResponse: Equatable {
    /// The answer as in the file (lower-case, punctuation as typed; `TRUE`/`FALSE` kept as data).
    public var response: String
    /// How many participants gave it (> 0).
    public var count: Int

    public init(response: String, count: Int) { self.response = response; self.count = count }
}

/// A cloze context: the first `wordNumber - 1` words of a passage, the word that followed, and the
/// human answers.
public struct ClozeContext: Equatable {
    /// Passage id (`Text_ID`).
    public var textID: Int
    /// 1-based position of the word to predict (`Word_Number`).
    public var wordNumber: Int
    /// `Text.split(' ')[:Word_Number-1]` joined by single spaces (paper B's construction).
    public var context: String
    /// The word in the text at that position (`Word`, corpus punctuation kept).
    public var word: String
    /// Distinct answers in the order of their first row in the file (the Provo and de Varda TSVs
    /// list them by decreasing count). Repeated rows of the same answer are merged (counts added).
    public var responses: [ClozeResponse]
    /// Number of answers for the context (= sum of the counts; checked on load).
    public var totalCount: Int
    /// 1-based file line of the context's first row, for messages downstream.
    public var firstLine: Int

    public init(textID: Int, wordNumber: Int, context: String, word: String, responses: [ClozeResponse],
                totalCount: Int, firstLine: Int) {
        self.textID = textID; self.wordNumber = wordNumber; self.context = context; self.word = word
        self.responses = responses; self.totalCount = totalCount; self.firstLine = firstLine
    }

    /// All answers as a multiset in `responses` order, each repeated `count` times.
    public var expandedResponses: [String] {
        var out: [String] = []
        out.reserveCapacity(totalCount)
        for r in responses { for _ in 0..<r.count { out.append(r.response) } }
        return out
    }

    /// The most frequent answer; ties go to the answer listed first (file order), which in the
    /// Provo and de Varda TSVs is the order the norms list them in. Used for "FT (Maj. label)".
    /// Nil only for a context built by hand without answers (loaded contexts always have some).
    public var majorityResponse: String? {
        guard var best = responses.first else { return nil }
        for r in responses.dropFirst() where r.count > best.count { best = r }
        return best.response
    }

    /// `k` answers drawn without replacement from `expandedResponses`, as NumPy's legacy
    /// `rng.choice(answers, k, replace=False)` does it: `answers[rng.permutation(n)[:k]]`. All `n`
    /// answers (in permutation order) when k >= n. For paper B's labels-per-context ablation.
    public func sampleResponses(_ k: Int, rng: inout NumpyRandomState) -> [String] {
        let all = expandedResponses
        let perm = rng.permutation(all.count)
        return perm.prefix(max(0, k)).map { all[$0] }
    }
}

/// A cloze-norm corpus (Provo, de Varda, ...): passages and their contexts.
public struct ClozeNorms {
    /// Corpus name given to the loader (e.g. "provo", "devarda").
    public var corpus: String
    /// The file it was read from.
    public var path: String
    /// Passages sorted by id.
    public var passages: [(textID: Int, text: String)]
    /// Contexts sorted by (text id, word number).
    public var contexts: [ClozeContext]

    /// Contexts whose passage is in `textIDs`, in the corpus order.
    public func contexts(inTexts textIDs: Set<Int>) -> [ClozeContext] {
        contexts.filter { textIDs.contains($0.textID) }
    }

    /// The context for (`textID`, `wordNumber`), or nil if the corpus has none (binary search over
    /// the sorted contexts).
    public func context(textID: Int, wordNumber: Int) -> ClozeContext? {
        var lo = 0, hi = contexts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = contexts[mid]
            if (c.textID, c.wordNumber) < (textID, wordNumber) { lo = mid + 1 } else { hi = mid }
        }
        guard lo < contexts.count, contexts[lo].textID == textID, contexts[lo].wordNumber == wordNumber else { return nil }
        return contexts[lo]
    }

    /// Total number of human answers over all contexts.
    public var answerCount: Int { contexts.reduce(0) { $0 + $1.totalCount } }

    /// Loads a cloze-norm file with the Provo layout: columns `Text_ID`, `Word_Number`, `Word`,
    /// `Response`, `Response_Count`, `Total_Response_Count`, `Text` (other columns are ignored, so
    /// the official OSF `Provo_Corpus-Predictability_Norms.csv` loads too). `.csv` files are read as
    /// comma-separated, others as tab-separated.
    ///
    /// Checks, each an error with file:line: numeric ids/counts, `Word_Number` >= 1 and within the
    /// passage, `Response_Count` > 0, one `Word`, `Total_Response_Count` and `Text` per context and
    /// one `Text` per passage, and `Total_Response_Count` equal to the sum of the context's counts.
    /// (Measured on the shipped Provo and de Varda TSVs: every one of the 2,687 resp. 1,726
    /// contexts has sum == total, so a difference signals a damaged or mis-filtered file.)
    /// An empty `Response` is an error: the paper counted only given answers. Copies of the
    /// original release that renumber text 3's words 45-59 (a duplicated 58/59) fail the
    /// one-`Word`-per-context check with both lines named, rather than loading wrong contexts.
    /// Answers are kept as typed (no case folding or punctuation stripping).
    public static func load(path: String, corpus: String) throws -> ClozeNorms {
        let table = try DelimitedTable.read(path: path)
        return try load(table: table, corpus: corpus)
    }

    /// Same as `load(path:corpus:)` on an already parsed table.
    public static func load(table: DelimitedTable, corpus: String) throws -> ClozeNorms {
        let path = table.path
        let cText = try table.column("Text_ID"), cWordNo = try table.column("Word_Number")
        let cWord = try table.column("Word"), cResp = try table.column("Response")
        let cCount = try table.column("Response_Count"), cTotal = try table.column("Total_Response_Count")
        let cPassage = try table.column("Text")

        struct Key: Hashable { var textID: Int, wordNumber: Int }
        struct Building {
            var key: Key, word: String, total: Int, firstRow: Int
            var responses: [ClozeResponse] = []
            var indexOf: [String: Int] = [:]
        }
        var passages: [Int: (text: String, row: Int)] = [:]
        var building: [Building] = []
        var buildingIndex: [Key: Int] = [:]

        for row in 0..<table.rowCount {
            let line = table.line(ofRow: row)
            let textID = try table.int(row, cText)
            let wordNumber = try table.int(row, cWordNo)
            let count = try table.int(row, cCount)
            let total = try table.int(row, cTotal)
            if wordNumber < 1 {
                throw DatasetError.invalidValue(path: path, line: line, column: "Word_Number",
                                                value: String(wordNumber), reason: "must be >= 1")
            }
            if count <= 0 {
                throw DatasetError.invalidValue(path: path, line: line, column: "Response_Count",
                                                value: String(count), reason: "must be > 0")
            }
            if total <= 0 {
                throw DatasetError.invalidValue(path: path, line: line, column: "Total_Response_Count",
                                                value: String(total), reason: "must be > 0")
            }
            let response = table.string(row, cResp)
            if response.isEmpty {
                throw DatasetError.invalidValue(path: path, line: line, column: "Response", value: "",
                                                reason: "empty answer")
            }
            let word = table.string(row, cWord)
            if let p = passages[textID] {
                if table.string(row, cPassage) != p.text {
                    throw DatasetError.inconsistent(path: path, line: line,
                        detail: "Text differs from the Text of passage \(textID) on line \(table.line(ofRow: p.row))")
                }
            } else {
                passages[textID] = (table.string(row, cPassage), row)
            }
            let key = Key(textID: textID, wordNumber: wordNumber)
            let i: Int
            if let existing = buildingIndex[key] {
                i = existing
            } else {
                i = building.count
                buildingIndex[key] = i
                building.append(Building(key: key, word: word, total: total, firstRow: row))
            }
            let firstLine = table.line(ofRow: building[i].firstRow)
            if building[i].word != word {
                throw DatasetError.inconsistent(path: path, line: line,
                    detail: "Word '\(word)' differs from '\(building[i].word)' for text \(textID) word \(wordNumber) (line \(firstLine))")
            }
            if building[i].total != total {
                throw DatasetError.inconsistent(path: path, line: line,
                    detail: "Total_Response_Count \(total) differs from \(building[i].total) for text \(textID) word \(wordNumber) (line \(firstLine))")
            }
            if let r = building[i].indexOf[response] {
                building[i].responses[r].count += count
            } else {
                building[i].indexOf[response] = building[i].responses.count
                building[i].responses.append(ClozeResponse(response: response, count: count))
            }
        }

        building.sort { ($0.key.textID, $0.key.wordNumber) < ($1.key.textID, $1.key.wordNumber) }
        var wordsOf: [Int: [String]] = [:]
        var contexts: [ClozeContext] = []
        contexts.reserveCapacity(building.count)
        for b in building {
            let textID = b.key.textID, wordNumber = b.key.wordNumber
            if wordsOf[textID] == nil {
                // Python's str.split(' '): split on each U+0020 byte, keeping empty pieces.
                wordsOf[textID] = passages[textID]!.text.utf8
                    .split(separator: 0x20, omittingEmptySubsequences: false)
                    .map { String(decoding: $0, as: UTF8.self) }
            }
            let words = wordsOf[textID]!
            let line = table.line(ofRow: b.firstRow)
            let sum = b.responses.reduce(0) { $0 + $1.count }
            if sum != b.total {
                throw DatasetError.inconsistent(path: path, line: line,
                    detail: "Total_Response_Count \(b.total) != sum of Response_Count \(sum) for text \(textID) word \(wordNumber)")
            }
            if wordNumber - 1 > words.count {
                throw DatasetError.invalidValue(path: path, line: line, column: "Word_Number",
                    value: String(wordNumber), reason: "passage \(textID) has only \(words.count) words")
            }
            let context = words[0..<(wordNumber - 1)].joined(separator: " ")
            contexts.append(ClozeContext(textID: textID, wordNumber: wordNumber, context: context,
                                         word: b.word, responses: b.responses, totalCount: b.total,
                                         firstLine: line))
        }
        let sortedPassages = passages.keys.sorted().map { (textID: $0, text: passages[$0]!.text) }
        return ClozeNorms(corpus: corpus, path: path, passages: sortedPassages, contexts: contexts)
    }
}

/// The Provo Corpus predictability norms (Luke & Christianson 2018).
public enum ProvoNorms {
    /// Loads `provo_cloze_norms.tsv` or the official `Provo_Corpus-Predictability_Norms.csv`.
    public static func load(path: String) throws -> ClozeNorms {
        try ClozeNorms.load(path: path, corpus: "provo")
    }
}

/// The cloze norms of de Varda, Marelli & Amenta (same layout as Provo).
public enum DeVardaNorms {
    /// Loads `devarda_cloze_norms.tsv`.
    public static func load(path: String) throws -> ClozeNorms {
        try ClozeNorms.load(path: path, corpus: "devarda")
    }
}
