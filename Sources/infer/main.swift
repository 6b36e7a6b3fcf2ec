import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "distlab stage infer (not yet implemented)")
    func run() throws { throw ValidationError("infer: not implemented yet") }
}
Stage.main()
