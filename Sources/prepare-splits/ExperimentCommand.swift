import ArgumentParser
import Foundation
import Artifacts
import StageKit

/// `prepare-splits experiment`: checks an experiment file and writes the Make variables it sets,
/// so the Makefile's stage commands take their models, seeds and settings from the YAML.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Check pipeline/paperB.yaml and write the Make variables it sets (the Makefile includes them).")

    @Option(help: "Experiment file (YAML or JSON).") var config = "pipeline/paperB.yaml"
    @Option(help: "Write the Make variables here (atomically); without it they go to stdout.") var output: String?

    func run() throws {
        let loaded = try PaperBExperiment.load(config)
        let text = loaded.value.makeVariables(source: config)
        guard let output else { print(text, terminator: ""); return }
        try AtomicFile.write(Array(text.utf8), to: output)
        print("\(output): \(loaded.value.seeds.count) seeds, models \(loaded.value.models.base.label) and \(loaded.value.models.instruct.label)")
    }
}
