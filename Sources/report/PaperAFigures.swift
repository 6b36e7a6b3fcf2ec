import Artifacts
import Foundation
import Methods
import Plots
import StageKit

/// Paper A's §4 figures from the `evaluate label-steps` artifacts found: one panel per (dataset,
/// model) in each figure, the data beside each SVG as long-format CSV (`FigureOutput`).
///   fig2_top_probabilities  top-1 probability at steps 1 and 2, top-2 probability at intermediate
///                           and last steps (spikiness; the paper's figs. 2 and 4)
///   fig3_relative_ranking   the second-ranked label's probability one step later, and the next
///                           written label's probability one step earlier (fig. 3)
///   fig5_accuracy_by_step   share of written labels that are gold, by step (fig. 5)
///   fig6_multilabel_rate    answers with several labels against multi-label demonstrations (fig. 6)
///   fig9_entropy            entropy of the step distributions, intermediate and last (fig. 9)
///   fig10_second_label_delay  when a step's second-ranked label is written later, how many steps
///                           later, per generation step (fig. 10; never-written ones are Table 4's)
/// and from the `evaluate labels` artifacts with a binary breakdown:
///   fig7_binary_outcomes    binary breakdown fitted to probabilities against hard outcomes, mean
///                           NLL, L1 and F1 (appendix C, fig. 7)
struct PaperAFigures {
    let artifacts: [String]
    let outputDir: String
    /// Our model label → the paper's model it stands in for (mapping.csv).
    let roles: [String: String]

    struct StepRun {
        var path: String
        var dataset: String
        var model: String
        var example: [Int32]
        var step: [Int32]
        var isLast: [Bool]
        var generated: [Int32]
        var second: [Int32]
        var top1: [Double]
        var top2: [Double]
        var entropy: [Double]
        var secondProbNext: [Double]
        var nextProbHere: [Double]
        var gold: [Int32]
        var multiOutput: Double
        var multiDemo: Double
        var panel: String
        /// Bar-group label: the dataset and the paper model's role (or our label).
        var group: String
    }

    func loadRuns() throws -> [StepRun] {
        var runs: [StepRun] = []
        for path in artifacts {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard r.contains("steps/top1"), r.contains("steps/second_prob_next") else { continue }
            let model = try r.stringAttribute("model_label"), dataset = try r.stringAttribute("dataset")
            let top1 = try r.read(Double.self, "steps/top1").values
            let n = top1.count
            runs.append(StepRun(path: path, dataset: dataset, model: model,
                                example: try r.read(Int32.self, "steps/example", shape: [n]).values,
                                step: try r.read(Int32.self, "steps/step", shape: [n]).values,
                                isLast: try r.read(Int32.self, "steps/is_last", shape: [n]).values.map { $0 != 0 },
                                generated: try r.read(Int32.self, "steps/generated", shape: [n]).values,
                                second: try r.read(Int32.self, "steps/second", shape: [n]).values,
                                top1: top1, top2: try r.read(Double.self, "steps/top2", shape: [n]).values,
                                entropy: try r.read(Double.self, "steps/entropy", shape: [n]).values,
                                secondProbNext: try r.read(Double.self, "steps/second_prob_next", shape: [n]).values,
                                nextProbHere: try r.read(Double.self, "steps/next_generated_prob_here", shape: [n]).values,
                                gold: try r.read(Int32.self, "steps/generated_is_gold", shape: [n]).values,
                                multiOutput: try r.doubleAttribute("multi_label_output_rate"),
                                multiDemo: try r.doubleAttribute("multi_label_demo_rate"),
                                panel: "\(dataset), \(model)" + (roles[model].map { " (\($0) role)" } ?? ""),
                                group: "\(dataset), " + (roles[model].map { "\($0) role" } ?? model)))
        }
        return runs.sorted { ($0.dataset, $0.model) < ($1.dataset, $1.model) }
    }

