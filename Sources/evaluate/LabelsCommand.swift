import ArgumentParser
import Artifacts
import Foundation
import Methods
import Metrics
import StageKit

/// Paper A §5: the label distributions of the baseline and test-time methods that read a greedy
/// generation (compare-to-none, hard predictions, max-over-generations), scored against the
/// annotators' proportions by NLL, L1 and example-F1.
struct Labels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Paper A: compare-to-none, hard predictions and max-over-generations, scored by NLL / L1 / example-F1.",
        discussion: """
            Per item of an `infer labels` artifact:
              Compare-to-None        σ(z_l − z_none), z the first-token logits at the first label step
              Hard Predictions       1 − ε for each label of the parsed answer, ε for the others
              Max-Over-Generations   per label, the largest probability it had at any label step, where a
                                     step's distribution is the softmax over the labels' and "none"'s
                                     first tokens; ε where no step gave more (as the paper's code, ε = 1e-8)
            Every method's probabilities are clipped to [ε, 1 − ε] before scoring (a sigmoid saturates to
            exactly 0 or 1 in double precision, which would make the NLL infinite).
            An item whose answer has no label step has no compare-to-none; it is left out of that
            method's mean and the count says how many were scored (never silently: the summary's n).
            Metrics (appendix: Metrics/LabelDistributionMetrics): multi-label NLL = −Σ_l [p log q +
            (1 − p) log(1 − q)], L1 = Σ_l |p − q|, example-F1 of the labels with p ≥ 0.5 against q ≥ 0.5.
            Single-label tasks (one categorical distribution per item, scored with the categorical NLL):
            compare-to-none is the labels' softmax at the first label step, no max-over-generations,
            unary probabilities are normalised to sum 1, binary is the softmax of the Bradley–Terry
            scores of the labels (no "none").
            With --unary / --binary (artifacts of `infer breakdown` over the same items):
              Unary Breakdown        per label, softmax("reasonable", "unreasonable") logits → P(reasonable)
              Binary Breakdown       Bradley–Terry scores s fitted to every pair's P(a) = softmax(a, b)
                                     over the labels and "none"; q_l = σ(s_l − s_none)
              Binary Breakdown (Outcomes)  the same fitted to hard outcomes (P(a) > ½ → 1, < ½ → 0;
                                     appendix C, fig. 7): per-example scores in the artifact, no table row
            Summary rows A/<table>/<method>/<dataset>/<NLL|L1|F1> (table 1: the larger model's role,
            table 5: the smaller's), with bootstrap 95% CIs over items.
            """)

    @Option(help: "Splits artifact of `prepare-splits labels` (the human proportions).") var splits: String
    @Option(help: "Generations artifact of `infer labels` on those splits.") var generations: String
    @Option(help: "Unary-breakdown artifact of `infer breakdown --kind unary` (adds Unary Breakdown).") var unary: String?
    @Option(help: "Binary-breakdown artifact of `infer breakdown --kind binary` (adds Binary Breakdown).") var binary: String?
    @Option(name: .customLong("bt-ridge"), help: "Ridge of the Bradley–Terry fit (½·ridge·‖s‖², none's score fixed at 0). The default is the paper's code's L2 (0.01·Σs²); with 0, answers near 0 or 1 can leave the fit without a finite optimum in reach.") var btRidge = 0.02
    @Option(help: "Paper A table of the summary rows (1: Llama3 70B's role, 5: 8B's).") var table = "1"
    @Flag(help: "The generations come from a supervised fine-tune: write its rows, SFT Outputs (hard predictions) and SFT Max-Over-Generations.") var sft = false
    @OptionGroup var scoring: PaperAScoringOptions

    static let baseMethods = ["Compare-to-None", "Hard Predictions", "Max-Over-Generations"]
    /// Binary breakdown fitted to each comparison's hard outcome (appendix C, fig. 7).
    static let binaryOutcomes = "Binary Breakdown (Outcomes)"
    static let datasetNames = ["goemotions": "GoEmotions", "mfrc": "MFRC", "semeval": "SemEval",
                               "hs-brexit": "HS-Brexit", "md-agreement": "MD-Agreement", "boxes": "Boxes"]

    struct Query { var first: Int; var second: Int; var logits: [Float] }
    struct Breakdown { var queries: [Int: [Query]] }

    /// A breakdown artifact's queries per item, checked against the splits and the evaluated items:
    /// same candidates, and every item with exactly its L (unary) or L(L+1)/2 (binary) queries.
    func breakdown(_ path: String, kind: String, data: LabelTaskSplits, items: [Int]) throws -> Breakdown {
        let b = try BreakdownScores.read(path: path)
        let labels = data.dataset.labels
        guard b.kind == kind else { throw StageError.input(path, "is a \(b.kind) breakdown, given as --\(kind)") }
        guard b.candidates == labels + ["none"] else {
            throw StageError.input(path, "candidates \(b.candidates) are not the splits' labels \(labels) + none")
        }
        var queries: [Int: [Query]] = [:]
        for k in 0..<b.count {
            queries[b.itemIndex[k], default: []].append(Query(first: b.first[k], second: b.second[k],
                                                               logits: Array(b.answerLogits[(2 * k)..<(2 * k + 2)])))
        }
        let l = labels.count
        let players = data.dataset.multiLabel ? l + 1 : l
        let expected = kind == "unary" ? l : players * (players - 1) / 2
        for item in items {
            let qs = queries[item] ?? []
            let distinct = Set(qs.map { [$0.first, $0.second] })
            guard qs.count == expected, distinct.count == expected else {
                throw StageError.input(path, "item \(item) (\(data.dataset.items[item].id)) has \(qs.count) \(kind) queries (\(distinct.count) distinct), needs \(expected)")
            }
        }
        return Breakdown(queries: queries)
    }

    func run() throws {
        let (epsilon, bootstrap, seed, output) = (scoring.epsilon, scoring.bootstrap, scoring.seed, scoring.output)
        let ctx = StageContext(stage: "evaluate", seed: seed)
        try ctx.addInputs([splits, generations] + [unary, binary].compactMap { $0 })
        let data = try LabelTaskSplits.read(path: splits)
        let gen = try LabelGenerations.read(path: generations)
        let labels = data.dataset.labels
        guard gen.candidates == labels + ["none"] else {
            throw StageError.input(generations, "candidates \(gen.candidates) are not the splits' labels \(labels) + none")
        }
        if let d = gen.attributes["dataset"], d != data.dataset.name {
            throw StageError.input(generations, "was generated for dataset \(d), the splits are \(data.dataset.name)")
        }
        let column = scoring.column(for: data.dataset.name)
        ctx.setConfigText("evaluation: labels\ntable: \(table)\ndataset: \(column)\nepsilon: \(epsilon)\nbootstrap: \(bootstrap)\nseed: \(seed)\n")

        let n = gen.count, l = labels.count
        let multi = data.dataset.multiLabel
        // Single-label tasks have no max-over-generations (one label step) and no "none".
        var methods = multi ? Self.baseMethods : Self.baseMethods.filter { $0 != "Max-Over-Generations" }
        let unaryScores = try unary.map { try breakdown($0, kind: "unary", data: data, items: gen.itemIndex) }
        let binaryScores = try binary.map { try breakdown($0, kind: "binary", data: data, items: gen.itemIndex) }
        if unaryScores != nil { methods.append("Unary Breakdown") }
        if binaryScores != nil { methods += ["Binary Breakdown", Self.binaryOutcomes] }
        var human: [[Double]] = []
        var predicted = [[[Double]]](repeating: [], count: methods.count)
        var scored = [[Bool]](repeating: [], count: methods.count)
        func put(_ method: String, _ q: [Double]?) {
            let m = methods.firstIndex(of: method)!
            predicted[m].append(q ?? [Double](repeating: .nan, count: l)); scored[m].append(q != nil)
        }
        for i in 0..<n {
            let item = gen.itemIndex[i]
            guard item < data.dataset.items.count else {
                throw StageError.input(generations, "example \(i): item \(item) is not in \(splits)")
            }
            human.append(data.dataset.items[item].proportions)
            let steps = gen.steps(of: i)
            // Compare-to-none: the first label step's logits (single-label: the labels' softmax there,
            // the paper's single-label baseline).
            let z = steps.first.map { $0.logits.map(Double.init) }
            put("Compare-to-None", try z.map {
                multi ? try LabelDistributionMethod.compareToNone(labelLogits: Array($0.prefix(l)), noneLogit: $0[l])
                      : try LabelDistributionMethod.labelSoftmax(Array($0.prefix(l)))
            })
            let chosen = Set((0..<l).filter { gen.predicted[i][$0] != 0 })
            put("Hard Predictions", try LabelDistributionMethod.hardPredictions(generated: chosen, labelCount: l, epsilon: epsilon))
            if multi {
                // Max over generations, floored at ε.
                let dists = try steps.map { Array(try LabelDistributionMethod.labelSoftmax($0.logits.map(Double.init)).prefix(l)) }
                put("Max-Over-Generations", try LabelDistributionMethod.maxOverGenerations(steps: [[Double](repeating: epsilon, count: l)] + dists))
            }
            if let u = unaryScores {
                // Query k of this item asks about label k.
                let qs = u.queries[item]!.sorted { $0.first < $1.first }
                let r = try LabelDistributionMethod.unaryBreakdown(reasonableLogits: qs.map { Double($0.logits[0]) },
                                                                   alternativeLogits: qs.map { Double($0.logits[1]) })
                put("Unary Breakdown", multi ? r : LabelDistributionMethod.normalised(r))
            }
            if let b = binaryScores {
                let comparisons = try b.queries[item]!.map {
                    try LabelDistributionMethod.pairwisePreference(i: $0.first, j: $0.second, logitI: Double($0.logits[0]), logitJ: Double($0.logits[1]))
                }
                // Appendix C (fig. 7): the same fit to hard outcomes instead of probabilities.
                for (method, prefs) in [("Binary Breakdown", comparisons), (Self.binaryOutcomes, comparisons.map(LabelDistributionMethod.hardOutcome))] {
                    do {
                        put(method, multi
                            ? try LabelDistributionMethod.binaryBreakdown(labels: l + 1, none: l, comparisons: prefs, ridge: btRidge)
                            : try LabelDistributionMethod.binaryBreakdownSingleLabel(labels: l, comparisons: prefs, ridge: btRidge))
                    } catch {
                        throw StageError.input(binary!, "item \(item) (\(data.dataset.items[item].id)), \(method): \(error)")
                    }
                }
            }
        }

        if sft {
            // An SFT model's answers give the SFT rows of Tables 1/5; its other methods are not in the paper.
            guard multi else { throw StageError.usage("--sft: the paper's SFT rows are for the multi-label datasets only") }
            guard unary == nil && binary == nil else { throw StageError.usage("--sft takes no breakdowns") }
            let keep = ["Hard Predictions": "SFT Outputs", "Max-Over-Generations": "SFT Max-Over-Generations"]
            let idx = methods.indices.filter { keep[methods[$0]] != nil }
            predicted = idx.map { predicted[$0] }; scored = idx.map { scored[$0] }
            methods = idx.map { keep[methods[$0]]! }
        }
        var rows: [SummaryRow] = []
        var perExample: [[[Double]]] = []   // [method][metric][example]
        for (m, name) in methods.enumerated() {
            var nll = [Double](repeating: .nan, count: n), l1 = nll, f1 = nll
            for i in 0..<n where scored[m][i] {
                // Probabilities of exactly 0 or 1 (a saturated sigmoid in double precision) would
                // make the NLL infinite: every method is scored on q clipped to [ε, 1 − ε].
                (nll[i], l1[i], f1[i]) = try clippedAlignmentScores(human: human[i], predicted: predicted[m][i], multiLabel: multi, epsilon: epsilon)
            }
            perExample.append([nll, l1, f1])
            // Appendix C's outcomes variant is a figure, not a row of Tables 1/5: per-example scores only.
            if name == Self.binaryOutcomes { continue }
            for (metric, values) in [("NLL", nll), ("L1", l1), ("F1", f1)] {
                let v = values.filter { !$0.isNaN }
                if v.isEmpty { continue }
                rows.append(try scoring.meanRow(table: table, row: name, column: "\(column)/\(metric)", v))
            }
        }

        try ctx.writeArtifact(to: output) { w in
            try w.setAttribute("dataset", .string(data.dataset.name))
            try w.setAttribute("model_label", .string(gen.attributes["model_label"] ?? ""))
            try w.setAttribute("epsilon", .double(epsilon))
            try w.writeStrings(methods, at: "methods")
            try w.writeStrings(labels, at: "labels")
            try w.write(gen.itemIndex.map { Int32($0) }, shape: [n], at: "items")
            try w.write(human.flatMap { $0 }, shape: [n, l], at: "human")
            try w.write(predicted.flatMap { $0.flatMap { $0 } }, shape: [methods.count, n, l], at: "predicted")
            for (k, metric) in ["nll", "l1", "f1"].enumerated() {
                try w.write(perExample.flatMap { $0[k] }, shape: [methods.count, n], at: "per_example/\(metric)")
            }
            try SummaryTable.write(rows, to: w)
        }
        print("\(output): \(column), \(n) items, model \(gen.attributes["model_label"] ?? "?")")
        let width = methods.map(\.count).max() ?? 0
        for (m, name) in methods.enumerated() {
            if name == Self.binaryOutcomes {
                let n = scored[m].filter { $0 }.count
                print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0)) per-example scores only (appendix C figure)  (n = \(n))")
                continue
            }
            let cells = rows.filter { $0.row == name }
            let text = cells.map { String(format: "%@ %.3f", String($0.column.split(separator: "/").last!), $0.value) }.joined(separator: "  ")
            print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0)) \(text)  (n = \(cells.first?.n ?? 0))")
        }
    }
}
