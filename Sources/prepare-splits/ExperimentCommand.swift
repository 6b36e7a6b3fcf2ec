import ArgumentParser
import Foundation
import Artifacts
import StageKit

/// `prepare-splits experiment`: checks an experiment file and writes the Make variables it sets,
/// so the Makefile's stage commands take their models, seeds and settings from the YAML.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Check an experiment file (pipeline/paperA.yaml or paperB.yaml) and write the Make variables it sets.",
        discussion: "The file's `paper` key (A or B) says which experiment it is; the Makefile includes the variables.")

    @Option(help: "Experiment file (YAML or JSON).") var config = "pipeline/paperB.yaml"
    @Option(help: "Write the Make variables here (atomically); without it they go to stdout.") var output: String?

    func run() throws {
        if try paperKey() == "A" {
            let a = try PaperAExperiment.load(config)
            let text = a.value.makeVariables(source: config)
            guard let output else { print(text, terminator: ""); return }
            try AtomicFile.write(Array(text.utf8), to: output)
            print("\(output): \(a.value.datasets.count) datasets, models \(a.value.models.map(\.label).joined(separator: ", "))")
            return
        }
        let loaded = try PaperBExperiment.load(config)
        let text = loaded.value.makeVariables(source: config)
        guard let output else { print(text, terminator: ""); return }
        try AtomicFile.write(Array(text.utf8), to: output)
        print("\(output): \(loaded.value.seeds.count) seeds, models \(loaded.value.models.base.label) and \(loaded.value.models.instruct.label)")
    }

    /// The `paper` key of the file, read on its own so each experiment's full check runs after.
    private func paperKey() throws -> String {
        struct Header: Codable { var paper: String }
        return try loadConfig(Header.self, from: config, allowUnknownKeys: true).value.paper
    }
}
