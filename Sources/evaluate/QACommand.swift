import ArgumentParser
import Artifacts
import Foundation
import Metrics
import StageKit
import Training

/// Paper B appendix G: hit rate on knowledge questions that admit one answer.
///
/// Input: samples artifacts (`SamplesArtifact`, one per seed) of the QA set, with the questions as
/// contexts: `contexts/text_id` = question number (0-based position in the QA set),
/// `contexts/word_number` = 0, `samples/word` = the S extracted words sampled for the question
/// (paper: S = 40), and exactly one human answer per question (`human/response` = the gold answer,
/// `human/logq` its log q or NaN). `prompt_style` (an `infer qa --prompt`) tells the format:
/// next-word (cloze) prompts for Table 3, the original questions for Fig. 11.
struct QA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Paper B appendix G: share of sampled words equal to the gold answer, per question and seed.",
        discussion: """
        Per question and seed: hit rate = (samples whose extracted word equals the answer) / n_samples; \
        a sample without a word is a miss. The answer is compared after the same extraction as the \
        samples (punctuation removed, lower-cased: case-insensitive); an answer that is not exactly one \
        word is an error. Mean over questions per seed, then mean ± population SD over seeds, 95% CI \
        by bootstrap over questions of the per-question mean over seeds. Summary row \
        B/3/<row>/<model> (next-word prompts, Table 3) or B/F11/<row>/<model> (the original-question \
        prompts of Fig. 11); the format follows from the samples' prompt_style. Artifact: contexts/text_id, contexts/word_number [N], \
        answer [N], seeds [S], per_context/hit_rate [S, N], per_seed/mean_hit_rate [S], summary/*.
        """)

    @Option(parsing: .upToNextOption, help: "QA samples artifacts of one model and variant, one per seed.")
    var samples: [String]
    @Option(help: "Output HDF5 artifact.")
    var output: String
    @Option(parsing: .upToNextOption, help: "Seed of each --samples file (default: each file's provenance seed).")
    var seeds: [String] = []
    @OptionGroup(title: "Table cell") var cell: TableCellOptions
    @Option(help: "Prompt format of the samples, cloze (Table 3) or question (Fig. 11), for samples whose prompt_style is not an `infer qa` prompt; otherwise it must match it.")
    var format: QAFormat?
    @Option(help: "Bootstrap resamples for the 95% CI (0: none).")
    var bootstrap = 1000

    func run() throws {
        guard bootstrap >= 0 else { throw StageError.usage("--bootstrap must be >= 0") }
        let runs = try readSampleRuns(samples, seeds: try parseSeeds(seeds), option: "--samples")
        let first = runs[0].samples
        let model = cell.resolveColumn(modelLabel: first.modelLabel)
        let tableRow = try cell.resolveRow(variant: first.variant, path: runs[0].path)
        let format = try promptFormat(runs)
        let ctx = StageContext(stage: "evaluate", seed: runs[0].seed)
        ctx.setConfigText("evaluation: qa\nformat: \(format.rawValue)\nrow: \(tableRow)\ncolumn: \(model)\n"
                          + "seeds: \(runs.map(\.seed))\nbootstrap: \(bootstrap)\n")
        try ctx.addInputs(samples)

        let answers = try goldAnswers(runs[0])
        for r in runs.dropFirst() {
            if try goldAnswers(r) != answers { throw StageError.input(r.path, "gold answers differ from \(runs[0].path)'s") }
        }
        let keys = try answers.enumerated().map { i, a in
            guard let k = qaAnswerKey(a) else {
                throw StageError.input(runs[0].path, "question \(i) (text_id \(first.textID[i])): answer '\(a)' is not exactly one word")
            }
            return k
        }
        let hit: [[Double]] = try runs.map { r in
            let k = r.samples.nSamples
            return try keys.enumerated().map { i, key in
                try hitRate(samples: Array(r.samples.words[(i * k)..<((i + 1) * k)]), target: key)
            }
        }
        let summary = try SeedSummary(hit, bootstrap: bootstrap, bootstrapSeed: UInt32(truncatingIfNeeded: runs[0].seed), what: "hit rate")
        let rows = [summary.row(table: format == .cloze ? "3" : "F11", row: tableRow, column: model)]
        try ctx.writeArtifact(to: output) { w in
            let n = keys.count, s = runs.count
            for (k, v) in [("evaluation", "qa"), ("paper", "B"), ("format", format.rawValue), ("model_label", first.modelLabel),
                           ("variant", first.variant), ("row", tableRow), ("column", model), ("prompt_style", first.promptStyle)] {
                try w.setAttribute(k, .string(v))
            }
            try w.setAttribute("n_samples", .int(first.nSamples))
            try w.write(first.textID, shape: [n], at: "contexts/text_id")
            try w.write(first.wordNumber, shape: [n], at: "contexts/word_number")
            try w.writeStrings(answers, at: "answer")
            try w.write(runs.map { Int64($0.seed) }, shape: [s], at: "seeds")
            try w.write(hit.flatMap { $0 }, shape: [s, n], at: "per_context/hit_rate")
            try w.write(summary.perSeed, shape: [s], at: "per_seed/mean_hit_rate")
            try SummaryTable.write(rows, to: w)
        }
        print("\(output): \(model) \(tableRow) (\(format.rawValue) prompts): mean hit rate over \(keys.count) questions = "
              + "\(formatMeanSD(summary)) (seeds \(runs.map(\.seed)))")
    }

    /// The prompt format of the samples: from their prompt_style (all files alike), or --format.
    func promptFormat(_ runs: [SampleRun]) throws -> QAFormat {
        for r in runs.dropFirst() where r.samples.promptStyle != runs[0].samples.promptStyle {
            throw StageError.input(r.path, "prompt_style '\(r.samples.promptStyle)' differs from \(runs[0].path)'s '\(runs[0].samples.promptStyle)'")
        }
        let style = runs[0].samples.promptStyle
        guard let known = QAPrompt(rawValue: style)?.format else {
            guard let format else {
                throw StageError.input(runs[0].path, "prompt_style '\(style)' is not an infer qa prompt; pass --format cloze or question")
            }
            return format
        }
        if let format, format != known {
            throw StageError.input(runs[0].path, "prompt_style '\(style)' is the \(known.rawValue) format, but --format \(format.rawValue) was given")
        }
        return known
    }

    /// The one gold answer of each question.
    func goldAnswers(_ run: SampleRun) throws -> [String] {
        let s = run.samples
        return try (0..<s.count).map { i in
            let lo = Int(s.answerOffset[i]), hi = Int(s.answerOffset[i + 1])
            guard hi - lo == 1 else {
                throw StageError.input(run.path, "question \(i) (text_id \(s.textID[i])) has \(hi - lo) answers in human/response, expected exactly 1")
            }
            return s.responses[lo]
        }
    }
}

extension QAFormat: ExpressibleByArgument {}
