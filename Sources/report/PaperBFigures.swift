import Artifacts
import Foundation
import Metrics
import Plots
import StageKit

/// Paper B's figures 1-12 from the `evaluate oracle|tvd|qa` artifacts that exist so far.
///
/// Each figure is `results/paperB/figN_*.svg` with its data as `figN_*.csv` (long format, one row
/// per plotted value). `figures.csv` lists every figure as `written` (all expected inputs found),
/// `partial` (drawn from the inputs found; `missing` says which are absent) or `pending` (no input
/// yet: nothing is drawn, and a stale SVG/CSV of an earlier run is removed). `tvd_per_context.csv`
/// holds every (model, variant = table row, seed, context) of the TVD runs; its n_samples is the
/// number of samples with a word (the denominator of the model CPD).
struct PaperBFigures {
    let artifacts: [String]
    /// The artifacts folder, where the fine-tuning runs' training logs are found.
    let artifactsDir: String
    let outputDir: String

    /// The experiment file: which of our models plays which paper column, the ablation counts.
    let experiment: PaperBExperiment

    /// Our two models (column labels of the evaluate artifacts), base first.
    var models: [String] { [experiment.models.base.label, experiment.models.instruct.label] }
    /// Our model label → the paper's model it stands in for.
    var roles: [String: String] {
        [experiment.models.base.label: experiment.models.base.paperColumn,
         experiment.models.instruct.label: experiment.models.instruct.paperColumn]
    }
    /// Table 1 rows in the paper's order; 1-Shot only for a model run with the 1-shot prompt.
    static let tableRows = ["Base", "1-Shot", "FT (Orig. corpus)", "FT (Maj. label)", "FT (Mul. labels)"]
    func expectedRows(_ model: String) -> [String] {
        let oneShot = model == experiment.models.instruct.label ? experiment.models.instruct.oneShot
            : model == experiment.models.base.label ? experiment.models.base.oneShot : true
        return oneShot ? PaperBFigures.tableRows : PaperBFigures.tableRows.filter { $0 != "1-Shot" }
    }
    /// Fig. 9 ablation: labels per training context (the base model only, as the paper's GPT-2).
    var ablationLabels: [String] { experiment.ablation.answers.map(String.init) + ["all"] }
    var ablationModel: String { experiment.models.base.label }

    typealias Status = FigureOutput.Status

    func write() throws {
        let runs = try PaperBRuns(paths: artifacts)
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        var status: [Status] = []
        status.append(try histogramsBySeed(runs, first: true))
        status.append(try histogramsBySeed(runs, first: false))
        status.append(try figure3(runs))
        status.append(try deltaScatter(runs, id: "fig4_delta_tvd_mul", row: "FT (Mul. labels)", improvedOnly: false))
        status.append(try deltaScatter(runs, id: "fig5_delta_tvd_mul_improved", row: "FT (Mul. labels)", improvedOnly: true))
        status.append(try figure6(runs))
        status.append(try figure7(runs))
        status.append(try deltaScatter(runs, id: "fig8_delta_tvd_maj", row: "FT (Maj. label)", improvedOnly: false))
        status.append(try figure9(runs))
        status.append(try hitRates(runs, id: "fig10_hit_rate", format: "cloze", rows: ["Base", "FT (Mul. labels)"]))
        status.append(try hitRates(runs, id: "fig11_hit_rate_question", format: "question", rows: ["Base", "FT (Mul. labels)"]))
        status.append(try hitRates(runs, id: "fig12_hit_rate_orig", format: "cloze", rows: ["Base", "FT (Orig. corpus)"]))
        status.append(try perContextTable(runs))
        status.append(try trainingCurves())

        try FigureOutput(outputDir: outputDir).writeIndex(status, paper: "B")
    }

    // MARK: - Figures

