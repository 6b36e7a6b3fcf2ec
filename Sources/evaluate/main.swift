import ArgumentParser
import StageKit

/// `evaluate`: model outputs + human distributions → per-item metrics and the papers' table numbers
/// (a `/summary` group that `report` gathers).
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score model outputs against human distributions; write per-item metrics and table numbers.",
        subcommands: [Oracle.self, TVD.self, QA.self, Labels.self, LabelSteps.self, ProbeEval.self, Supervised.self])
}

runStage(Evaluate.self)
