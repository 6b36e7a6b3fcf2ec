import ArgumentParser
import Datasets
import Foundation
import Numerics
import StageKit

/// `prepare-splits labels`: one of paper A's classification datasets → its items, human label
/// proportions, main and multi-label test sets and in-context demonstrations.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Paper A classification data: human label proportions, test sets, demonstrations.",
        discussion: """
            Datasets and the files read from --data-dir (the folder layout of ../shared/datasets):
              semeval      2018-E-c-En-{train,dev,test-gold}.txt (aggregate 0/1 labels, 11 emotions)
              goemotions   {train,dev,test}.tsv + labels.txt (aggregate labels pooled to 7 clusters);
                           with goemotions_{1,2,3}.csv (the per-rater release) the proportions are
                           the raters' shares, the split still by the .tsv files' comment ids
              mfrc         mfrc_vote_counts.tsv, or the official final_mfrc_data.csv (per annotation)
              hs-brexit    HS-Brexit.tsv (Le-Wi-Di, single-label with 6 annotators per item; labels
                           "not hateful" / "hateful", paper A's HateXplain stand-in)
              md-agreement MD-Agreement.tsv (Le-Wi-Di, 5 annotators per item; "not offensive" /
                           "offensive", the MSP-Podcast stand-in)
              boxes        no files: the entity-tracking task of Kim & Schuster (2023), generated
                           (Datasets/Boxes.swift) with --seed; --boxes-count items, the last 20% the
                           test pool
            Test sets are drawn from the test file and demonstrations from the training file; MFRC
            ships no split, so a seeded permutation puts --mfrc-test-share of it in the test pool.

            Paper A (appendix A.4) tests on 200 items per dataset, uniform over label type (none,
            single, multi) and annotator disagreement, and on 200 multi-label items, with 10
            demonstrations of which half are multi-label. How each set is drawn is in the artifact's
            `selection` attribute; every draw is NumPy's RandomState(--seed).

            Example: prepare-splits labels --dataset mfrc --data-dir data/raw/mfrc \\
                       --output results/artifacts/paperA/mfrc/splits.h5
            """)

    @Option(help: "semeval | goemotions | mfrc | hs-brexit | md-agreement") var dataset: String
    @Option(name: .customLong("data-dir"), help: "The dataset's folder (not for boxes, which is generated).") var dataDir: String = ""
    @Option(name: .customLong("boxes-count"), help: "boxes only: items to generate (the last 20% are the test pool).") var boxesCount = 6000
    @Option(help: "Output HDF5 artifact.") var output: String
    @Option(name: .customLong("main-test-size"), help: "Items in the main test set.") var mainTestSize = 200
    @Option(name: .customLong("multilabel-test-size"), help: "Items in the multi-label test set.") var multiLabelTestSize = 200
    @Option(help: "In-context demonstrations.") var shots = 10
    @Option(name: .customLong("probe-train-size"), help: "Training items of the linear probes, sampled from train.") var probeTrainSize = 1000
    @Option(name: .customLong("mfrc-test-share"), help: "MFRC only: share of the corpus in the test pool.") var mfrcTestShare = 0.2
    @Option(help: "RandomState seed of every draw.") var seed: UInt32 = 42

    static let datasets = ["semeval", "goemotions", "mfrc", "hs-brexit", "md-agreement", "boxes"]

    func validate() throws {
        guard Self.datasets.contains(dataset) else {
            throw ValidationError("--dataset must be one of \(Self.datasets.joined(separator: ", ")), not '\(dataset)'")
        }
        guard mfrcTestShare > 0 && mfrcTestShare < 1 else { throw ValidationError("--mfrc-test-share must be in (0, 1)") }
        if dataset != "boxes" && dataDir.isEmpty { throw ValidationError("--data-dir is needed for \(dataset)") }
        if dataset == "boxes" && boxesCount < 10 { throw ValidationError("--boxes-count must be at least 10") }
    }

    func run() throws {
        let ctx = StageContext(stage: "prepare-splits", seed: Int(seed))
        ctx.setConfigText("dataset: \(dataset)\n" + (dataset == "boxes" ? "boxes_count: \(boxesCount)\n" : "") + "main_test_size: \(mainTestSize)\nmultilabel_test_size: \(multiLabelTestSize)\n"
                          + "shots: \(shots)\nprobe_train_size: \(probeTrainSize)\nmfrc_test_share: \(mfrcTestShare)\nseed: \(seed)\n")
        let loaded = try load(ctx)
        let splits = try LabelTaskSplits.select(dataset: loaded.dataset, sources: loaded.sources,
                                                testCandidates: loaded.sources.indices.filter { loaded.sources[$0] == "test" },
                                                pool: loaded.sources.indices.filter { loaded.sources[$0] == "train" },
                                                mainTestSize: mainTestSize, multiLabelTestSize: multiLabelTestSize,
                                                shots: shots, probeTrainSize: probeTrainSize, seed: seed)
        try ctx.writeArtifact(to: output) { w in try splits.write(to: w) }
        for s in splits.shortfalls { FileHandle.standardError.write(Data("prepare-splits: note: \(s)\n".utf8)) }
        print("\(output): \(dataset), \(splits.dataset.items.count) items, \(splits.dataset.labels.count) labels; "
              + "main test \(splits.mainTest.count), multi-label test \(splits.multiLabelTest.count), "
              + "\(splits.demos.count) demonstrations, train pool \(splits.train.count) (probes: \(splits.probeTrain.count))")
    }

    private func file(_ name: String) -> String { (dataDir as NSString).appendingPathComponent(name) }
    private func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
    private func require(_ names: [String]) throws {
        for n in names where !exists(n) {
            throw StageError.input(file(n), "missing: the \(dataset) dataset needs \(names.joined(separator: ", ")) in \(dataDir)")
        }
    }

    /// The whole dataset with each item's source split ("train", "dev", "test").
    private func load(_ ctx: StageContext) throws -> (dataset: LabeledDataset, sources: [String]) {
        switch dataset {
        case "semeval":
            let parts = [("train", "2018-E-c-En-train.txt"), ("dev", "2018-E-c-En-dev.txt"), ("test", "2018-E-c-En-test-gold.txt")]
            try require(parts.map(\.1))
            var all: [LabeledItem] = [], sources: [String] = []
            for (split, name) in parts {
                try ctx.addInput(file(name))
                let d = try SemEvalEc.load(path: file(name))
                all += d.items; sources += Array(repeating: split, count: d.items.count)
            }
            return (LabeledDataset(name: "semeval", labels: SemEvalEc.labels, multiLabel: true, items: all), sources)
        case "goemotions":
            let parts = [("train", "train.tsv"), ("dev", "dev.tsv"), ("test", "test.tsv")]
            try require(parts.map(\.1) + ["labels.txt"])
            try ctx.addInput(file("labels.txt"))
            let names = try GoEmotions.labelNames(path: file("labels.txt"))
            var all: [LabeledItem] = [], sources: [String] = []
            var labels: [String] = []
            for (split, name) in parts {
                try ctx.addInput(file(name))
                let d = try GoEmotions.loadAggregated(path: file(name), labelNames: names, pooled: true)
                labels = d.labels
                all += d.items; sources += Array(repeating: split, count: d.items.count)
            }
            let raterFiles = ["goemotions_1.csv", "goemotions_2.csv", "goemotions_3.csv"]
            if raterFiles.allSatisfy(exists) {
                try ctx.addInputs(raterFiles.map(file))
                let raters = try GoEmotions.loadRaters(paths: raterFiles.map(file), pooled: true).dataset
                let splitOf = Dictionary(zip(all.map(\.id), sources), uniquingKeysWith: { a, _ in a })
                let kept = raters.items.filter { splitOf[$0.id] != nil }
                return (LabeledDataset(name: "goemotions", labels: raters.labels, multiLabel: true, items: kept),
                        kept.map { splitOf[$0.id]! })
            }
            return (LabeledDataset(name: "goemotions", labels: labels, multiLabel: true, items: all), sources)
        case "mfrc":
            let d: LabeledDataset
            if exists("mfrc_vote_counts.tsv") {
                try ctx.addInput(file("mfrc_vote_counts.tsv"))
                d = try MFRC.loadVoteCounts(path: file("mfrc_vote_counts.tsv"))
            } else {
                try require(["final_mfrc_data.csv"])
                try ctx.addInput(file("final_mfrc_data.csv"))
                d = try MFRC.loadAnnotations(path: file("final_mfrc_data.csv"))
            }
            // No official split: a seeded permutation's first share is the test pool.
            var rng = NumpyRandomState(seed: seed)
            let perm = rng.permutation(d.items.count)
            let nTest = Int((Double(d.items.count) * mfrcTestShare).rounded())
            var sources = Array(repeating: "train", count: d.items.count)
            for i in perm.prefix(nTest) { sources[i] = "test" }
            return (d, sources)
        case "boxes":
            let d = Boxes.generate(count: boxesCount, seed: seed)
            let nTrain = boxesCount - boxesCount / 5
            return (d, d.items.indices.map { $0 < nTrain ? "train" : "test" })
        default:
            let name = dataset == "hs-brexit" ? "HS-Brexit.tsv" : "MD-Agreement.tsv"
            try require([name])
            try ctx.addInput(file(name))
            let d = try LeWiDi.load(path: file(name))
            let sources = d.items.map { String($0.id.split(separator: "/").first ?? "") }
            // The files say 0/1; the prompts need words (1 = hate speech in HS-Brexit, offensive in MD-Agreement).
            let names = dataset == "hs-brexit" ? ["not hateful", "hateful"] : ["not offensive", "offensive"]
            guard d.labels == ["0", "1"] else { throw StageError.input(file(name), "expected labels 0 and 1, found \(d.labels)") }
            return (LabeledDataset(name: dataset, labels: names, multiLabel: false, items: d.items), sources)
        }
    }
}