    /// The seed of fig. 1: 42 (the paper's) when a run has it, else the first seed found.
    func firstSeed(_ runs: PaperBRuns) -> Int? {
        let seeds = runs.tvd.filter(\.isTableRun).flatMap(\.seeds) + runs.oracles.flatMap(\.seeds)
        return seeds.contains(42) ? 42 : seeds.first
    }

    /// Oracle TVD per context for `seed`: from an oracle artifact, else as carried by a TVD run.
    func oracle(_ runs: PaperBRuns, seed: Int) -> (values: [Double], textID: [Int32], wordNumber: [Int32], path: String)? {
        for o in runs.oracles { if let i = o.seeds.firstIndex(of: seed) { return (o.tvd[i], o.textID, o.wordNumber, o.path) } }
        for r in runs.tvd where r.isTableRun {
            if let i = r.seeds.firstIndex(of: seed) { return (r.oracleTVD[i], r.textID, r.wordNumber, r.path) }
        }
        return nil
    }

    /// Models to draw: the two expected ones, then any other model found.
    func drawnModels(_ runs: PaperBRuns) -> [String] {
        var out = models
        for r in runs.tvd where !out.contains(r.model) { out.append(r.model) }
        for r in runs.qa where !out.contains(r.model) { out.append(r.model) }
        return out
    }

    func panelTitle(_ model: String) -> String {
        roles[model].map { "\(model) (\($0) role)" } ?? model
    }

