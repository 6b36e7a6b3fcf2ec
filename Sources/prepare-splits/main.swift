import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare-splits", abstract: "distlab stage prepare-splits (not yet implemented)")
    func run() throws { throw ValidationError("prepare-splits: not implemented yet") }
}
Stage.main()
