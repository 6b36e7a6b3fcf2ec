import Artifacts
import Foundation
import Yams

/// A config file problem; the description names the file and the key path, e.g.
/// `configs/infer.yaml: at 'sampling.temperature': expected Double, found a string`.
public struct ConfigError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let file: String
    /// Dotted key path ("" for the whole document), array indices as `[i]`.
    public let keyPath: String
    public let message: String

    public init(file: String, keyPath: String, _ message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(message)" : "\(file): at '\(keyPath)': \(message)"
    }
    public var errorDescription: String? { description }
}

/// A decoded config together with the exact text it came from (recorded in provenance).
public struct LoadedConfig<T> {
    public let value: T
    public let path: String
    public let text: String
    /// Hex SHA-256 of `text`.
    public var sha256: String { SHA256.hexDigest(text) }
}

/// Config syntaxes, chosen by file extension.
public enum ConfigFormat: Sendable {
    case yaml, json

    /// `.yaml`/`.yml` → YAML, `.json` → JSON; anything else is an error naming the file.
    public static func forPath(_ path: String) throws -> ConfigFormat {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "yaml", "yml": return .yaml
        case "json": return .json
        case let ext:
            throw ConfigError(file: path, keyPath: "", "unsupported config extension '.\(ext)' (expected .yaml, .yml or .json)")
        }
    }
}

/// Decode config `text`; `file` is only used in error messages.
public func decodeConfig<T: Decodable>(_ type: T.Type, text: String, format: ConfigFormat, file: String) throws -> T {
    do {
        switch format {
        case .yaml: return try YAMLDecoder().decode(type, from: text)
        case .json: return try JSONDecoder().decode(type, from: Data(text.utf8))
        }
    } catch let e as DecodingError {
        throw configError(e, file: file, format: format, text: text)
    } catch {
        throw ConfigError(file: file, keyPath: "", "invalid \(format == .yaml ? "YAML" : "JSON"): \(error)")
    }
}

