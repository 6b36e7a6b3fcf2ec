import ArgumentParser
import StageKit

/// `infer`: run a language model over inputs — next-token log-probabilities of texts
/// (`logprobs`) and paper B's Monte-Carlo next-word samples of cloze contexts (`sample`).
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a language model: log-probabilities of texts, or sampled next words of cloze contexts.",
        subcommands: [LogprobsCommand.self, SampleCommand.self, QACommand.self, LabelsCommand.self, BreakdownCommand.self, BenchCommand.self])
}

runStage(Infer.self)
