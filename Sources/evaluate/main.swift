import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "distlab stage evaluate (not yet implemented)")
    func run() throws { throw ValidationError("evaluate: not implemented yet") }
}
Stage.main()
