import ArgumentParser
struct Stage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "distlab stage report (not yet implemented)")
    func run() throws { throw ValidationError("report: not implemented yet") }
}
Stage.main()
