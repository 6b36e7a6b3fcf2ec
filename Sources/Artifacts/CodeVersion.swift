import Foundation

/// The code version recorded in provenance: `DISTLAB_CODE_VERSION` if set; else the version
/// `make build` recorded next to the executable (`code-version`, from git right after the build),
/// if that file is not older than the executable; else the git commit of the package (with
/// `-dirty` when `git status --porcelain` lists changes, untracked files included, since those
/// are compiled in too); else "unknown". The recorded version comes first because the package's
/// HEAD can move after the build (a `git pull` in a run tree while its stages run): git at run time
/// would then name code the binary was not built from. A binary built since without make (plain
/// `swift build`) is newer than the file, which then does not apply to it.
/// The pipeline's own outputs (`results/`) and the Markdown docs are left out of the check: the
/// report rewrites results/ during a run, which says nothing about the code that made it.
/// Computed once per process.
public enum CodeVersion {
    /// The package folder, found from this source file's compile-time path
    /// (Sources/Artifacts/CodeVersion.swift → three levels up).
    public static let packageDirectory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// The name of the file `make build` writes next to the executables.
    public static let recordedFileName = "code-version"

    /// The version string for this process.
    public static let current: String = {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let file = (exe as NSString).deletingLastPathComponent + "/" + recordedFileName
        return resolve(environment: ProcessInfo.processInfo.environment, packageDirectory: packageDirectory,
                       recorded: recordedVersion(file: file, executable: exe))
    }()

    /// The version in `file` if it exists, is not empty, and is not older than `executable`.
    public static func recordedVersion(file: String, executable: String) -> String? {
        let fm = FileManager.default
        guard let recorded = (try? fm.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
              let built = (try? fm.attributesOfItem(atPath: executable))?[.modificationDate] as? Date,
              recorded >= built, let text = fm.contents(atPath: file) else { return nil }
        let v = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return v.isEmpty ? nil : v
    }

    /// Resolve the version from an environment, a recorded version and a package folder (testable form).
    public static func resolve(environment: [String: String], packageDirectory: String, recorded: String? = nil) -> String {
        if let v = environment["DISTLAB_CODE_VERSION"], !v.isEmpty { return v }
        if let recorded { return recorded }
        guard let head = runGit(["rev-parse", "HEAD"], in: packageDirectory)?
            .trimmingCharacters(in: .whitespacesAndNewlines), !head.isEmpty else { return "unknown" }
        guard let status = runGit(["status", "--porcelain", "--", ".", ":(exclude)results", ":(exclude)*.md"],
                                  in: packageDirectory) else { return head + "-dirty" }
        return status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? head : head + "-dirty"
    }

    /// Run git in `dir`; nil if git is missing, fails, or `dir` is not a repository.
    private static func runGit(_ args: [String], in dir: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