    /// Figs. 1 and 2: TVD histograms of every variant and the oracle, for the first seed (fig. 1) or
    /// each other seed (fig. 2), one panel per model (and seed).
    func histogramsBySeed(_ runs: PaperBRuns, first: Bool) throws -> Status {
        let id = first ? "fig1_tvd_hist" : "fig2_tvd_hist_seeds"
        var data = CSVTable(header: ["model", "series", "seed", "text_id", "word_number", "tvd"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        let s0 = firstSeed(runs)
        let allSeeds = Array(Set(runs.tvd.filter(\.isTableRun).flatMap(\.seeds))).sorted()
        let seeds = first ? (s0.map { [$0] } ?? []) : allSeeds.filter { $0 != s0 }
        for model in drawnModels(runs) {
            for row in expectedRows(model) where runs.run(model, row) == nil && models.contains(model) {
                missing.append("\(model)/\(row)")
            }
            for seed in seeds {
                var series: [HistogramSeries] = []
                for row in PaperBFigures.tableRows {
                    guard let r = runs.run(model, row), let i = r.seeds.firstIndex(of: seed) else { continue }
                    series.append(HistogramSeries(name: row, values: r.tvd[i]))
                    inputs.insert(r.path)
                    for j in r.tvd[i].indices { try data.append([model, row, "\(seed)", "\(r.textID[j])", "\(r.wordNumber[j])", fx(r.tvd[i][j])]) }
                }
                guard !series.isEmpty else { continue }
                if let o = oracle(runs, seed: seed) {
                    series.append(HistogramSeries(name: "Oracle", values: o.values))
                    inputs.insert(o.path)
                    for j in o.values.indices { try data.append([model, "Oracle", "\(seed)", "\(o.textID[j])", "\(o.wordNumber[j])", fx(o.values[j])]) }
                } else {
                    missing.append("Oracle seed \(seed)")
                }
                // The upper edge sits a hair above 1: a TVD of disjoint supports can sum to 1 + 1 ulp.
                charts.append(.histogram(HistogramChart(title: first ? panelTitle(model) : "\(model), seed \(seed)", xLabel: "TVD(human, model)",
                                                        series: series, bins: 20, lower: 0, upper: 1 + 1e-9)))
            }
        }
        let title = first ? "Fig. 1: TVD across test contexts (seed \(s0.map(String.init) ?? "-"))"
                          : "Fig. 2: TVD across test contexts, other seeds"
        return try emit(id, title: title, charts: charts, columns: 2, data: data, missing: missing, inputs: inputs)
    }

    /// Fig. 3: TVD(model) − TVD(oracle) per context, all seeds pooled, one panel per model.
    func figure3(_ runs: PaperBRuns) throws -> Status {
        var data = CSVTable(header: ["model", "series", "seed", "text_id", "word_number", "tvd_minus_oracle"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        for model in drawnModels(runs) {
            var series: [HistogramSeries] = []
            for row in PaperBFigures.tableRows {
                guard let r = runs.run(model, row) else {
                    if models.contains(model) && expectedRows(model).contains(row) { missing.append("\(model)/\(row)") }
                    continue
                }
                inputs.insert(r.path)
                series.append(HistogramSeries(name: row, values: r.tvdMinusOracle.flatMap { $0 }))
                for (k, seed) in r.seeds.enumerated() {
                    for j in r.textID.indices { try data.append([model, row, "\(seed)", "\(r.textID[j])", "\(r.wordNumber[j])", fx(r.tvdMinusOracle[k][j])]) }
                }
            }
            if !series.isEmpty {
                charts.append(.histogram(HistogramChart(title: panelTitle(model), xLabel: "TVD(human, model) − TVD(oracle halves)",
                                                        series: series, bins: 24)))
            }
        }
        return try emit("fig3_tvd_minus_oracle", title: "Fig. 3: model TVD minus oracle TVD, all seeds", charts: charts,
                        columns: 2, data: data, missing: missing, inputs: inputs)
    }

    /// Figs. 4, 5 and 8: ΔTVD = TVD(FT) − TVD(Base) against the oracle TVD, one panel per model and
    /// seed, with the least-squares line. Fig. 5 keeps only improved contexts (ΔTVD < 0) and fits
    /// the line to those, as the paper's fig. 5 does.
    func deltaScatter(_ runs: PaperBRuns, id: String, row: String, improvedOnly: Bool) throws -> Status {
        var data = CSVTable(header: ["model", "seed", "text_id", "word_number", "oracle_tvd", "delta_tvd", "fit_slope", "fit_intercept"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        for model in drawnModels(runs) {
            guard let r = runs.run(model, row), let delta = r.delta else {
                if models.contains(model) { missing.append("\(model)/\(row) evaluated with --baseline") }
                continue
            }
            inputs.insert(r.path)
            for (k, seed) in r.seeds.enumerated() {
                let keep = r.textID.indices.filter { !improvedOnly || delta[k][$0] < 0 }
                guard !keep.isEmpty else { continue }
                let x = keep.map { r.oracleTVD[k][$0] }, y = keep.map { delta[k][$0] }
                let canFit = x.count >= 2 && Set(x).count >= 2
                let fit = canFit ? try linearRegression(x: x, y: y) : nil
                for (j, i) in keep.enumerated() {
                    try data.append([model, "\(seed)", "\(r.textID[i])", "\(r.wordNumber[i])", fx(x[j]), fx(y[j]),
                                     fit.map { fx($0.slope) } ?? "", fit.map { fx($0.intercept) } ?? ""])
                }
                charts.append(.scatter(ScatterChart(
                    title: "\(model), seed \(seed)",
                    xLabel: "TVD between oracle halves", yLabel: "TVD(\(row)) − TVD(Base)",
                    series: [ScatterSeries(name: row, x: x, y: y, fit: canFit)], referenceY: 0)))
            }
        }
        let title = (improvedOnly ? "Fig. 5" : row == "FT (Mul. labels)" ? "Fig. 4" : "Fig. 8")
            + ": change in TVD after fine-tuning (\(row)) against context open-endedness"
            + (improvedOnly ? ", improved contexts only" : "")
        return try emit(id, title: title, charts: charts, columns: 3, data: data, missing: missing, inputs: inputs)
    }

    /// Fig. 6: entropy (nats) of the model's sampled-word distribution, Base vs FT (Mul. labels),
    /// one panel per model and seed (contexts without any sampled word have no entropy and are left out).
    func figure6(_ runs: PaperBRuns) throws -> Status {
        try pairedHistograms(runs, id: "fig6_entropy", title: "Fig. 6: entropy of the model's next-word distribution",
                             xLabel: "entropy (nats)", rows: ["Base", "FT (Mul. labels)"], perSeed: true,
                             lower: nil, upper: nil) { $0.entropy }
    }

    /// Fig. 7: share of a context's distinct human words among the model's samples, all seeds pooled.
    func figure7(_ runs: PaperBRuns) throws -> Status {
        try pairedHistograms(runs, id: "fig7_unique_word_coverage", title: "Fig. 7: unique human word coverage",
                             xLabel: "share of distinct human words sampled", rows: ["Base", "FT (Maj. label)", "FT (Mul. labels)"],
                             perSeed: false, lower: 0, upper: 1) { $0.coverage }
    }

    func pairedHistograms(_ runs: PaperBRuns, id: String, title: String, xLabel: String, rows: [String], perSeed: Bool,
                          lower: Double?, upper: Double?, metric: (PaperBTVDRun) -> [[Double]]) throws -> Status {
        var data = CSVTable(header: ["model", "series", "seed", "text_id", "word_number", "value"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        for model in drawnModels(runs) {
            let found = rows.compactMap { runs.run(model, $0) }
            if models.contains(model) {
                for row in rows where runs.run(model, row) == nil { missing.append("\(model)/\(row)") }
            }
            guard !found.isEmpty else { continue }
            let seeds = perSeed ? Array(Set(found.flatMap(\.seeds))).sorted() : [Int.min]
            for seed in seeds {
                var series: [HistogramSeries] = []
                for r in found {
                    let m = metric(r)
                    var values: [Double] = []
                    for (k, s) in r.seeds.enumerated() where seed == Int.min || s == seed {
                        for j in r.textID.indices where !m[k][j].isNaN {
                            values.append(m[k][j])
                            try data.append([model, r.row, "\(s)", "\(r.textID[j])", "\(r.wordNumber[j])", fx(m[k][j])])
                        }
                    }
                    if !values.isEmpty { series.append(HistogramSeries(name: r.row, values: values)); inputs.insert(r.path) }
                }
                guard !series.isEmpty else { continue }
                charts.append(.histogram(HistogramChart(title: seed == Int.min ? panelTitle(model) + ", all seeds" : "\(model), seed \(seed)",
                                                        xLabel: xLabel, series: series, bins: 20, lower: lower, upper: upper)))
            }
        }
        return try emit(id, title: title, charts: charts, columns: perSeed ? 3 : 2, data: data, missing: missing, inputs: inputs)
    }

    /// Fig. 9: mean test TVD against the number of labels per training context (log2 axis), error
    /// bars = population SD over seeds. "all" sits at the mean number of answers per training context.
    func figure9(_ runs: PaperBRuns) throws -> Status {
        var data = CSVTable(header: ["model", "labels_per_context", "x", "mean_tvd", "sd_over_seeds", "seeds"])
        var series: [LineSeries] = [], missing: [String] = [], inputs: Set<String> = []
        for model in drawnModels(runs) {
            var points: [(x: Double, y: Double, sd: Double)] = []
            for n in ablationLabels {
                guard let r = runs.tvd.first(where: { $0.model == model && $0.labelsPerContext == n }) else {
                    if model == ablationModel { missing.append("\(model)/\(n) labels") }
                    continue
                }
                let x = n == "all" ? r.meanTrainAnswers : Double(n)!
                guard x.isFinite, x > 0 else { throw StageError.input(r.path, "no finite mean_train_answers_per_context to place 'all' on the x axis") }
                let ms = r.meanTVDPerSeed, m = ms.reduce(0, +) / Double(ms.count)
                let sd = (ms.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(ms.count)).squareRoot()
                points.append((x, m, sd))
                inputs.insert(r.path)
                try data.append([model, n, fx(x), fx(m), fx(sd), r.seeds.map(String.init).joined(separator: " ")])
            }
            if !points.isEmpty {
                points.sort { $0.x < $1.x }
                series.append(LineSeries(name: panelTitle(model), x: points.map(\.x), y: points.map(\.y), errors: points.map(\.sd)))
            }
        }
        let charts: [Chart] = series.isEmpty ? [] : [.line(LineChart(
            title: "Fig. 9: mean TVD by labels per training context ('all' at the mean answer count)",
            xLabel: "labels per context (log2)", yLabel: "mean test TVD", series: series, log2X: true))]
        return try emit("fig9_labels_ablation", title: nil, charts: charts, columns: 1, data: data, missing: missing, inputs: inputs)
    }

    /// Figs. 10-12: per-question hit rate (mean over seeds), one panel per model.
    func hitRates(_ runs: PaperBRuns, id: String, format: String, rows: [String]) throws -> Status {
        var data = CSVTable(header: ["model", "series", "question", "hit_rate_mean_over_seeds", "seeds"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        for model in drawnModels(runs) {
            var series: [HistogramSeries] = []
            for row in rows {
                guard let r = runs.qaRun(model, row, format: format) else {
                    if models.contains(model) { missing.append("\(model)/\(row) (\(format) prompts)") }
                    continue
                }
                let v = r.meanOverSeeds
                series.append(HistogramSeries(name: row, values: v))
                inputs.insert(r.path)
                for (i, x) in v.enumerated() { try data.append([model, row, "\(i)", fx(x), r.seeds.map(String.init).joined(separator: " ")]) }
            }
            if !series.isEmpty {
                charts.append(.histogram(HistogramChart(title: panelTitle(model), xLabel: "hit rate (mean over seeds)",
                                                        yLabel: "share of questions", series: series, bins: 10, lower: 0, upper: 1)))
            }
        }
        let what = id == "fig11_hit_rate_question" ? "Fig. 11: hit rate, original question prompts"
            : id == "fig12_hit_rate_orig" ? "Fig. 12: hit rate after fine-tuning on the corpus" : "Fig. 10: hit rate on the gold answer"
        return try emit(id, title: what, charts: charts, columns: 2, data: data, missing: missing, inputs: inputs)
    }

    /// tvd_per_context.csv: one row per (model, variant, seed, context) of every TVD run.
    func perContextTable(_ runs: PaperBRuns) throws -> Status {
        let path = outputDir + "/tvd_per_context.csv"
        guard !runs.tvd.isEmpty else {
            try? FileManager.default.removeItem(atPath: path)
            return Status(figure: "tvd_per_context", status: "pending", files: [], missing: ["evaluate tvd artifacts"], inputs: [])
        }
        var t = CSVTable(header: ["model", "variant", "seed", "text_id", "word_number", "n_samples", "tvd", "oracle_tvd",
                                  "entropy", "human_cross_entropy"])
        for r in runs.tvd {
            for (k, seed) in r.seeds.enumerated() {
                for j in r.textID.indices {
                    try t.append([r.model, r.perContextVariant, "\(seed)", "\(r.textID[j])", "\(r.wordNumber[j])", "\(r.nValid[k][j])",
                                  fx(r.tvd[k][j]), fx(r.oracleTVD[k][j]), fx(r.entropy[k][j]), fx(r.crossEntropy[k][j])])
                }
            }
        }
        try writeTextFileAtomically(t.render(), to: path)
        return Status(figure: "tvd_per_context", status: "written", files: ["tvd_per_context.csv"], missing: [],
                      inputs: runs.tvd.map(\.path))
    }

    // MARK: - Output

    /// Writes one figure (SVG + data CSV) or, without charts, marks it pending and removes stale files.
    func emit(_ id: String, title: String?, charts: [Chart], columns: Int, data: CSVTable, missing: [String],
              inputs: Set<String>) throws -> Status {
        try FigureOutput(outputDir: outputDir).emit(id, title: title, charts: charts, columns: columns, data: data,
                                                    missing: missing, inputs: inputs)
    }

    func fx(_ x: Double) -> String { formatFixed(x, digits: 6) }
}
