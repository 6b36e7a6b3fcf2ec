import Artifacts
import Foundation
import Metrics
import Plots
import StageKit

/// The fine-tuning runs' loss per epoch (`training_curves.svg/.csv`), from each finished run's
/// `provo/finetune/<config>/seed<N>/train_log.h5`. The paper trains for a fixed number of epochs
/// and keeps the last weights; these curves show whether that last epoch is the best one (e.g. a
/// full fine-tune whose validation loss rises again after epoch 1 has overfitted the training
/// passages). Each run's loss is on its own target (L_Label for FT (Orig.)/(Maj.), L_Var for FT
/// (Mul.)), so panels are per configuration, never mixed.
struct TrainingRun {
    var path: String
    var config: String
    var seed: Int
    /// The training target (orig, maj, mul) the loss is measured on.
    var target: String
    /// val_loss[0] before training, val_loss[e] after epoch e.
    var validation: [Double]
    /// Mean step loss of each epoch (epoch e at index e - 1).
    var trainingEpochMeans: [Double]

    static func read(path: String, config: String, seed: Int) throws -> TrainingRun {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let stepsPerEpoch = try r.intAttribute("steps_per_epoch")
        guard stepsPerEpoch > 0 else { throw StageError.input(path, "attribute steps_per_epoch is \(stepsPerEpoch)") }
        let steps = try r.read(Double.self, "step/loss").values
        let validation = try r.read(Double.self, "epoch/val_loss").values
        let epochs = validation.count - 1
        guard epochs >= 1, steps.count == epochs * stepsPerEpoch else {
            throw StageError.input(path, "\(steps.count) step losses for \(epochs) epochs of \(stepsPerEpoch) steps")
        }
        let means = (0..<epochs).map { e in
            steps[(e * stepsPerEpoch)..<((e + 1) * stepsPerEpoch)].reduce(0, +) / Double(stepsPerEpoch)
        }
        return TrainingRun(path: path, config: config, seed: seed, target: try r.stringAttribute("target"),
                           validation: validation, trainingEpochMeans: means)
    }
}

extension PaperBFigures {
    /// Every fine-tuning configuration the experiment names, with the panel title it gets and
    /// the seeds the experiment runs it with: the table rows of both models, then the ablation.
    func trainingConfigs() -> [(config: String, title: String, seeds: [Int])] {
        var out: [(String, String, [Int])] = []
        for m in [experiment.models.base, experiment.models.instruct] {
            for (row, config) in [("FT (Orig. corpus)", m.finetune.orig), ("FT (Maj. label)", m.finetune.maj),
                                  ("FT (Mul. labels)", m.finetune.mul)] {
                out.append((config, "\(m.label): \(row)", experiment.seeds))
            }
        }
        for n in experiment.ablation.answers {
            out.append((experiment.ablation.config.replacingOccurrences(of: "{n}", with: String(n)),
                        "\(experiment.models.base.label): \(n) label\(n == 1 ? "" : "s") per context", [experiment.ablation.seed]))
        }
        return out
    }

    /// Validation loss (before training and after each epoch) and mean training loss per epoch,
    /// mean ± SD over the finished seeds, one panel per configuration.
    func trainingCurves() throws -> Status {
        var data = CSVTable(header: ["config", "panel", "seed", "target", "epoch", "split", "loss"])
        var charts: [Chart] = [], missing: [String] = [], inputs: Set<String> = []
        for (config, title, seeds) in trainingConfigs() {
            // The experiment's seeds, and any other seed run by hand (e.g. `make paperB-quick`'s
            // ablation with seed 42).
            let folder = "\(artifactsDir)/provo/finetune/\(config)"
            let found = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .compactMap { $0.hasPrefix("seed") ? Int($0.dropFirst(4)) : nil }
            var runs: [TrainingRun] = []
            for seed in Set(seeds + found).sorted() {
                let path = "\(folder)/seed\(seed)/train_log.h5"
                guard FileManager.default.fileExists(atPath: path) else {
                    if seeds.contains(seed) { missing.append("\(config) seed \(seed)") }
                    continue
                }
                runs.append(try TrainingRun.read(path: path, config: config, seed: seed))
                inputs.insert(path)
            }
            guard let first = runs.first else { continue }
            for r in runs {
                guard r.validation.count == first.validation.count, r.target == first.target else {
                    throw StageError.input(r.path, "\(r.validation.count - 1) epochs on target \(r.target), but \(first.path) has \(first.validation.count - 1) on \(first.target)")
                }
                for (e, v) in r.validation.enumerated() { try data.append([config, title, "\(r.seed)", r.target, "\(e)", "validation", fx(v)]) }
                for (i, v) in r.trainingEpochMeans.enumerated() { try data.append([config, title, "\(r.seed)", r.target, "\(i + 1)", "training", fx(v)]) }
            }
            let val = try meanAndSD(runs.map(\.validation)), train = try meanAndSD(runs.map(\.trainingEpochMeans))
            let seedNote = runs.count == 1 ? "seed \(runs[0].seed)" : "mean ± SD over \(runs.count) seeds"
            charts.append(.line(LineChart(
                title: "\(title) (\(seedNote))", xLabel: "epoch", yLabel: "loss (nats)",
                series: [LineSeries(name: "validation", x: val.mean.indices.map(Double.init), y: val.mean, errors: val.sd),
                         LineSeries(name: "training (epoch mean)", x: train.mean.indices.map { Double($0 + 1) }, y: train.mean,
                                    errors: train.sd)],
                log2X: false)))
        }
        return try emit("training_curves", title: "Fine-tuning loss per epoch (each run on its own target)",
                        charts: charts, columns: 3, data: data, missing: missing, inputs: inputs)
    }

    /// Element-wise mean and population SD (as Table 1's) of equal-length rows.
    func meanAndSD(_ rows: [[Double]]) throws -> (mean: [Double], sd: [Double]) {
        let columns = rows[0].indices.map { i in rows.map { $0[i] } }
        return (try columns.map(Metrics.mean), try columns.map(populationSD))
    }
}
