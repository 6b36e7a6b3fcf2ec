import ArgumentParser
import Artifacts

/// `prepare-splits code-version`: the package's version from git now, which `make build` records
/// next to the executables right after building them (CodeVersion).
struct CodeVersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code-version",
        abstract: "Print the package's code version from git (commit, -dirty if the code has changes).",
        discussion: """
            `make build` writes it to .build/<config>/code-version after building, and every stage \
            records that file's version in its artifacts' code_version, so a git pull while stages \
            run does not relabel what they make. DISTLAB_CODE_VERSION, when set, wins over both.

            Example: prepare-splits code-version
            """)

    func run() throws {
        print(CodeVersion.resolve(environment: [:], packageDirectory: CodeVersion.packageDirectory))
    }
}
