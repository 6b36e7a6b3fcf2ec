import ArgumentParser
import Artifacts
import Foundation
import Methods
import StageKit

/// Paper A §4 (figs. 2, 3, 5, 6, 9) and appendix D.3 (Table 4): the label distributions of the
/// steps of a model's answers, step by step.
struct LabelSteps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-steps",
        abstract: "Paper A §4: spikiness and consistency of the label distributions across label steps (Table 4, figs. 2-9).",
        discussion: """
            Per label step of an `infer labels` artifact (the softmax over the labels' and "none"'s \
            first tokens): top-1 and top-2 probability, entropy, intermediate (another label follows) or \
            last, the second-ranked candidate's probability at the next step, the probability here of the \
            candidate written next, and whether the written label is gold (human share ≥ 0.5). Table 4 \
            (summary row A/4/<dataset>/<model>): over intermediate steps whose second candidate is not \
            written next, the percent whose second candidate is never written later. Table 6 (A/6/<model>/ \
            <dataset>/Input|Label|1st Tokens), when the answers were generated with `infer labels \
            --attention`: the mean attention per token (percent, over layers and heads) that the 2nd+ \
            label steps paid to the prompt, to the answer so far and to the earlier first label tokens. \
            Also the share of \
            answers with several labels (fig. 6) against the share of multi-label demonstrations.

            Artifact: /steps/{example, step, is_last, top1, top2, entropy, generated, second, \
            second_prob_next, next_generated_prob_here, generated_is_gold (-1 n/a)} [S], attributes \
            dataset, model_label, multi_label_output_rate, multi_label_demo_rate, never_predicted_percent, \
            never_predicted_count; /summary.
            """)

    @Option(help: "Splits artifact of `prepare-splits labels`.") var splits: String
    @Option(help: "Generations artifact of `infer labels` (e.g. on multilabel_test).") var generations: String
    @Option(help: "Table 4 column, our model label (default: the generations' model_label).") var column: String?
    @Option(help: "Table 4 row, the dataset's name (default: the paper's name of the dataset).") var dataset: String?
    @Option(help: "Output HDF5 artifact.") var output: String

    func run() throws {
        let ctx = StageContext(stage: "evaluate", seed: nil)
        try ctx.addInputs([splits, generations])
        let data = try LabelTaskSplits.read(path: splits)
        let gen = try LabelGenerations.read(path: generations)
        let labels = data.dataset.labels
        guard gen.candidates == labels + ["none"] else {
            throw StageError.input(generations, "candidates \(gen.candidates) are not the splits' labels \(labels) + none")
        }
        let model = column ?? gen.attributes["model_label"] ?? "model"
        let row = dataset ?? Labels.datasetNames[data.dataset.name] ?? data.dataset.name
        ctx.setConfigText("evaluation: label-steps\nrow: \(row)\ncolumn: \(model)\n")
        var records: [LabelStepRecord] = []
        var written: [Int: [Int]] = [:]
        for i in 0..<gen.count {
            guard gen.itemIndex[i] < data.dataset.items.count else {
                throw StageError.input(generations, "example \(i): item \(gen.itemIndex[i]) is not in \(splits)")
            }
            let steps = gen.steps(of: i)
            let gold = Set(labels.indices.filter { data.dataset.items[gen.itemIndex[i]].proportions[$0] >= 0.5 })
            written[i] = steps.map(\.generated)
            records += try LabelStepAnalysis.records(example: i, steps: steps.map { $0.logits.map(Double.init) },
                                                     generated: steps.map(\.generated), gold: gold)
        }
        let never = LabelStepAnalysis.neverPredictedPercent(records: records, generated: written)
        let multiOut = Double(gen.predicted.filter { $0.reduce(0, +) >= 2 }.count) / Double(max(gen.count, 1))
        let multiDemo = Double(data.demos.filter { LabelType(proportions: data.dataset.items[$0].proportions) == .multi }.count)
            / Double(max(data.demos.count, 1))
        var rows: [SummaryRow] = []
        if let p = never.percent {
            rows.append(SummaryRow(paper: "A", table: "4", row: row, column: model, value: p, n: never.count))
        }
        // Table 6 (appendix D.6), when the answers were generated with --attention: mean attention
        // per token, in percent, over the 2nd+ label steps.
        var attentionMeans: [Double] = []
        if !gen.stepAttention.isEmpty {
            for (k, col) in ["Input", "Label", "1st Tokens"].enumerated() {
                let v = stride(from: k, to: gen.stepAttention.count, by: 3).map { Double(gen.stepAttention[$0]) }.filter { $0.isFinite }
                guard !v.isEmpty else { continue }
                let m = 100 * v.reduce(0, +) / Double(v.count)
                attentionMeans.append(m)
                rows.append(SummaryRow(paper: "A", table: "6", row: model, column: "\(row)/\(col)", value: m, n: v.count))
            }
        }
        try ctx.writeArtifact(to: output) { w in
            try w.setAttribute("dataset", .string(row))
            try w.setAttribute("model_label", .string(model))
            try w.setAttribute("set", .string(gen.attributes["set"] ?? ""))
            try w.setAttribute("multi_label_output_rate", .double(multiOut))
            try w.setAttribute("multi_label_demo_rate", .double(multiDemo))
            try w.setAttribute("never_predicted_percent", .double(never.percent ?? .nan))
            try w.setAttribute("never_predicted_count", .int(never.count))
            let s = records.count
            try w.write(records.map { Int32($0.example) }, shape: [s], at: "steps/example")
            try w.write(records.map { Int32($0.step) }, shape: [s], at: "steps/step")
            try w.write(records.map { Int32($0.isLast ? 1 : 0) }, shape: [s], at: "steps/is_last")
            try w.write(records.map(\.top1), shape: [s], at: "steps/top1")
            try w.write(records.map(\.top2), shape: [s], at: "steps/top2")
            try w.write(records.map(\.entropy), shape: [s], at: "steps/entropy")
            try w.write(records.map { Int32($0.generated) }, shape: [s], at: "steps/generated")
            try w.write(records.map { Int32($0.second) }, shape: [s], at: "steps/second")
            try w.write(records.map(\.secondProbabilityNext), shape: [s], at: "steps/second_prob_next")
            try w.write(records.map(\.nextGeneratedProbabilityHere), shape: [s], at: "steps/next_generated_prob_here")
            try w.write(records.map { Int32($0.generatedIsGold.map { $0 ? 1 : 0 } ?? -1) }, shape: [s], at: "steps/generated_is_gold")
            try SummaryTable.write(rows, to: w)
        }
        let intermediate = records.filter { !$0.isLast }.count
        print("\(output): \(row), \(model): \(gen.count) answers, \(records.count) label steps (\(intermediate) intermediate); "
              + "never-predicted second label " + (never.percent.map { String(format: "%.1f%% of %d", $0, never.count) } ?? "n/a (no such step)")
              + String(format: "; multi-label answers %.2f (demonstrations %.2f)", multiOut, multiDemo)
              + (attentionMeans.count == 3 ? String(format: "; attention per token (%%): input %.3f, answer %.3f, first label tokens %.3f",
                                                    attentionMeans[0], attentionMeans[1], attentionMeans[2]) : ""))
    }
}
