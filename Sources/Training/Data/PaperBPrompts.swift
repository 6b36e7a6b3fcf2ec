import Foundation
import Tokenizers

/// Paper B's prompts (appendix A), shared by `finetune` (training pairs) and `infer sample
/// --prompt instruction` (sampling), so that a fine-tuned instruct model sees at inference
/// exactly the prompt it was trained on.
public enum PaperBPrompts {
    /// The appendix-A instruction with the context filled in (the user turn of the chat).
    /// Line breaks: the PDF text of appendix A separates every line by a blank line (its paragraph
    /// rendering, applied even to the wrapped 1-shot list), while the prompts printed in appendix G
    /// keep "Context: …" and "Continuation:" on consecutive lines; so the lines are joined by a
    /// single "\n", with no space after "Continuation:" (the model writes the word next).
    public static func instructionText(context: String) -> String {
        "Instruction: Return one plausible next word for the following context.\nContext: \(context)\nContinuation:"
    }

    /// The instruction prompt as token ids: the user turn rendered by the model's chat template
    /// with the assistant header appended (`addGenerationPrompt`), encoded with special tokens
    /// parsed and no extra BOS (the template writes its own when the family uses one).
    public static func instructionPromptTokens(context: String, tokenizer: Tokenizer, template: ChatTemplate) throws -> [Int32] {
        let text = try template.format([.user(instructionText(context: context))], addGenerationPrompt: true)
        return tokenizer.encode(text, addBOS: false, parseSpecial: true)
    }

    /// The tokens of an assistant reply `word` as it follows `instructionPromptTokens`: the word
    /// and the template's end-of-turn marker, up to and including its first control token (e.g.
    /// `word<|im_end|>` for ChatML; the newline after it is not part of the target).
    /// The marker is found by rendering a full user+assistant exchange and taking what follows
    /// the reply, so every template family works without a per-family table.
    public static func responseTokens(word: String, tokenizer: Tokenizer, template: ChatTemplate) throws -> [Int32] {
        let probe = "\u{1}"
        let full = try template.format([.user("x"), .assistant(probe)], addGenerationPrompt: false)
        guard let r = full.range(of: probe) else {
            throw TokenizerError(path: tokenizer.source, "chat template \(template) does not echo the assistant reply")
        }
        let suffix = tokenizer.encode(String(full[r.upperBound...]), addBOS: false, parseSpecial: true)
        guard let end = suffix.firstIndex(where: { tokenizer.tokenType($0) == .control }) else {
            throw TokenizerError(path: tokenizer.source, "chat template \(template) has no end-of-turn control token after the reply")
        }
        return tokenizer.encode(word, addBOS: false) + Array(suffix[...end])
    }

    /// The text a base LM continues a plain context with: the word after a space, unless the
    /// word starts with punctuation (",", ".", "'s" …), which attaches to the previous word.
    /// (Paper B scores "words with a leading space unless they start with punctuation".)
    public static func plainContinuation(word: String) -> String {
        guard let first = word.unicodeScalars.first else { return word }
        return CharacterSet.punctuationCharacters.contains(first) ? word : " " + word
    }
}
