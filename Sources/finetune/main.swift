import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "finetune", abstract: "distlab stage finetune (not yet implemented)")
    func run() throws { throw ValidationError("finetune: not implemented yet") }
}
Stage.main()
