import Foundation

/// One chat message: `role` is "system", "user" or "assistant".
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
    public static func system(_ c: String) -> ChatMessage { .init(role: "system", content: c) }
    public static func user(_ c: String) -> ChatMessage { .init(role: "user", content: c) }
    public static func assistant(_ c: String) -> ChatMessage { .init(role: "assistant", content: c) }
}

/// Chat prompt formats of the supported model families: a small explicit formatter per family
/// that reproduces what the model's Jinja `tokenizer.chat_template` renders (no Jinja
/// interpreter). The output is text with special tokens written out; encode it with
/// `parseSpecial: true` and `addBOS: false` (formats that start with BOS write it themselves).
public enum ChatTemplate: Sendable, Equatable {
    /// `<|im_start|>role\ncontent<|im_end|>\n` (SmolLM2, Qwen2.5). `defaultSystem` is inserted
    /// when the conversation does not start with a system message.
    case chatML(defaultSystem: String?)
    /// `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` (Llama 3).
    /// `dateHeader` (Llama 3.1+) writes the "Cutting Knowledge Date / Today Date" system block.
    case llama3(dateHeader: String?)
    /// `<s>[INST] user[/INST] assistant</s>` (Mistral v0.3); the system prompt goes before the last user turn.
    case mistral
    /// `<bos><start_of_turn>user\n…<end_of_turn>\n<start_of_turn>model\n` (Gemma 2/3); the system
    /// prompt is prefixed to the first user turn.
    case gemma

    /// Detects the family from a Jinja template text, falling back to the GGUF architecture
    /// (Gemma base models ship without a template).
    public static func detect(template: String?, architecture: String? = nil, source: String = "chat template") throws -> ChatTemplate {
        if let t = template {
            if t.contains("<|im_start|>") { return .chatML(defaultSystem: chatMLDefaultSystem(t)) }
            if t.contains("<|start_header_id|>") {
                return .llama3(dateHeader: t.contains("Cutting Knowledge Date") ? "26 Jul 2024" : nil)
            }
            if t.contains("<start_of_turn>") { return .gemma }
            if t.contains("[INST]") { return .mistral }
            throw TokenizerError(path: source, "unsupported chat template (not ChatML, Llama-3, Mistral or Gemma): \(t.prefix(120).debugDescription)…")
        }
        if let a = architecture, a.hasPrefix("gemma") { return .gemma }
        throw TokenizerError(path: source, "no tokenizer.chat_template and architecture \(architecture ?? "unknown") has no known chat format")
    }

    /// The template of a tokenizer's file (its `tokenizer.chat_template`, else by architecture).
    public static func detect(for tokenizer: Tokenizer, architecture: String? = nil) throws -> ChatTemplate {
        try detect(template: tokenizer.chatTemplate, architecture: architecture, source: tokenizer.source)
    }

    /// The default system prompt a ChatML template writes as a string literal
    /// `'<|im_start|>system\n…<|im_end|>` (with a real or an escaped newline).
    static func chatMLDefaultSystem(_ t: String) -> String? {
        var rest = t[...]
        while let r = rest.range(of: "<|im_start|>system") {
            var body = rest[r.upperBound...]
            if body.hasPrefix("\\n") { body = body.dropFirst(2) } else if body.hasPrefix("\n") { body = body.dropFirst() } else { rest = body; continue }
            if let end = body.range(of: "<|im_end|>") {
                let lit = body[..<end.lowerBound]
                if !lit.contains("'") && !lit.contains("\"") && !lit.contains("{") && !lit.contains("+") {
                    return String(lit).replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            rest = body
        }
        return nil
    }

    /// Renders `messages` as the model's prompt text; with `addGenerationPrompt` it ends with
    /// the header of the assistant's turn.
    public func format(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        func bad(_ m: String) -> TokenizerError { TokenizerError(path: "chat template \(self)", m) }
        for m in messages where !["system", "user", "assistant"].contains(m.role) {
            throw bad("unsupported role '\(m.role)'")
        }
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let d = defaultSystem, messages.first?.role != "system" {
                out += "<|im_start|>system\n\(d)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3(let date):
            out += "<|begin_of_text|>"
            var rest = messages[...]
            if let date {
                var system = ""
                if rest.first?.role == "system" { system = trim(rest.first!.content); rest = rest.dropFirst() }
                out += "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: \(date)\n\n\(system)<|eot_id|>"
            }
            for m in rest { out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(trim(m.content))<|eot_id|>" }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .mistral:
            var rest = messages[...]
            var system: String? = nil
            if rest.first?.role == "system" { system = rest.first!.content; rest = rest.dropFirst() }
            let lastUser = rest.lastIndex { $0.role == "user" }
            out += "<s>"
            for (k, m) in zip(rest.indices, rest) {
                let expectUser = (k - rest.startIndex) % 2 == 0
                if (m.role == "user") != expectUser { throw bad("conversation roles must alternate user/assistant/user/assistant") }
                if m.role == "user" {
                    if k == rest.indices.last, k == lastUser, let s = system { out += "[INST] \(s)\n\n\(m.content)[/INST]" }
                    else { out += "[INST] \(m.content)[/INST]" }
                } else {
                    out += " \(trim(m.content))</s>"
                }
            }
        case .gemma:
            var rest = messages[...]
            var prefix = ""
            if rest.first?.role == "system" { prefix = rest.first!.content + "\n\n"; rest = rest.dropFirst() }
            out += "<bos>"
            for (k, m) in zip(rest.indices, rest) {
                let expectUser = (k - rest.startIndex) % 2 == 0
                if (m.role == "user") != expectUser { throw bad("conversation roles must alternate user/assistant/user/assistant") }
                let role = m.role == "assistant" ? "model" : m.role
                out += "<start_of_turn>\(role)\n\(k == rest.startIndex ? prefix : "")\(trim(m.content))<end_of_turn>\n"
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        }
        return out
    }

    /// Jinja's `trim`: strips leading and trailing whitespace.
    private func trim(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
}
