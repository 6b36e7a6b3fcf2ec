import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "distlab stage probe (not yet implemented)")
    func run() throws { throw ValidationError("probe: not implemented yet") }
}
Stage.main()
