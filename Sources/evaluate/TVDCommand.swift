import ArgumentParser
import Artifacts
import Datasets
import Foundation
import Metrics
import StageKit

/// Paper B's main evaluation: per test context and seed, the TVD between the human and the model
/// next-word distributions, and the analyses of its appendices C-F.
struct TVD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tvd",
        abstract: "Paper B: TVD(human, model) per test context and seed, entropy, coverage, cross-entropy, ΔTVD.",
        discussion: """
        --samples are the `infer sample` artifacts of one model and variant, one per seed. Per context \
        and seed: TVD between the human answers (counts from --splits, normalised as --human-words says) \
        and the empirical distribution of the non-empty sampled words; entropy (nats) of that \
        distribution; share of distinct human words the model sampled; human cross-entropy \
        -sum p(a) log q(a|c) from /human/logq; TVD minus the oracle TVD of the same seed; with \
        --baseline (the Base model's samples, paired by seed) the difference TVD - TVD(baseline). \
        A context whose samples hold no word scores TVD 1, coverage 0, entropy NaN. \
        --human-words normalized (default) passes each human answer through the samples' word \
        extraction (punctuation removed, first word, lower-cased: "dr." -> "dr", "TRUE" -> "true"); an \
        answer with no word characters keeps its text (it stays in p and no model word matches it); \
        raw compares answers as typed. Cross-entropy always uses the answers as typed. \
        Table numbers: mean over contexts per seed, then mean ± population SD over seeds; 95% CI by \
        percentile bootstrap over contexts of the per-context mean over seeds. Summary rows: \
        B/1/<row>/<model> (TVD), B/F6 (entropy), B/F7 (coverage), B/CE (human cross-entropy; not in \
        the paper), with --baseline B/F4/<row>/<model>/ \
        {slope, mean diff low, mean diff high} on the first seed (low/high: oracle TVD <= / > its \
        median); with --labels-per-context N the ablation cell B/F9/<N>/<model> (N = all also writes \
        the table rows: that run is FT (Mul. labels)).
        Artifact (h5py): contexts/text_id, contexts/word_number [N]; seeds [S]; per_context/{tvd, \
        oracle_tvd, tvd_minus_oracle, entropy, coverage, human_cross_entropy, n_valid, baseline_tvd, \
        delta_tvd} [S, N]; per_seed/mean_* [S]; summary/*.
        """)

    @Option(help: "prepare-splits cloze artifact (human answers with counts).")
    var splits: String
    @Option(parsing: .upToNextOption, help: "Samples artifacts of one model and variant, one per seed (the first is 'the first seed').")
    var samples: [String]
    @Option(help: "`evaluate oracle` artifact of the same split (oracle TVD per context and seed).")
    var oracle: String
    @Option(help: "Output HDF5 artifact.")
    var output: String
    @Option(parsing: .upToNextOption, help: "Samples artifacts of the Base model (same model label), paired with --samples by seed.")
    var baseline: [String] = []
    @Option(parsing: .upToNextOption, help: "Seed of each --samples file (default: each file's provenance seed).")
    var seeds: [String] = []
    @Option(parsing: .upToNextOption, help: "Seed of each --baseline file (default: each file's provenance seed).")
    var baselineSeeds: [String] = []
    @Option(help: "Which split of --splits the samples cover.")
    var split = "test"
    @OptionGroup(title: "Table cell") var cell: TableCellOptions
    @Option(help: "Fig. 9 ablation: labels per training context of this fine-tune (1, 2, 4, 16, 32 or all).")
    var labelsPerContext: String?
    @Option(help: "How human answers are compared with extracted model words: normalized (default) or raw.")
    var humanWords: HumanWordForm = .normalized
    @Option(help: "Bootstrap resamples for the 95% CI (0: none).")
    var bootstrap = 1000

    func run() throws {
        guard bootstrap >= 0 else { throw StageError.usage("--bootstrap must be >= 0") }
        if let n = labelsPerContext, n != "all", (Int(n) ?? 0) < 1 {
            throw StageError.usage("--labels-per-context must be a positive integer or 'all', got '\(n)'")
        }
        let runs = try readSampleRuns(samples, seeds: try parseSeeds(seeds), option: "--samples")
        let first = runs[0].samples
        let model = cell.resolveColumn(modelLabel: first.modelLabel)
        let tableRow = try resolveRow(variant: first.variant, path: runs[0].path)
        let ctx = StageContext(stage: "evaluate", seed: runs[0].seed)
        ctx.setConfigText("evaluation: tvd\nsplit: \(split)\nrow: \(tableRow)\ncolumn: \(model)\nhuman_words: \(humanWords.rawValue)\n"
                          + "labels_per_context: \(labelsPerContext ?? "")\nseeds: \(runs.map(\.seed))\nbootstrap: \(bootstrap)\n")
        try ctx.addInputs([splits, oracle] + samples + baseline)

        let data = try ClozeSplits.read(path: splits)
        let contexts = data.contexts(in: split)
        guard !contexts.isEmpty else { throw StageError.input(splits, "no contexts in split '\(split)'") }
        let oracleRows = try OracleTable(path: oracle, contexts: contexts)
        let scores = try runs.map { try scoreRun($0, contexts: contexts) }
        let oracleTVD = try runs.map { try oracleRows.tvd(seed: $0.seed) }

        var baselineTVD: [[Double]]? = nil
        var baselineVariant = ""
        if !baseline.isEmpty {
            let base = try readSampleRuns(baseline, seeds: try parseSeeds(baselineSeeds), option: "--baseline")
            guard base[0].samples.modelLabel == first.modelLabel else {
                throw StageError.input(base[0].path, "baseline model_label '\(base[0].samples.modelLabel)' differs from the samples' '\(first.modelLabel)'")
            }
            baselineVariant = base[0].samples.variant
            baselineTVD = try runs.map { r in
                guard let b = base.first(where: { $0.seed == r.seed }) else {
                    throw StageError.usage("--baseline has no file for seed \(r.seed) (baseline seeds: \(base.map(\.seed)))")
                }
                return try scoreRun(b, contexts: contexts).map(\.tvd)
            }
        }

        let tvd = scores.map { $0.map(\.tvd) }
        let entropy = scores.map { $0.map(\.entropy) }
        let coverage = scores.map { $0.map(\.coverage) }
        let crossEntropy = scores.map { $0.map(\.crossEntropy) }
        let minusOracle = zip(tvd, oracleTVD).map { zip($0, $1).map { $0 - $1 } }
        let delta = baselineTVD.map { b in zip(tvd, b).map { zip($0, $1).map { $0 - $1 } } }

        let bseed = UInt32(truncatingIfNeeded: runs[0].seed)
        let tvdSummary = try SeedSummary(tvd, bootstrap: bootstrap, bootstrapSeed: bseed, what: "TVD")
        let entropySummary = try SeedSummary(entropy, bootstrap: bootstrap, bootstrapSeed: bseed, what: "entropy")
        let coverageSummary = try SeedSummary(coverage, bootstrap: bootstrap, bootstrapSeed: bseed, what: "coverage")
        let crossEntropySummary = try SeedSummary(crossEntropy, bootstrap: bootstrap, bootstrapSeed: bseed, what: "human cross-entropy")
        let tableRun = labelsPerContext == nil || labelsPerContext == "all"
        var rows: [SummaryRow] = []
        if tableRun {
            rows.append(tvdSummary.row(table: "1", row: tableRow, column: model))
            rows.append(entropySummary.row(table: "F6", row: tableRow, column: model))
            rows.append(coverageSummary.row(table: "F7", row: tableRow, column: model))
            // Not in the paper: the exact cross-entropy of the human answers, Table 1's noise-free companion.
            rows.append(crossEntropySummary.row(table: "CE", row: tableRow, column: model))
            if let d = delta {
                do { rows += try figure4Rows(delta: d[0], oracle: oracleTVD[0], row: tableRow, model: model) } catch {
                    throw StageError.input(oracle, "fig. 4 regression of ΔTVD on the oracle TVD of seed \(runs[0].seed): \(error)")
                }
            }
        }
        if let n = labelsPerContext { rows.append(tvdSummary.row(table: "F9", row: n, column: model)) }

        let trainContexts = data.contexts(in: "train")
        let meanTrainAnswers = trainContexts.isEmpty ? Double.nan
            : Double(trainContexts.map(\.totalCount).reduce(0, +)) / Double(trainContexts.count)
        try ctx.writeArtifact(to: output) { w in
            let n = contexts.count, s = runs.count
            for (k, v) in [("evaluation", "tvd"), ("paper", "B"), ("split", split), ("model_label", first.modelLabel),
                           ("variant", first.variant), ("row", tableRow), ("column", model), ("prompt_style", first.promptStyle),
                           ("human_words", humanWords.rawValue), ("labels_per_context", labelsPerContext ?? ""),
                           ("baseline_variant", baselineVariant)] {
                try w.setAttribute(k, .string(v))
            }
            try w.setAttribute("n_samples", .int(first.nSamples))
            try w.setAttribute("mean_train_answers_per_context", .double(meanTrainAnswers))
            try w.write(contexts.map { Int32($0.textID) }, shape: [n], at: "contexts/text_id")
            try w.write(contexts.map { Int32($0.wordNumber) }, shape: [n], at: "contexts/word_number")
            try w.write(runs.map { Int64($0.seed) }, shape: [s], at: "seeds")
            func put(_ m: [[Double]], _ name: String) throws {
                try w.write(m.flatMap { $0 }, shape: [s, n], at: "per_context/" + name)
            }
            try put(tvd, "tvd"); try put(oracleTVD, "oracle_tvd"); try put(minusOracle, "tvd_minus_oracle")
            try put(entropy, "entropy"); try put(coverage, "coverage"); try put(crossEntropy, "human_cross_entropy")
            try w.write(scores.flatMap { $0.map { Int32($0.nValid) } }, shape: [s, n], at: "per_context/n_valid")
            if let b = baselineTVD, let d = delta { try put(b, "baseline_tvd"); try put(d, "delta_tvd") }
            func perSeed(_ m: [[Double]]) -> [Double] { m.map { v in let f = v.filter { !$0.isNaN }; return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count) } }
            try w.write(tvdSummary.perSeed, shape: [s], at: "per_seed/mean_tvd")
            try w.write(entropySummary.perSeed, shape: [s], at: "per_seed/mean_entropy")
            try w.write(coverageSummary.perSeed, shape: [s], at: "per_seed/mean_coverage")
            try w.write(crossEntropySummary.perSeed, shape: [s], at: "per_seed/mean_human_cross_entropy")
            try w.write(perSeed(minusOracle), shape: [s], at: "per_seed/mean_tvd_minus_oracle")
            if let d = delta { try w.write(perSeed(d), shape: [s], at: "per_seed/mean_delta_tvd") }
            try w.write(scores.map { Int32($0.filter { $0.nValid == 0 }.count) }, shape: [s], at: "per_seed/n_no_word")
            try SummaryTable.write(rows, to: w)
        }
        let noWord = scores.map { $0.filter { $0.nValid == 0 }.count }.reduce(0, +)
        print("\(output): \(model) \(tableRow)\(labelsPerContext.map { " (\($0) labels per context)" } ?? ""): mean TVD over "
              + "\(contexts.count) \(split) contexts = \(formatMeanSD(tvdSummary)), entropy \(formatMeanSD(entropySummary)), "
              + "coverage \(formatMeanSD(coverageSummary)) (seeds \(runs.map(\.seed)))"
              + (noWord > 0 ? "; \(noWord) context-seeds without any sampled word scored as TVD 1" : ""))
    }

    /// The table row of this run: --row, else "FT (<n> labels)" for an ablation run, else from the variant.
    func resolveRow(variant: String, path: String) throws -> String {
        if cell.row == nil, let n = labelsPerContext, n != "all" { return "FT (\(n) labels)" }
        return try cell.resolveRow(variant: variant, path: path)
    }

    /// Scores every context of one samples artifact, checking it covers exactly `contexts` with the
    /// same human answers in the same order.
    func scoreRun(_ run: SampleRun, contexts: [ClozeContext]) throws -> [ContextScores] {
        let s = run.samples, k = s.nSamples
        guard s.split == split else { throw StageError.input(run.path, "split is '\(s.split)', expected '\(split)'") }
        guard s.count == contexts.count else {
            throw StageError.input(run.path, "\(s.count) contexts, but split '\(split)' of \(splits) has \(contexts.count)")
        }
        var out: [ContextScores] = []
        out.reserveCapacity(contexts.count)
        for (i, c) in contexts.enumerated() {
            let here = "context \(i) (text \(c.textID), word \(c.wordNumber))"
            guard Int(s.textID[i]) == c.textID, Int(s.wordNumber[i]) == c.wordNumber else {
                throw StageError.input(run.path, "context \(i) is (text \(s.textID[i]), word \(s.wordNumber[i])), "
                                       + "but \(splits) has (text \(c.textID), word \(c.wordNumber))")
            }
            let lo = Int(s.answerOffset[i]), hi = Int(s.answerOffset[i + 1])
            guard s.responses[lo..<hi].elementsEqual(c.responses.map(\.response)) else {
                throw StageError.input(run.path, "\(here): human/response \(Array(s.responses[lo..<hi])) differs from "
                                       + "\(splits)'s answers \(c.responses.map(\.response))")
            }
            if let j = (lo..<hi).first(where: { s.logq[$0] > 1e-6 || s.logq[$0] == .infinity }) {
                throw StageError.input(run.path, "\(here): human/logq[\(j)] = \(s.logq[j]) for '\(s.responses[j])' is not a log-probability")
            }
            do {
                out.append(try scoreContext(human: c.responses, words: s.words[(i * k)..<((i + 1) * k)],
                                            logq: s.logq[lo..<hi], form: humanWords))
            } catch {
                throw StageError.input(run.path, "\(here): \(error)")
            }
        }
        return out
    }

    /// Paper B figs. 4/8 numbers on the first seed: least-squares slope of ΔTVD on oracle TVD, and
    /// mean ΔTVD over contexts with oracle TVD <= / > its median (NumPy's median).
    func figure4Rows(delta: [Double], oracle: [Double], row: String, model: String) throws -> [SummaryRow] {
        let fit = try linearRegression(x: oracle, y: delta)
        let median = try percentile(oracle, 50)
        let low = zip(oracle, delta).filter { $0.0 <= median }.map(\.1)
        let high = zip(oracle, delta).filter { $0.0 > median }.map(\.1)
        var rows = [SummaryRow(paper: "B", table: "F4", row: row, column: model + "/slope", value: fit.slope, n: delta.count)]
        if !low.isEmpty { rows.append(SummaryRow(paper: "B", table: "F4", row: row, column: model + "/mean diff low", value: try mean(low), n: low.count)) }
        if !high.isEmpty { rows.append(SummaryRow(paper: "B", table: "F4", row: row, column: model + "/mean diff high", value: try mean(high), n: high.count)) }
        return rows
    }
}

