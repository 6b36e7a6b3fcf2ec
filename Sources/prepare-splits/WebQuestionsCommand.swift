import ArgumentParser
import Datasets
import Foundation
import StageKit

/// `prepare-splits webquestions`: paper B appendix G's QA set from a WebQuestions JSON file.
struct WebQuestionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webquestions",
        abstract: "WebQuestions questions with a one-word answer (paper B appendix G's QA set).",
        discussion: """
            Keeps the questions whose answers list holds exactly one answer without whitespace. With \
            --limit N, N of them are drawn as NumPy's RandomState(SEED).choice(n, N, replace=False) \
            (= permutation(n)[:N]) and kept in file order. Paper B hand-picked 55 questions and \
            rephrased them as next-word contexts (not published); this is our stand-in.

            Example: prepare-splits webquestions --input data/raw/webquestions/test.json \\
                       --output results/artifacts/webquestions/qa.h5 --limit 55 --seed 42
            """)

    @Option(help: "WebQuestions JSON file (e.g. test.json).") var input: String
    @Option(help: "Output HDF5 artifact.") var output: String
    @Option(help: "Keep N questions drawn with --seed (default: all one-word-answer questions).") var limit: Int?
    @Option(help: "NumPy RandomState seed of the --limit draw.") var seed: UInt32 = 42

    func run() throws {
        let ctx = StageContext(stage: "prepare-splits", seed: Int(seed))
        ctx.setConfigText("dataset: webquestions\nfilter: one answer, one word\nlimit: \(limit.map(String.init) ?? "none")\nseed: \(seed)\n")
        try ctx.addInput(input)
        let items = try WebQuestions.load(path: input)
        let set = try QAQuestionSet.select(from: items, path: input, limit: limit, seed: seed)
        if set.count == 0 { throw StageError.input(input, "no question has a single one-word answer") }
        try ctx.writeArtifact(to: output) { w in try set.write(to: w) }
        print("\(output): \(set.count) questions (of \(set.candidateCount) with a one-word answer among \(items.count))")
    }
}
