import ArgumentParser
import Artifacts
import Foundation
import Metrics
import StageKit

/// Paper A §5.4: the linear probes' numbers — their probabilities as a label distribution (the
/// "Linear Probing" row of Tables 1/5) and Table 2's probing analysis.
struct ProbeEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Paper A: score linear probes (Tables 1/5 'Linear Probing', Table 2 Perf / Gold / Pred / Pred 2+).",
        discussion: """
            From a `probe` artifact, over the test items with a label step:
              Linear Probing (A/<table>/Linear Probing/<dataset>/NLL|L1|F1): the human-target probes'
                probabilities, clipped to [ε, 1 − ε], against the annotators' proportions (as `evaluate labels`)
              Table 2 (A/2/<model>/<dataset>/…), micro-F1 at 0.5 over (item, label) pairs (the caption naming
                the paper's metric is lost; micro-F1 because most items have no label after the first, where
                example-F1 would score an empty prediction of an empty set as perfect):
                Perf     the model's own answer against the gold labels
                Gold     the gold-target probes against the gold labels
                Pred     the answer-target probes against the model's answer
                Pred 2+  the probes of the labels written after the first against those labels
            --table none writes Table 2 only (a model without an alignment table).
            """)

    @Option(help: "`probe` artifact.") var probes: String
    @Option(help: "Paper A table of the Linear Probing row (1, 5, or none).") var table = "1"
    @Option(help: "Table 2 row, our model label (default: the probes' model_label).") var model: String?
    @OptionGroup var scoring: PaperAScoringOptions

    func run() throws {
        let (epsilon, bootstrap, seed, output) = (scoring.epsilon, scoring.bootstrap, scoring.seed, scoring.output)
        let ctx = StageContext(stage: "evaluate", seed: seed)
        try ctx.addInput(probes)
        let p = try ProbePredictions.read(path: probes)
        let name = p.attributes["dataset"] ?? ""
        let column = scoring.column(for: name)
        let row = model ?? p.attributes["model_label"] ?? "model"
        ctx.setConfigText("evaluation: probe\ntable: \(table)\nmodel: \(row)\ndataset: \(column)\nepsilon: \(epsilon)\nbootstrap: \(bootstrap)\n")
        let n = p.testItems.count
        guard n > 0 else {
            let why = p.attributes["status"] ?? "no test item has a label step"
            try ctx.writeArtifact(to: output) { w in
                try w.setAttribute("status", .string("no numbers: \(why)"))
                try SummaryTable.write([], to: w)
            }
            FileHandle.standardError.write(Data("evaluate probe: warning: \(probes): no numbers (\(why))\n".utf8))
            return
        }
        var rows: [SummaryRow] = []
        if table != "none" {
            var nll: [Double] = [], l1: [Double] = [], f1: [Double] = []
            for i in 0..<n {
                let s = try clippedAlignmentScores(human: p.targets[0][i], predicted: p.probabilities[0][i], multiLabel: true, epsilon: epsilon)
                nll.append(s.nll); l1.append(s.l1); f1.append(s.f1)
            }
            for (metric, v) in [("NLL", nll), ("L1", l1), ("F1", f1)] {
                rows.append(try scoring.meanRow(table: table, row: "Linear Probing", column: "\(column)/\(metric)", v))
            }
        }
        // Table 2. Perf: the model's answer (the pred kind's target) against gold. Micro-F1 is not a
        // mean over items, so it has no bootstrap CI here.
        var table2: [(String, Double?)] = [("Perf", try microF1(human: p.targets[1], predicted: p.targets[2]))]
        for (k, col) in [(1, "Gold"), (2, "Pred"), (3, "Pred 2+")] {
            table2.append((col, try microF1(human: p.targets[k], predicted: p.probabilities[k])))
        }
        for (col, v) in table2 {
            // Undefined when no item has a true or predicted label of that kind: no number, said so.
            guard let v else { print("  A/2 \(row) \(column)/\(col): undefined (no true and no predicted label in \(n) items)"); continue }
            rows.append(SummaryRow(paper: "A", table: "2", row: row, column: "\(column)/\(col)", value: v, n: n))
        }
        try ctx.writeArtifact(to: output) { w in
            try w.setAttribute("dataset", .string(name))
            try w.setAttribute("model_label", .string(row))
            try w.write(p.testItems.map { Int32($0) }, shape: [n], at: "items")
            try w.write(p.probabilities[0].flatMap { $0 }, shape: [n, p.labels.count], at: "linear_probing/predicted")
            try SummaryTable.write(rows, to: w)
        }
        print("\(output): \(column), \(row), \(n) test items")
        for r in rows { print(String(format: "  A/%@ %@ %@ = %.4f", r.table, r.row, r.column, r.value)) }
    }
}
