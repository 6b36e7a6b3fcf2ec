import ArgumentParser
import Artifacts
import Foundation
import Metrics
import StageKit

/// Paper A §5.4: a supervised classifier's probabilities (the "BERT" row of Tables 1 and 5)
/// scored like every other method.
struct Supervised: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervised",
        abstract: "Paper A: score a supervised classifier's label probabilities (Tables 1/5 'BERT') by NLL / L1 / example-F1.",
        discussion: """
            From a `finetune demux` artifact, over its test items: the probabilities clipped to [ε, 1 − ε] \
            against the annotators' proportions of the splits, multi-label NLL (sigmoid per label) or \
            categorical NLL (single-label softmax), L1 and example-F1, as `evaluate labels`. \
            The classifier does not depend on the LLM, so the paper prints the same BERT numbers in \
            Table 1 and Table 5: --tables lists the tables to write the rows to. \
            Summary rows A/<table>/<row>/<dataset>/<NLL|L1|F1> with bootstrap 95% CIs over items.
            """)

    @Option(help: "Splits artifact of `prepare-splits labels` (the human proportions).") var splits: String
    @Option(help: "`finetune demux` predictions artifact.") var predictions: String
    @Option(help: "Comma-separated paper A tables of the rows (1, 5).") var tables = "1,5"
    @Option(help: "Row name.") var row = "BERT"
    @OptionGroup var scoring: PaperAScoringOptions

    func run() throws {
        let (epsilon, bootstrap, seed, output) = (scoring.epsilon, scoring.bootstrap, scoring.seed, scoring.output)
        let tableList = tables.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !tableList.isEmpty, tableList.allSatisfy({ ["1", "5"].contains($0) }) else {
            throw StageError.usage("--tables: expected 1, 5 or 1,5, got '\(tables)'")
        }
        let ctx = StageContext(stage: "evaluate", seed: seed)
        try ctx.addInputs([splits, predictions])
        let data = try LabelTaskSplits.read(path: splits)
        let p = try SupervisedPredictions.read(path: predictions)
        guard p.labels == data.dataset.labels else {
            throw StageError.input(predictions, "labels \(p.labels) are not the splits' labels \(data.dataset.labels)")
        }
        if let d = p.attributes["dataset"], d != data.dataset.name {
            throw StageError.input(predictions, "was trained for dataset \(d), the splits are \(data.dataset.name)")
        }
        guard p.multiLabel == data.dataset.multiLabel else {
            throw StageError.input(predictions, "multi_label is \(p.multiLabel), the splits' dataset is \(data.dataset.multiLabel ? "multi" : "single")-label")
        }
        let column = scoring.column(for: data.dataset.name)
        ctx.setConfigText("evaluation: supervised\ntables: \(tableList.joined(separator: ","))\nrow: \(row)\ndataset: \(column)\nepsilon: \(epsilon)\nbootstrap: \(bootstrap)\n")
        let n = p.testItems.count
        guard n > 0 else { throw StageError.input(predictions, "no test items") }
        var nll: [Double] = [], l1: [Double] = [], f1: [Double] = []
        for (i, item) in p.testItems.enumerated() {
            guard item >= 0 && item < data.dataset.items.count else { throw StageError.input(predictions, "test item \(item) is not in \(splits)") }
            // The human proportions come from the splits (the artifact's copy is for readers).
            let s = try clippedAlignmentScores(human: data.dataset.items[item].proportions, predicted: p.probabilities[i],
                                               multiLabel: data.dataset.multiLabel, epsilon: epsilon)
            nll.append(s.nll); l1.append(s.l1); f1.append(s.f1)
        }
        var rows: [SummaryRow] = []
        for (metric, v) in [("NLL", nll), ("L1", l1), ("F1", f1)] {
            for t in tableList { rows.append(try scoring.meanRow(table: t, row: row, column: "\(column)/\(metric)", v)) }
        }
        try ctx.writeArtifact(to: output) { w in
            try w.setAttribute("dataset", .string(data.dataset.name))
            try w.setAttribute("model_label", .string(p.attributes["model"] ?? ""))
            try w.write(p.testItems.map { Int32($0) }, shape: [n], at: "items")
            for (name, v) in [("nll", nll), ("l1", l1), ("f1", f1)] { try w.write(v, shape: [n], at: "per_example/\(name)") }
            try SummaryTable.write(rows, to: w)
        }
        print("\(output): \(column), \(row), \(n) test items (best epoch \(p.attributes["best_epoch"] ?? "?"))")
        for r in rows where r.table == tableList[0] { print(String(format: "  %@ %@ = %.4f", r.row, r.column, r.value)) }
    }
}
