import ArgumentParser
import Artifacts
import Datasets
import Foundation
import Metrics
import Numerics
import StageKit

/// Paper B's oracle: split-half TVD between two random halves of the human answers of each context.
struct Oracle: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paper B oracle: TVD between random halves of the human answers, per test context and seed.",
        discussion: """
        Per context: all human answers (file order, each repeated by its count), one dropped at random \
        if their number is odd, the rest split at random into two halves, TVD between the halves. \
        One NumPy-compatible RandomState(seed) advances over the contexts in artifact order, so the \
        procedure can be reproduced in Python (see Sources/Metrics/Oracle.swift). The table number is \
        the mean over contexts per seed, then mean ± population SD over seeds; the CI is a percentile \
        bootstrap over contexts of the first seed's mean.
        """)

    @Option(help: "prepare-splits cloze artifact.")
    var splits: String
    @Option(help: "Output HDF5 artifact.")
    var output: String
    @Option(help: "Which split to score.")
    var split = "test"
    @Option(parsing: .upToNextOption, help: "Seeds, one oracle split each (paper B: 3 seeds).")
    var seeds: [UInt32] = [42, 123, 456]
    @Option(help: "Bootstrap resamples for the 95% CI.")
    var bootstrap = 1000
    @Option(parsing: .upToNextOption, help: "Table columns (our model labels) the oracle row is reported under (default: the two models of --experiment).")
    var columns: [String] = []
    @Option(help: "Experiment file whose model labels are the default --columns.")
    var experiment = "pipeline/paperB.yaml"

    func run() throws {
        guard !seeds.isEmpty else { throw StageError.usage("--seeds needs at least one seed") }
        var columns = self.columns
        if columns.isEmpty {
            let m = try PaperBExperiment.load(experiment).value.models
            columns = [m.base.label, m.instruct.label]
        }
        let ctx = StageContext(stage: "evaluate", seed: Int(seeds[0]))
        ctx.setConfigText("evaluation: oracle\nsplit: \(split)\nseeds: \(seeds)\nbootstrap: \(bootstrap)\n")
        try ctx.addInput(splits)
        let data = try ClozeSplits.read(path: splits)
        let contexts = data.contexts(in: split)
        guard !contexts.isEmpty else { throw StageError.input(splits, "no contexts in split '\(split)'") }
        var tvd: [[Double]] = []
        for seed in seeds {
            var rng = NumpyRandomState(seed: seed)
            tvd.append(try contexts.map { c in
                do { return try oracleTVD(c.expandedResponses, rng: &rng) } catch {
                    throw StageError.input(splits, "context (text \(c.textID), word \(c.wordNumber)): \(error)")
                }
            })
        }
        let means = try tvd.map(mean)
        let ci = try bootstrapMeanCI(tvd[0], resamples: bootstrap, seed: seeds[0])
        let value = try mean(means), sd = seeds.count > 1 ? try populationSD(means) : nil
        let rows = columns.map {
            SummaryRow(paper: "B", table: "1", row: "Oracle", column: $0, value: value, sd: sd,
                       ciLower: ci.lower, ciUpper: ci.upper, n: contexts.count)
        }
        try ctx.writeArtifact(to: output) { w in
            let n = contexts.count
            try w.setAttribute("evaluation", .string("oracle"))
            try w.setAttribute("split", .string(split))
            try w.write(contexts.map { Int32($0.textID) }, shape: [n], at: "contexts/text_id")
            try w.write(contexts.map { Int32($0.wordNumber) }, shape: [n], at: "contexts/word_number")
            try w.write(seeds.map { Int64($0) }, shape: [seeds.count], at: "seeds")
            try w.write(tvd.flatMap { $0 }, shape: [seeds.count, n], at: "oracle_tvd")
            try SummaryTable.write(rows, to: w)
        }
        let perSeed = zip(seeds, means).map { "seed \($0.0): \(String(format: "%.4f", $0.1))" }.joined(separator: ", ")
        print("\(output): oracle TVD over \(contexts.count) \(split) contexts = \(String(format: "%.4f", value))"
              + (sd.map { String(format: " ± %.4f", $0) } ?? "") + " (\(perSeed))")
    }
}
