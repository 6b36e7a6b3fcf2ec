import Foundation
import StageKit

/// One line of the `infer logprobs` input: `{"text": "...", "add_bos": true|false, "special": true|false}`.
struct LogprobCase: Equatable {
    var text: String
    /// nil: the model's own rule.
    var addBOS: Bool?
    /// Parse control tokens written in the text (e.g. `<|im_start|>`) as single tokens.
    var special: Bool
}

/// Reads a JSONL file of cases. Every bad line is an error naming `path:line` (invalid JSON, not
/// an object, unknown key, missing or empty `text`, a non-boolean flag); a single trailing newline
/// is allowed, blank lines elsewhere are errors.
func readLogprobCases(path: String) throws -> [LogprobCase] {
    guard let data = FileManager.default.contents(atPath: path) else { throw StageError.input(path, "cannot read the file") }
    guard let text = String(data: data, encoding: .utf8) else { throw StageError.input(path, "not UTF-8 text") }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    if lines.isEmpty { throw StageError.input(path, "no cases (empty file)") }
    var cases: [LogprobCase] = []
    for (i, raw) in lines.enumerated() {
        let at = "\(path):\(i + 1)"
        let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
        if line.allSatisfy(\.isWhitespace) { throw StageError.input(at, "blank line (one JSON object per line expected)") }
        let obj: Any
        do {
            obj = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw StageError.input(at, "invalid JSON: \(String(line.prefix(80)).debugDescription)")
        }
        guard let dict = obj as? [String: Any] else { throw StageError.input(at, "expected a JSON object like {\"text\": \"...\"}") }
        if let k = dict.keys.sorted().first(where: { !["text", "add_bos", "special"].contains($0) }) {
            throw StageError.input(at, "unknown key \"\(k)\" (allowed: text, add_bos, special)")
        }
        guard let t = dict["text"] else { throw StageError.input(at, "missing \"text\"") }
        guard let s = t as? String, !isJSONBool(t) else { throw StageError.input(at, "\"text\" must be a string") }
        if s.isEmpty { throw StageError.input(at, "\"text\" is empty") }
        func flag(_ key: String) throws -> Bool? {
            guard let v = dict[key], !(v is NSNull) else { return nil }
            guard isJSONBool(v), let b = v as? Bool else { throw StageError.input(at, "\"\(key)\" must be true or false") }
            return b
        }
        cases.append(LogprobCase(text: s, addBOS: try flag("add_bos"), special: try flag("special") ?? false))
    }
    return cases
}

/// Whether a JSONSerialization value came from a JSON `true`/`false` (not a number: 0 and 1 would
/// also bridge to Bool).
private func isJSONBool(_ v: Any) -> Bool {
    guard let n = v as? NSNumber else { return false }
    #if canImport(Darwin)
    return CFGetTypeID(n) == CFBooleanGetTypeID()
    #else
    return String(cString: n.objCType) == "c" || type(of: v) == Bool.self
    #endif
}
