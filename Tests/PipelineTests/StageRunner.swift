import TestSupport
import Foundation
import XCTest

/// Runs the stage executables built next to the test bundle (`swift build --build-tests` builds them).
enum Stages {
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Make arguments with `ART=` pointed at another artifacts folder.
    static func withART(_ arguments: [String], _ art: String) -> [String] {
        arguments.map { $0.hasPrefix("ART=") ? "ART=\(art)" : $0 }
    }

    /// Writes executable shell scripts (`#!/bin/sh` + body) named after the tools they stand in for
    /// into `folder`, which a test puts first on PATH.
    static func stubTools(in folder: String, _ bodies: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (tool, body) in bodies {
            try "#!/bin/sh\n\(body)".write(toFile: folder + "/" + tool, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/" + tool)
        }
    }

    /// Runs `stage args...` with extra environment; fails the test if the binary is missing.
    static func run(_ stage: String, _ args: [String], environment: [String: String] = [:], unset: Set<String> = [],
                    cwd: String? = nil) throws -> Result {
        let exe = productsDirectory.appendingPathComponent(stage)
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw XCTSkip("\(exe.path) not built (run `swift build --build-tests`)")
        }
        return try runExecutable(exe, args, environment: environment, unset: unset, cwd: cwd)
    }

    /// Runs any executable (a script, a system tool) and collects its exit status and output;
    /// the child gets this process's environment plus `environment`, minus `unset`, and `stdin`
    /// (small: it is written whole before the output is read) on its standard input.
    static func runExecutable(_ exe: URL, _ args: [String], environment: [String: String] = [:], unset: Set<String> = [],
                              cwd: String? = nil, stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unset.contains($0.key) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = stdin.map { _ in Pipe() }
        if let input { p.standardInput = input }
        try p.run()
        if let input, let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs the repository's Makefile (`make --no-print-directory ARGS`) from the package root, without
    /// the MAKEFLAGS of an outer make (CI runs the tests under `make test`). Its stdout and stderr go
    /// together to `log` (kept for a failing test's message) and come back as `stdout`.
    static func make(_ arguments: [String], log: String) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/make") else { throw XCTSkip("no make") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/make")
        p.currentDirectoryURL = TestPaths.packageRoot
        p.arguments = ["--no-print-directory"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["MAKEFLAGS"] = nil; env["MFLAGS"] = nil; env["MAKELEVEL"] = nil
        p.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let fh = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = fh; p.standardError = fh
        try p.run(); p.waitUntilExit(); try fh.close()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, stdout: output, stderr: "")
    }

    /// A fresh temporary folder for one test.
    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-pipeline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

}
