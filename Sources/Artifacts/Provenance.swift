import Foundation

/// Where an artifact came from, stored as root attributes so it shows in `h5dump -A` and
/// `dict(h5py.File(p).attrs)` with no custom code:
///
/// | attribute | type | meaning |
/// | --- | --- | --- |
/// | `distlab_format_version` | int | layout version of distlab artifacts |
/// | `stage` | str | pipeline stage that wrote the file |
/// | `command_line` | str array | full argv |
/// | `config_text` / `config_sha256` | str | the config file's text and its SHA-256 |
/// | `input_paths` / `input_sha256` | str arrays | input files and their SHA-256, same order (sorted by path) |
/// | `code_version` | str | git commit (`-dirty` if modified) |
/// | `seed` | int | random seed (absent when the stage uses none) |
/// | `created_at` | str | ISO-8601 UTC time of writing, only when asked for (`DISTLAB_CREATED_AT`): by default an artifact holds nothing that changes between two runs of the same stage on the same inputs, so reruns are bit-identical files (the ledger `timings.tsv` and the file's mtime tell when it was made) |
/// | `compute` | str | BLAS library, threads and kernel set (floats can differ in the last bits across thread counts) |
public struct Provenance: Equatable, Sendable {
    /// Layout version written by this code; bump when artifact layouts change incompatibly.
    public static let currentFormatVersion = 1

    public var stage: String
    public var commandLine: [String]
    public var configText: String
    public var configSHA256: String
    /// Input file path → hex SHA-256 of its bytes.
    public var inputHashes: [String: String]
    public var codeVersion: String
    public var seed: Int?
    /// The time of writing, when recorded (see the table above).
    public var createdAt: String?
    public var formatVersion: Int
    /// The numerical environment, e.g. "OpenBLAS threads 2, OPENBLAS_CORETYPE Haswell" (nil: not recorded).
    public var compute: String?

    /// Build provenance from already-known parts. `configSHA256` is computed from `configText`.
    public init(stage: String, commandLine: [String], configText: String, inputHashes: [String: String],
                codeVersion: String = CodeVersion.current, seed: Int?, createdAt: String? = nil,
                formatVersion: Int = Provenance.currentFormatVersion) {
        self.stage = stage
        self.commandLine = commandLine
        self.configText = configText
        self.configSHA256 = SHA256.hexDigest(configText)
        self.inputHashes = inputHashes
        self.codeVersion = codeVersion
        self.seed = seed
        self.createdAt = createdAt
        self.formatVersion = formatVersion
    }

    /// ISO-8601 UTC with seconds, e.g. "2026-11-26T14:41:34Z".
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Hash each file in `paths` (errors name the file that cannot be read).
    public static func hashFiles(_ paths: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for p in paths { out[p] = try SHA256.hexDigest(ofFile: p) }
        return out
    }

    /// Write as root attributes of `writer`.
    public func write(to writer: ArtifactWriter) throws {
        let paths = inputHashes.keys.sorted()
        try writer.setAttribute("distlab_format_version", .int(formatVersion))
        try writer.setAttribute("stage", .string(stage))
        try writer.setAttribute("command_line", .strings(commandLine))
        try writer.setAttribute("config_text", .string(configText))
        try writer.setAttribute("config_sha256", .string(configSHA256))
        try writer.setAttribute("input_paths", .strings(paths))
        try writer.setAttribute("input_sha256", .strings(paths.map { inputHashes[$0]! }))
        try writer.setAttribute("code_version", .string(codeVersion))
        if let seed { try writer.setAttribute("seed", .int(seed)) }
        if let createdAt { try writer.setAttribute("created_at", .string(createdAt)) }
        if let compute { try writer.setAttribute("compute", .string(compute)) }
    }

    /// Read back from the root attributes of `reader`; errors name the missing attribute.
    public static func read(from reader: ArtifactReader) throws -> Provenance {
        let paths = try reader.stringArrayAttribute("input_paths")
        let hashes = try reader.stringArrayAttribute("input_sha256")
        guard paths.count == hashes.count else {
            throw ArtifactError(file: reader.path, object: "attribute 'input_sha256' on '/'",
                                "expected \(paths.count) hashes (one per input_paths entry), found \(hashes.count)")
        }
        var inputHashes: [String: String] = [:]
        for (path, hash) in zip(paths, hashes) {
            guard inputHashes.updateValue(hash, forKey: path) == nil else {
                throw ArtifactError(file: reader.path, object: "attribute 'input_paths' on '/'", "expected unique paths, found '\(path)' twice")
            }
        }
        var p = Provenance(stage: try reader.stringAttribute("stage"),
                           commandLine: try reader.stringArrayAttribute("command_line"),
                           configText: try reader.stringAttribute("config_text"),
                           inputHashes: inputHashes,
                           codeVersion: try reader.stringAttribute("code_version"),
                           seed: reader.hasAttribute("seed") ? try reader.intAttribute("seed") : nil,
                           createdAt: reader.hasAttribute("created_at") ? try reader.stringAttribute("created_at") : nil,
                           formatVersion: try reader.intAttribute("distlab_format_version"))
        // Keep the stored hash rather than recomputing, so tampering with config_text shows.
        p.configSHA256 = try reader.stringAttribute("config_sha256")
        p.compute = reader.hasAttribute("compute") ? try reader.stringAttribute("compute") : nil
        return p
    }
}
