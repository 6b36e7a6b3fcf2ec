import ArgumentParser
import Artifacts

/// `prepare-splits digest`: what scripts/carry.sh compares when it makes a split again on a new
/// machine instead of committing it (splits hold the datasets' texts).
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the content digest of artifacts: a sha256 of their values and attributes, how they were made left out.",
        discussion: """
            Two artifacts with the same digest hold the same values and the same provenance apart \
            from code_version, command_line and compute (how, not from what, they were made), so a \
            split made again by a later commit on another machine can be checked against the one a \
            carried run was made from (scripts/carry.sh remake). One line per file: \
            "<digest>  <file>", as sha256sum prints.

            Example: prepare-splits digest results/artifacts/provo/splits.h5
            """)

    @Argument(help: "HDF5 artifacts.") var files: [String]

    func run() throws {
        for file in files { print("\(try ArtifactDigest.content(ofFile: file))  \(file)") }
    }
}
