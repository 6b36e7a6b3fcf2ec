import ArgumentParser
import StageKit

/// `probe`: paper A's linear probes on hidden states. Not built yet — the command exists so the
/// pipeline's six stages are in place; it fails loudly rather than writing anything.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Paper A linear probes on hidden states (not implemented yet: exits with an error).")
    func run() throws {
        throw StageError.usage("probe: paper A's linear probes are not implemented yet (README, Status)")
    }
}

runStage(Probe.self)