    func write() throws {
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        let runs = try loadRuns()
        let out = FigureOutput(outputDir: outputDir)
        var status: [FigureOutput.Status] = []
        status.append(try histograms(runs, out: out, id: "fig2_top_probabilities", title: "Top label probabilities per label step",
                                     xLabel: "probability", upper: 1 + 1e-9) { r in
            [("step 1 top-1", r.indices(of: r.step, where: { $0 == 0 }).map { r.top1[$0] }),
             ("step 2 top-1", r.indices(of: r.step, where: { $0 == 1 }).map { r.top1[$0] }),
             ("top-2, intermediate", r.top2.indices.filter { !r.isLast[$0] }.map { r.top2[$0] }),
             ("top-2, last", r.top2.indices.filter { r.isLast[$0] }.map { r.top2[$0] })]
        })
        status.append(try histograms(runs, out: out, id: "fig3_relative_ranking", title: "Do second-ranked labels come next?",
                                     xLabel: "probability", upper: 1 + 1e-9) { r in
            [("2nd at t, at t+1", r.secondProbNext.filter { !$0.isNaN }),
             ("written at t+1, at t", r.nextProbHere.filter { !$0.isNaN })]
        })
        status.append(try histograms(runs, out: out, id: "fig9_entropy", title: "Entropy of the label distribution per step",
                                     xLabel: "entropy (nats)", upper: nil) { r in
            [("intermediate", r.entropy.indices.filter { !r.isLast[$0] }.map { r.entropy[$0] }),
             ("last", r.entropy.indices.filter { r.isLast[$0] }.map { r.entropy[$0] })]
        })
        status.append(try histograms(runs, out: out, id: "fig10_second_label_delay",
                                     title: "Steps until the second-ranked label is written (when it is)",
                                     xLabel: "steps later (6: 6 or more)", upper: 6.5, lower: 0.5, bins: 6) { r in
            let delays = LabelStepAnalysis.secondLabelDelays(records: r.records)
            return [("from step 1", delays.filter { $0.step == 0 }.map { Double(min($0.delay, 6)) }),
                    ("from step 2", delays.filter { $0.step == 1 }.map { Double(min($0.delay, 6)) }),
                    ("from step 3+", delays.filter { $0.step >= 2 }.map { Double(min($0.delay, 6)) })]
        })
        status.append(try accuracyByStep(runs, out: out))
        status.append(try multiLabelRate(runs, out: out))
        status.append(try binaryOutcomes(out: out))
        try out.writeIndex(status, paper: "A")
    }

    /// Appendix C: per (dataset, model), the binary breakdown's mean NLL, L1 and F1 with
    /// Bradley–Terry fitted to the comparisons' probabilities and to their hard outcomes.
    func binaryOutcomes(out: FigureOutput) throws -> FigureOutput.Status {
        let soft = "Binary Breakdown", hard = "Binary Breakdown (Outcomes)"
        var data = CSVTable(header: ["dataset", "model", "fit", "metric", "mean", "n"])
        var groups: [String] = [], inputs: Set<String> = []
        var means: [String: [String: [Double?]]] = [:]   // metric → fit → per group
        for path in artifacts {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard r.contains("methods"), r.contains("per_example/nll") else { continue }
            let methods = try r.readStrings("methods")
            guard let si = methods.firstIndex(of: soft), let hi = methods.firstIndex(of: hard) else { continue }
            let model = try r.stringAttribute("model_label"), dataset = try r.stringAttribute("dataset")
            let n = try r.read(Int32.self, "items").values.count
            groups.append("\(dataset), " + (roles[model].map { "\($0) role" } ?? model)); inputs.insert(path)
            for metric in ["NLL", "L1", "F1"] {
                let v = try r.read(Double.self, "per_example/\(metric.lowercased())", shape: [methods.count, n]).values
                for (fit, m) in [("probabilities", si), ("outcomes", hi)] {
                    let xs = v[(m * n)..<((m + 1) * n)].filter { !$0.isNaN }
                    let mean = xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
                    means[metric, default: [:]][fit, default: []].append(mean)
                    try data.append([dataset, model, fit, metric, mean.map { formatFixed($0, digits: 6) } ?? "", "\(xs.count)"])
                }
            }
        }
        let charts: [Chart] = groups.isEmpty ? [] : ["NLL", "L1", "F1"].map { metric in
            .bars(BarChart(title: "Binary breakdown, \(metric)", yLabel: metric, groups: groups,
                           series: ["probabilities", "outcomes"].map { BarSeries(name: "fitted to \($0)", values: means[metric]![$0]!) }))
        }
        return try out.emit("fig7_binary_outcomes", title: "Binary breakdown: probabilities against hard outcomes", charts: charts,
                            columns: 3, data: data, missing: [], inputs: inputs)
    }

