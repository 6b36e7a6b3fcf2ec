import Artifacts
import Foundation
import Numerics

/// Collects a stage's provenance (argv, config text, input file hashes, seed) as it runs,
/// and writes artifacts stamped with it in one call:
///
///     let ctx = StageContext(stage: "infer", seed: opts.seed)
///     let cfg = try ctx.loadConfig(InferConfig.self, from: opts.config)
///     try ctx.addInput(modelPath)
///     try ctx.writeArtifact(to: out) { w in try w.write(logits, shape: [n, v], at: "logits") }
///
/// No wall-clock time goes into an artifact unless asked for, so two runs of a stage on the same
/// inputs write bit-identical files: `DISTLAB_CREATED_AT=now` records the time of writing as
/// `created_at`, any other value is recorded as given.
public final class StageContext {
    public let stage: String
    public let commandLine: [String]
    public var seed: Int?
    public private(set) var configText = ""
    /// Input path → hex SHA-256, hashed when added.
    public private(set) var inputHashes: [String: String] = [:]

    public init(stage: String, commandLine: [String] = CommandLine.arguments, seed: Int? = nil) {
        self.stage = stage
        self.commandLine = commandLine
        self.seed = seed
        _ = StageContext.openBLASFallbackWarning
        // The code version is read when the stage starts, not when its artifact is written hours
        // later: a commit made while a long run goes on must not be recorded for its output.
        _ = CodeVersion.current
    }

    /// Once per process, when a stage starts work (not for --help): one line on stderr if
    /// OpenBLAS chose its SSE3 "Prescott" kernels by itself. It does so on CPUs it does not
    /// recognise, and matrix products then run several times slower than they could; the
    /// Makefile sets OPENBLAS_CORETYPE, outside make the user has to. (A static let runs once.)
    private static let openBLASFallbackWarning: Void = {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, openBLASCore() == "Prescott" else { return }
        FileHandle.standardError.write(Data(("warning: OpenBLAS did not recognise this CPU and uses its slow SSE3 (Prescott) kernels; "
            + "set OPENBLAS_CORETYPE=$(scripts/openblas-coretype.sh) as the Makefile does\n").utf8))
    }()

    /// Load a YAML/JSON config (unknown keys are errors, see `StageKit.loadConfig`) and
    /// record its text for provenance.
    public func loadConfig<T: Codable>(_ type: T.Type, from path: String, allowUnknownKeys: Bool = false) throws -> T {
        let loaded = try StageKit.loadConfig(type, from: path, allowUnknownKeys: allowUnknownKeys)
        configText = loaded.text
        return loaded.value
    }

    /// Record config text that did not come from `loadConfig` (e.g. options rendered as YAML).
    public func setConfigText(_ text: String) { configText = text }

    /// Hash an input file now and record it (errors name the unreadable file).
    public func addInput(_ path: String) throws {
        inputHashes[path] = try SHA256.hexDigest(ofFile: path)
    }

    /// Hash and record several input files.
    public func addInputs(_ paths: [String]) throws { for p in paths { try addInput(p) } }

    /// The provenance as of now; `createdAt` overrides `DISTLAB_CREATED_AT`.
    public func provenance(createdAt: String? = nil) -> Provenance {
        let asked = createdAt ?? ProcessInfo.processInfo.environment["DISTLAB_CREATED_AT"]
        let stamp = asked == "now" ? Provenance.timestamp() : asked
        var p = Provenance(stage: stage, commandLine: commandLine, configText: configText,
                           inputHashes: inputHashes, seed: seed, createdAt: stamp)
        p.compute = "OpenBLAS threads \(blasThreads), OPENBLAS_CORETYPE "
            + (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(auto-detected)")
        return p
    }

    /// Write an artifact atomically with this stage's provenance as root attributes;
    /// `body` writes the datasets. Creates the output folder if missing.
    public func writeArtifact(to path: String, createdAt: String? = nil, compression: Bool = true,
                              _ body: (ArtifactWriter) throws -> Void) throws {
        try ensureParentDirectory(of: path)
        let prov = provenance(createdAt: createdAt)
        try ArtifactWriter.write(to: path, compression: compression) { w in
            try prov.write(to: w)
            try body(w)
        }
    }
}
