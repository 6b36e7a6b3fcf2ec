import ArgumentParser
import Artifacts
import Foundation

/// An error a stage reports to the user: a bad input/data file (exit code 1) or a bad
/// command line (exit code 2). Printed as `error: <file>: <what>`.
public struct StageError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public enum Kind: Equatable, Sendable { case input, usage }

    public let kind: Kind
    /// The file concerned, if any.
    public let file: String?
    public let message: String

    public init(kind: Kind, file: String?, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    /// A problem with the contents of an input file (or another data problem).
    public static func input(_ file: String, _ message: String) -> StageError { StageError(kind: .input, file: file, message) }

    /// A problem with the command line or option values.
    public static func usage(_ message: String) -> StageError { StageError(kind: .usage, file: nil, message) }

    public var description: String { file.map { "\($0): \(message)" } ?? message }
    public var errorDescription: String? { description }
}

/// How a stage ends for a given error: the exit code, the text to print, and whether it
/// goes to stdout (help/version requests) or stderr.
public struct StageExit: Equatable {
    public let code: Int32
    public let text: String
    public let toStdout: Bool

    public init(code: Int32, text: String, toStdout: Bool) {
        self.code = code
        self.text = text
        self.toStdout = toStdout
    }
}

/// Exit code for data/input errors.
public let stageInputFailure: Int32 = 1
/// Exit code for usage errors.
public let stageUsageFailure: Int32 = 2

/// Map an error to the stage's exit: our own error types first, then ArgumentParser's
/// parse/validation errors (usage, code 2) and help/version requests (code 0, stdout).
public func stageExit<C: ParsableCommand>(for error: Error, command: C.Type) -> StageExit {
    if let e = error as? StageError {
        return StageExit(code: e.kind == .usage ? stageUsageFailure : stageInputFailure, text: "error: \(e)", toStdout: false)
    }
    if error is ArtifactError || error is ConfigError {
        return StageExit(code: stageInputFailure, text: "error: \(error)", toStdout: false)
    }
    let apCode = command.exitCode(for: error)
    if apCode == .success {
        return StageExit(code: 0, text: command.fullMessage(for: error), toStdout: true)
    }
    if apCode == .validationFailure {
        return StageExit(code: stageUsageFailure, text: command.fullMessage(for: error), toStdout: false)
    }
    if let e = error as? ExitCode {  // a stage asked for a specific code
        return StageExit(code: e.rawValue, text: "", toStdout: false)
    }
    return StageExit(code: stageInputFailure, text: "error: \(describe(error))", toStdout: false)
}

/// Parse the command line into `command`, run it, and exit: 0 on success, 1 with
/// `error: <file>: <what>` for data errors, 2 with usage text for command-line errors.
/// Every stage's `main` is `runStage(MyStage.self)`, so no error ends in a Swift trap.
public func runStage<C: ParsableCommand>(_ command: C.Type, arguments: [String]? = nil) -> Never {
    // Line-buffered stdout, so progress lines reach a log file or pipe as they are printed.
    setvbuf(stdout, nil, _IOLBF, 0)
    do {
        var cmd = try command.parseAsRoot(arguments)
        try cmd.run()
        exit(0)
    } catch {
        finish(stageExit(for: error, command: command))
    }
}

/// Run `body` as a stage without ArgumentParser; errors exit as in `runStage(_:arguments:)`.
public func runStage(_ body: () throws -> Void) -> Never {
    do {
        try body()
        exit(0)
    } catch let e as StageError {
        finish(StageExit(code: e.kind == .usage ? stageUsageFailure : stageInputFailure, text: "error: \(e)", toStdout: false))
    } catch {
        finish(StageExit(code: stageInputFailure, text: "error: \(describe(error))", toStdout: false))
    }
}

private func finish(_ e: StageExit) -> Never {
    if !e.text.isEmpty {
        let line = e.text.hasSuffix("\n") ? e.text : e.text + "\n"
        if e.toStdout {
            FileHandle.standardOutput.write(Data(line.utf8))
        } else {
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
    exit(e.code)
}

/// The best one-line text for an arbitrary error.
func describe(_ error: Error) -> String {
    if let e = error as? LocalizedError, let d = e.errorDescription { return d }
    return String(describing: error)
}
