import Artifacts
import Datasets
import Foundation
import StageKit
import XCTest

/// Small hand-made inputs of `evaluate tvd|qa` and `report`: a 3-context test split with known
/// human answers, and samples artifacts written as `infer sample` would.
enum EvalFixture {
    /// Passage 2 is the test passage ("Alpha beta gamma delta"); its contexts are words 2, 3, 4.
    /// Human answers (as typed, with counts):
    ///   word 2: the ×2, mr. ×1, a ×1      → normalised p: the .5, mr .25, a .25
    ///   word 3: dog ×3, TRUE ×1           → dog .75, true .25
    ///   word 4: cat ×1, --- ×1            → cat .5, "---" .5 (no word: kept raw, unmatchable)
    static let tsv: String = makeTSV([(2, "beta", [("the", 2), ("mr.", 1), ("a", 1)]), (3, "gamma", [("dog", 3), ("TRUE", 1)]),
                                      (4, "delta", [("cat", 1), ("---", 1)])])

    /// A Provo-layout TSV: passage 1 (train) with two contexts, passage 2 (test) with `test`'s
    /// contexts (word number, the text's word, answers with counts).
    static func makeTSV(_ test: [(Int, String, [(String, Int)])]) -> String {
        var rows = ["Text_ID\tWord_Number\tWord\tResponse\tResponse_Count\tTotal_Response_Count\tText"]
        let p1 = "One two three", p2 = "Alpha beta gamma delta"
        rows.append("1\t2\ttwo\tfoo\t2\t2\t\(p1)")
        rows.append("1\t3\tthree\tbar\t1\t3\t\(p1)")
        rows.append("1\t3\tthree\tbaz\t2\t3\t\(p1)")
        for (w, word, answers) in test {
            let total = answers.map(\.1).reduce(0, +)
            for (a, c) in answers { rows.append("2\t\(w)\t\(word)\t\(a)\t\(c)\t\(total)\t\(p2)") }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// The human answers of the three test contexts, in file order.
    static let answers: [[String]] = [["the", "mr.", "a"], ["dog", "TRUE"], ["cat", "---"]]

    /// Writes the splits artifact (train = passage 1, test = passage 2) and returns its path.
    static func writeSplits(in dir: String, tsv: String = EvalFixture.tsv) throws -> String {
        let tsvPath = dir + "/cloze.tsv"
        try tsv.write(toFile: tsvPath, atomically: true, encoding: .utf8)
        let norms = try ClozeNorms.load(path: tsvPath, corpus: "provo")
        let splits = try ClozeSplits(norms: norms, split: ParagraphSplit(train: [1], validation: [], test: [2]))
        let out = dir + "/splits.h5"
        try StageContext(stage: "prepare-splits", seed: 42).writeArtifact(to: out) { w in try splits.write(to: w) }
        return out
    }

    /// Writes a samples artifact of the 3 test contexts with the given words (S per context) and
    /// human log q (NaN = not scored); `seed` goes into the provenance like `infer sample` does.
    static func writeSamples(in dir: String, name: String, model: String = "Gemma-3-270M", variant: String, seed: Int,
                             words: [[String]], logq: [[Double]], answers: [[String]] = EvalFixture.answers,
                             contexts: [(Int, Int)] = [(2, 2), (2, 3), (2, 4)], split: String = "test",
                             promptStyle: String = "continuation") throws -> String {
        var a = SamplesArtifact(modelLabel: model, variant: variant, promptStyle: promptStyle, split: split,
                                nSamples: words[0].count, maxNewTokens: 8, topK: 0, topP: 1, temperature: 1,
                                modelPath: "/models/x.gguf", modelSHA256: "00")
        for (i, c) in contexts.enumerated() {
            a.append(textID: c.0, wordNumber: c.1, words: words[i], texts: words[i].map { " " + $0 },
                     responses: answers[i], logq: logq[i])
        }
        let out = dir + "/" + name
        try StageContext(stage: "infer", seed: seed).writeArtifact(to: out) { w in try a.write(to: w) }
        return out
    }

    /// Runs `evaluate oracle` on the splits with the given seeds.
    static func writeOracle(splits: String, in dir: String, seeds: [Int]) throws -> String {
        let out = dir + "/oracle.h5"
        let r = try Stages.run("evaluate", ["oracle", "--splits", splits, "--output", out, "--seeds"] + seeds.map(String.init))
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    /// The summary rows of an artifact, keyed "table/row/column".
    static func summary(_ path: String) throws -> [String: SummaryRow] {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        var out: [String: SummaryRow] = [:]
        for row in try SummaryTable.read(from: r) { out["\(row.table)/\(row.row)/\(row.column)"] = row }
        return out
    }

    /// A [S, N] float64 dataset as rows.
    static func matrix(_ path: String, _ name: String) throws -> [[Double]] {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let (v, shape) = try r.read(Double.self, name)
        return (0..<shape[0]).map { Array(v[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }
}
