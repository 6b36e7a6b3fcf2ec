import ArgumentParser
import Foundation
import StageKit
import Training

/// `probe`: paper A's linear probes (appendix A.5) on the hidden state of the first label token.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Paper A linear probes: fit on training items' first-label hidden states, predict test items.",
        discussion: """
            Inputs are `infer labels` artifacts of one model on one dataset: --train on the splits' \
            probe_train set, --test on a test set. Features: the last-layer state of the first label token \
            (items whose answer has no label step have none and are left out, counted in the artifact). \
            Standardised per feature on the training rows, reduced to d/--factor dimensions by an exact \
            truncated SVD of the training rows, then one L2 logistic regression per label \
            (scikit-learn's objective, C = --C) for each kind of target:
              human  the annotators' proportions (soft targets): Tables 1/5 "Linear Probing"
              gold   the majority labels (Table 2 "Gold")
              pred   the labels of the model's own answer (Table 2 "Pred")
              pred2  the labels it wrote after its first one (Table 2 "Pred 2+")
            `evaluate probe` scores the predictions.

            Example: probe --splits results/artifacts/paperA/mfrc/splits.h5 \\
                       --train results/artifacts/paperA/mfrc/labels/smollm2-probe_train.h5 \\
                       --test results/artifacts/paperA/mfrc/labels/smollm2-main_test.h5 \\
                       --output results/artifacts/paperA/mfrc/probe/smollm2.h5
            """)

    @Option(help: "Splits artifact of `prepare-splits labels`.") var splits: String
    @Option(help: "`infer labels` artifact of the probes' training items.") var train: String
    @Option(help: "`infer labels` artifact of the test items.") var test: String
    @Option(help: "Keep d / FACTOR SVD components (the paper: 4).") var factor = 4
    @Option(name: .customLong("C"), help: "Inverse L2 strength of the logistic regressions (scikit-learn's C).") var c = 1.0
    @Option(help: "Run seed (recorded; the fit is deterministic).") var seed = 42
    @Option(help: "Output HDF5 artifact.") var output: String

    /// Features and the four kinds of targets of one generations artifact.
    struct Rows {
        var items: [Int] = []
        var features: [Float] = []
        var targets: [[[Double]]] = ProbePredictions.kinds.map { _ in [] }
        var dropped = 0
    }

    func rows(_ path: String, data: LabelTaskSplits) throws -> (Rows, LabelGenerations) {
        let gen = try LabelGenerations.read(path: path)
        let labels = data.dataset.labels, l = labels.count
        guard gen.candidates == labels + ["none"] else {
            throw StageError.input(path, "candidates \(gen.candidates) are not the splits' labels \(labels) + none")
        }
        var r = Rows()
        let d = gen.hiddenSize
        for i in 0..<gen.count {
            let steps = gen.steps(of: i)
            guard let first = steps.first else { r.dropped += 1; continue }
            let item = gen.itemIndex[i]
            guard item < data.dataset.items.count else { throw StageError.input(path, "example \(i): item \(item) is not in \(splits)") }
            let h = Array(gen.hidden[(i * d)..<((i + 1) * d)])
            if let bad = h.firstIndex(where: { !$0.isFinite }) {
                throw StageError.input(path, "example \(i): hidden state value \(bad) is \(h[bad])")
            }
            r.items.append(item)
            r.features += h
            let human = data.dataset.items[item].proportions
            let later = Set(steps.dropFirst().map(\.generated).filter { $0 >= 0 && $0 < l && $0 != first.generated })
            r.targets[0].append(human)
            r.targets[1].append(human.map { $0 >= 0.5 ? 1 : 0 })
            r.targets[2].append(gen.predicted[i].map { Double($0) })
            r.targets[3].append((0..<l).map { later.contains($0) ? 1 : 0 })
        }
        return (r, gen)
    }

    func run() throws {
        guard factor >= 1, c > 0 else { throw StageError.usage("--factor must be ≥ 1 and --C > 0") }
        let ctx = StageContext(stage: "probe", seed: seed)
        try ctx.addInputs([splits, train, test])
        ctx.setConfigText("factor: \(factor)\nC: \(c)\nfeatures: first label token, last layer\nseed: \(seed)\n")
        let data = try LabelTaskSplits.read(path: splits)
        let (tr, genTrain) = try rows(train, data: data)
        let (te, genTest) = try rows(test, data: data)
        guard genTrain.hiddenSize == genTest.hiddenSize else {
            throw StageError.input(test, "hidden size \(genTest.hiddenSize) differs from \(train)'s \(genTrain.hiddenSize)")
        }
        if let a = genTrain.attributes["model_sha256"], let b = genTest.attributes["model_sha256"], a != b {
            throw StageError.input(test, "was generated by another model than \(train)")
        }
        let d = genTrain.hiddenSize, l = data.dataset.labels.count
        var attributes = ["dataset": data.dataset.name, "model_label": genTest.attributes["model_label"] ?? "",
                          "factor": String(factor), "C": String(c),
                          "n_train_dropped": String(tr.dropped), "n_test_dropped": String(te.dropped)]
        guard tr.items.count >= 2, !te.items.isEmpty else {
            // A model that (almost) never writes a label has no first-label states to probe: the
            // artifact says so, `evaluate probe` reports no numbers, the report lists them as missing.
            let why = "not fitted: \(tr.items.count) training and \(te.items.count) test items have a label step"
            attributes["status"] = why
            let empty = ProbePredictions(labels: data.dataset.labels, testItems: [], trainItems: tr.items,
                                         probabilities: ProbePredictions.kinds.map { _ in [] }, targets: ProbePredictions.kinds.map { _ in [] },
                                         attributes: attributes)
            try ctx.writeArtifact(to: output) { w in try empty.write(to: w) }
            FileHandle.standardError.write(Data("probe: warning: \(output): \(why)\n".utf8))
            return
        }
        var probs: [[[Double]]] = []
        var components = 0
        for (k, kind) in ProbePredictions.kinds.enumerated() {
            let probe = try LinearProbe.fit(x: tr.features, n: tr.items.count, d: d, y: tr.targets[k].flatMap { $0 },
                                            labelCount: l, factor: factor, C: c)
            components = probe.svd.k
            let p = te.items.isEmpty ? [] : try probe.probabilities(x: te.features, n: te.items.count)
            probs.append((0..<te.items.count).map { Array(p[($0 * l)..<(($0 + 1) * l)]) })
            print("probe \(kind): \(tr.items.count) training rows, \(probe.svd.k) components")
        }
        attributes["components"] = String(components)
        attributes["status"] = "fitted"
        let out = ProbePredictions(labels: data.dataset.labels, testItems: te.items, trainItems: tr.items, probabilities: probs,
                                   targets: te.targets, attributes: attributes)
        try ctx.writeArtifact(to: output) { w in try out.write(to: w) }
        print("\(output): probes on \(tr.items.count) training items (\(tr.dropped) without a label step), "
              + "\(te.items.count) test items (\(te.dropped) without)")
    }
}

runStage(Probe.self)