    /// One histogram panel per run, with the named series `series` picks from it.
    func histograms(_ runs: [StepRun], out: FigureOutput, id: String, title: String, xLabel: String, upper: Double?,
                    lower: Double = 0, bins: Int = 20, series: (StepRun) -> [(String, [Double])]) throws -> FigureOutput.Status {
        var data = CSVTable(header: ["dataset", "model", "series", "value"])
        var charts: [Chart] = [], inputs: Set<String> = []
        for r in runs {
            let s = series(r).filter { !$0.1.isEmpty }
            guard !s.isEmpty else { continue }
            inputs.insert(r.path)
            for (name, values) in s { for v in values { try data.append([r.dataset, r.model, name, formatFixed(v, digits: 6)]) } }
            charts.append(.histogram(HistogramChart(title: r.panel, xLabel: xLabel, series: s.map { HistogramSeries(name: $0.0, values: $0.1) },
                                                    bins: bins, lower: lower, upper: upper)))
        }
        return try out.emit(id, title: title, charts: charts, columns: 3, data: data, missing: [], inputs: inputs)
    }

    /// Share of written labels that are gold at steps 1, 2 and 3+ ("none" and strings that are no
    /// label left out), one bar group per run.
    func accuracyByStep(_ runs: [StepRun], out: FigureOutput) throws -> FigureOutput.Status {
        var data = CSVTable(header: ["dataset", "model", "step", "gold_share", "n"])
        let steps = ["step 1", "step 2", "step 3+"]
        var values: [[Double?]] = steps.map { _ in [] }
        var groups: [String] = [], inputs: Set<String> = []
        for r in runs {
            groups.append(r.group); inputs.insert(r.path)
            for (k, name) in steps.enumerated() {
                let idx = r.step.indices.filter { (k < 2 ? Int(r.step[$0]) == k : r.step[$0] >= 2) && r.gold[$0] >= 0 }
                let share = idx.isEmpty ? nil : Double(idx.filter { r.gold[$0] == 1 }.count) / Double(idx.count)
                values[k].append(share)
                try data.append([r.dataset, r.model, name, share.map { formatFixed($0, digits: 6) } ?? "", "\(idx.count)"])
            }
        }
        let charts: [Chart] = groups.isEmpty ? [] : [.bars(BarChart(title: "Written labels that are gold, by step", yLabel: "share gold",
                                                                   groups: groups, series: steps.indices.map { BarSeries(name: steps[$0], values: values[$0]) }))]
        return try out.emit("fig5_accuracy_by_step", title: nil, charts: charts, columns: 1, data: data, missing: [], inputs: inputs)
    }

    func multiLabelRate(_ runs: [StepRun], out: FigureOutput) throws -> FigureOutput.Status {
        var data = CSVTable(header: ["dataset", "model", "multi_label_answers", "multi_label_demonstrations"])
        for r in runs { try data.append([r.dataset, r.model, formatFixed(r.multiOutput, digits: 6), formatFixed(r.multiDemo, digits: 6)]) }
        let charts: [Chart] = runs.isEmpty ? [] : [.bars(BarChart(
            title: "Multi-label answers against multi-label demonstrations", yLabel: "share",
            groups: runs.map(\.group),
            series: [BarSeries(name: "answers with several labels", values: runs.map(\.multiOutput)),
                     BarSeries(name: "demonstrations with several labels", values: runs.map(\.multiDemo))]))]
        return try out.emit("fig6_multilabel_rate", title: nil, charts: charts, columns: 1, data: data, missing: [],
                            inputs: Set(runs.map(\.path)))
    }
}

extension PaperAFigures.StepRun {
    func indices(of xs: [Int32], where p: (Int32) -> Bool) -> [Int] { xs.indices.filter { p(xs[$0]) } }

    /// The step records as `LabelStepAnalysis` takes them (the fields the delay count reads).
    var records: [LabelStepRecord] {
        step.indices.map { k in
            LabelStepRecord(example: Int(example[k]), step: Int(step[k]), isLast: isLast[k], top1: top1[k], top2: top2[k], entropy: entropy[k],
                            generated: Int(generated[k]), second: Int(second[k]), secondProbabilityNext: secondProbNext[k],
                            nextGeneratedProbabilityHere: nextProbHere[k], generatedIsGold: gold[k] < 0 ? nil : gold[k] == 1)
        }
    }
}