/// The untyped value at `path` in the parsed document, nil if the path is not there.
func rawValue(at path: [CodingKey], text: String, format: ConfigFormat) -> Any? {
    var node: Any?
    switch format {
    case .yaml: node = try? Yams.load(yaml: text)
    case .json: node = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
    for key in path {
        if let dict = node as? [AnyHashable: Any] {
            node = dict.first { String(describing: $0.key.base) == key.stringValue }?.value
        } else if let list = node as? [Any], let i = key.intValue, i >= 0, i < list.count {
            node = list[i]
        } else {
            return nil
        }
    }
    return node
}

/// Where JSON text is malformed, as "invalid value at line L, column C", from
/// JSONSerialization (JSONDecoder on Linux drops the position).
func jsonSyntaxDetail(_ text: String) -> String? {
    do {
        _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return nil
    } catch {
        let debug = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        // "Invalid value around character 15." -> add line and column of that byte offset.
        guard let r = debug.range(of: "character "),
              let offset = Int(debug[r.upperBound...].prefix { $0.isNumber }) else { return debug }
        let bytes = Array(text.utf8.prefix(offset))
        let line = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = bytes.count - (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(debug.trimmingCharacters(in: CharacterSet(charactersIn: "."))) (line \(line), column \(column))"
    }
}

/// "a.b[2].c" from a coding path.
func keyPathString(_ path: [CodingKey]) -> String {
    var out = ""
    for k in path {
        if let i = k.intValue, k.stringValue.hasPrefix("Index ") || k.stringValue == String(i) {
            out += "[\(i)]"
        } else {
            out += (out.isEmpty ? "" : ".") + k.stringValue
        }
    }
    return out
}

private func configError(_ e: DecodingError, file: String, format: ConfigFormat, text: String) -> ConfigError {
    // Decoders describe what they found vaguely (Yams says "found Scalar"); quote the
    // file's own value instead.
    func found(_ path: [CodingKey]) -> String {
        guard let v = rawValue(at: path, text: text, format: format) else { return "" }
        if v is NSNull { return ", found null" }
        if v is [Any] { return ", found a list" }
        if v is [AnyHashable: Any] { return ", found a mapping" }
        return ", found \(String(describing: v).debugDescription)"
    }
    switch e {
    case .keyNotFound(let key, let ctx):
        return ConfigError(file: file, keyPath: keyPathString(ctx.codingPath + [key]), "missing required key")
    case .typeMismatch(let type, let ctx):
        let f = found(ctx.codingPath)
        return ConfigError(file: file, keyPath: keyPathString(ctx.codingPath), "expected a value of type \(type)\(f.isEmpty ? ": " + ctx.debugDescription : f)")
    case .valueNotFound(let type, let ctx):
        return ConfigError(file: file, keyPath: keyPathString(ctx.codingPath), "expected a value of type \(type), found null")
    case .dataCorrupted(let ctx):
        let path = keyPathString(ctx.codingPath)
        let under = ctx.underlyingError.map { ": \($0)" } ?? (format == .json ? jsonSyntaxDetail(text).map { ": \($0)" } ?? "" : "")
        if path.isEmpty {
            return ConfigError(file: file, keyPath: "", "invalid \(format == .yaml ? "YAML" : "JSON"): \(ctx.debugDescription)\(under)")
        }
        return ConfigError(file: file, keyPath: path, "\(ctx.debugDescription)\(under)")
    @unknown default:
        return ConfigError(file: file, keyPath: "", "\(e)")
    }
}

// MARK: Unknown keys

/// Read and decode a config file (YAML or JSON by extension), keeping its text, and reject
/// keys the config type does not use: Decodable
/// silently ignores them, so a misspelled optional setting would otherwise fall back to
/// its default unnoticed. Detection re-encodes the decoded value and looks for keys of the
/// file that are absent from it (null values are ignored); set `allowUnknownKeys` for types
/// whose `encode(to:)` deliberately writes a different shape than they read.
public func loadConfig<T: Codable>(_ type: T.Type, from path: String, allowUnknownKeys: Bool = false) throws -> LoadedConfig<T> {
    let format = try ConfigFormat.forPath(path)
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigError(file: path, keyPath: "", "cannot read config file (missing or unreadable)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw ConfigError(file: path, keyPath: "", "config file is not valid UTF-8")
    }
    let value = try decodeConfig(type, text: text, format: format, file: path)
    if !allowUnknownKeys {
        try checkNoUnknownKeys(value, text: text, format: format, file: path)
    }
    return LoadedConfig(value: value, path: path, text: text)
}

/// Throw a `ConfigError` naming the first key of `text` that `value` does not encode.
public func checkNoUnknownKeys<T: Encodable>(_ value: T, text: String, format: ConfigFormat, file: String) throws {
    let raw: Any?
    do {
        switch format {
        case .yaml: raw = try Yams.load(yaml: text)
        case .json: raw = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        }
    } catch {
        throw ConfigError(file: file, keyPath: "", "invalid \(format == .yaml ? "YAML" : "JSON"): \(error)")
    }
    let encoded: Any
    do {
        encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: [.fragmentsAllowed])
    } catch {
        return  // not representable as JSON (e.g. non-finite doubles): nothing to compare against
    }
    if let unknown = firstUnknownKey(raw: raw as Any, known: encoded, path: "") {
        throw ConfigError(file: file, keyPath: unknown, "unknown key (not a setting of this config; misspelled?)")
    }
}

/// Depth-first search for a mapping key present in `raw` but not in `known`.
func firstUnknownKey(raw: Any, known: Any, path: String) -> String? {
    if let r = raw as? [AnyHashable: Any], let k = known as? [AnyHashable: Any] {
        let knownByName = Dictionary(k.map { (String(describing: $0.key.base), $0.value) }, uniquingKeysWith: { a, _ in a })
        for key in r.keys.map({ String(describing: $0.base) }).sorted() {
            let value = r[AnyHashable(key)] ?? r.first { String(describing: $0.key.base) == key }!.value
            if value is NSNull { continue }
            let sub = path.isEmpty ? key : path + "." + key
            guard let kv = knownByName[key] else { return sub }
            if let found = firstUnknownKey(raw: value, known: kv, path: sub) { return found }
        }
        return nil
    }
    if let r = raw as? [Any], let k = known as? [Any] {
        for (i, (rv, kv)) in zip(r, k).enumerated() {
            if let found = firstUnknownKey(raw: rv, known: kv, path: path + "[\(i)]") { return found }
        }
    }
    return nil
}
