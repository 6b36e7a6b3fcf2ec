import Foundation

/// The code version recorded in provenance: `DISTLAB_CODE_VERSION` if set, else the git
/// commit of the package (with `-dirty` when `git status --porcelain` lists changes,
/// untracked files included, since those are compiled in too), else "unknown".
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

    /// The version string for this process.
    public static let current: String = resolve(environment: ProcessInfo.processInfo.environment,
                                                packageDirectory: packageDirectory)

    /// Resolve the version from an environment and a package folder (testable form).
    public static func resolve(environment: [String: String], packageDirectory: String) -> String {
        if let v = environment["DISTLAB_CODE_VERSION"], !v.isEmpty { return v }
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