/// The per-context oracle TVD of an `evaluate oracle` artifact, checked against the split's contexts.
struct OracleTable {
    let path: String
    let seeds: [Int]
    let tvd: [Double]
    let n: Int

    init(path: String, contexts: [ClozeContext]) throws {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        guard r.hasAttribute("evaluation"), try r.stringAttribute("evaluation") == "oracle" else {
            throw StageError.input(path, "not an `evaluate oracle` artifact (root attribute evaluation != oracle)")
        }
        seeds = try r.read(Int64.self, "seeds").values.map { Int($0) }
        let tid = try r.read(Int32.self, "contexts/text_id").values
        let wn = try r.read(Int32.self, "contexts/word_number", shape: [tid.count]).values
        guard tid.count == contexts.count, zip(zip(tid, wn), contexts).allSatisfy({ Int($0.0.0) == $0.1.textID && Int($0.0.1) == $0.1.wordNumber }) else {
            throw StageError.input(path, "its \(tid.count) contexts are not the \(contexts.count) contexts of the evaluated split")
        }
        n = tid.count
        tvd = try r.read(Double.self, "oracle_tvd", shape: [seeds.count, n]).values
        self.path = path
    }

    /// The oracle TVD of every context for `seed`.
    func tvd(seed: Int) throws -> [Double] {
        guard let i = seeds.firstIndex(of: seed) else {
            throw StageError.input(path, "has no oracle for seed \(seed) (seeds \(seeds)); run `evaluate oracle --seeds` with it")
        }
        return Array(tvd[(i * n)..<((i + 1) * n)])
    }
}
