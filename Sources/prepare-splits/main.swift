import ArgumentParser
import Datasets
import Foundation
import StageKit

/// `prepare-splits`: raw dataset files → one HDF5 artifact per dataset with every item, its human
/// answers or label distribution, and the split it belongs to.
struct PrepareSplits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare-splits",
        abstract: "Turn a raw dataset into an HDF5 artifact of items, human distributions and splits.",
        subcommands: [Provo.self, DeVarda.self, WebQuestionsCommand.self, LabelsCommand.self, ExperimentCommand.self, DigestCommand.self, CodeVersionCommand.self])
}

/// Options shared by the cloze corpora (Provo, de Varda): paper B's paragraph-level split.
struct ClozeOptions: ParsableArguments {
    @Option(help: "Raw norms: the TSV of ../shared/datasets or the official OSF CSV.")
    var input: String
    @Option(help: "Output HDF5 artifact.")
    var output: String
    @Option(help: "random_state of both train_test_split calls.")
    var seed: UInt32 = 42
    @Option(name: .customLong("test-size"), help: "Share of passages in the test split.")
    var testSize = 0.2
    @Option(name: .customLong("val-size"), help: "Share of the remaining passages in the validation split.")
    var valSize = 0.1

    func run(corpus: String) throws {
        let ctx = StageContext(stage: "prepare-splits", seed: Int(seed))
        ctx.setConfigText("corpus: \(corpus)\ntest_size: \(testSize)\nval_size: \(valSize)\nrandom_state: \(seed)\n")
        try ctx.addInput(input)
        let norms = try ClozeNorms.load(path: input, corpus: corpus)
        let split = try ParagraphSplit.paperB(ids: norms.passages.map(\.textID), seed: seed,
                                              testSize: testSize, validationSize: valSize)
        let splits = try ClozeSplits(norms: norms, split: split)
        try ctx.writeArtifact(to: output) { w in try splits.write(to: w) }
        let counts = ["train", "validation", "test"].map { "\($0) \(splits.contexts(in: $0).count)" }
        print("\(output): \(norms.passages.count) passages, \(norms.contexts.count) contexts "
              + "(\(counts.joined(separator: ", "))), \(norms.answerCount) answers")
    }
}

let clozeDiscussion = """
    The split follows paper B: sklearn train_test_split over passage ids with test_size and \
    random_state=SEED, then test_size=VAL-SIZE on the remainder for validation, reimplemented \
    (NumPy's MT19937 permutation) rather than hard-coded. For Provo with the defaults this gives \
    39 train / 5 validation / 11 test passages (536 test contexts).
    """

struct Provo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Provo cloze norms: contexts, human next-word answers, paper B's paragraph split.",
        discussion: clozeDiscussion + """


        Example: prepare-splits provo --input data/raw/provo/provo_cloze_norms.tsv \\
                   --output results/artifacts/provo/splits.h5
        """)
    @OptionGroup var options: ClozeOptions
    func run() throws { try options.run(corpus: "provo") }
}

struct DeVarda: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devarda",
        abstract: "de Varda et al. cloze norms (same layout as Provo), split the same way.",
        discussion: clozeDiscussion)
    @OptionGroup var options: ClozeOptions
    func run() throws { try options.run(corpus: "devarda") }
}

runStage(PrepareSplits.self)
