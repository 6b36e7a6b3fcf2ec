import Foundation
import ModelIO

extension Tokenizer {
    /// Loads a tokenizer from a GGUF file, a `tokenizer.json`, or a Hugging Face model directory
    /// (which must contain `tokenizer.json`), or a fine-tuned model folder (its base model's tokenizer).
    public static func load(path: String) throws -> Tokenizer {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw TokenizerError(path: path, "no such file or directory")
        }
        if isDir.boolValue {
            // A fine-tuned model folder (see Models.FineTunedModel) uses its base model's tokenizer.
            let manifest = (path as NSString).appendingPathComponent("finetuned.json")
            if let data = FileManager.default.contents(atPath: manifest) {
                guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let base = obj["base_model"] as? String else {
                    throw TokenizerError(path: manifest, "fine-tuned model manifest has no string base_model")
                }
                return try load(path: base)
            }
            let json = (path as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: json) else {
                throw TokenizerError(path: path, "model directory has no tokenizer.json")
            }
            return try load(tokenizerJSON: json)
        }
        if path.hasSuffix(".json") { return try load(tokenizerJSON: path) }
        return try load(gguf: GGUFFile(path: path))
    }

    /// Tokens that end generation: EOS plus the end-of-turn tokens of the chat formats
    /// (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, …) present as control tokens.
    public var stopTokenIDs: [Int32] {
        var ids: [Int32] = eosID.map { [$0] } ?? []
        for name in ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "<EOT>", "</s>"] {
            if let id = id(of: name), tokenType(id) == .control, !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}
