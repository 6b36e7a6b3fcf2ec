import Foundation

/// Paper B's experiment file (`pipeline/paperB.yaml`): which models play the paper's two columns,
/// the seeds, the sampling settings, which fine-tuning configs make each table row, the ablation
/// and the QA check. It is the one place these are set: `prepare-splits experiment` turns it into
/// the Make variables that drive the stages, and `report` reads the model roles from it.
/// Training hyper-parameters live in the fine-tuning configs it names (`pipeline/finetune/`).
public struct PaperBExperiment: Codable, Equatable, Sendable {
    public var paper: String
    public var seeds: [Int]
    public var models: Models
    public var sampling: Sampling
    public var ablation: Ablation
    public var qa: QA

    public struct Models: Codable, Equatable, Sendable {
        /// The pretrained LM, fully fine-tuned (paper: GPT-2).
        public var base: Model
        /// The instruct LM, LoRA (paper: Mistral-7B-IT).
        public var instruct: Model
    }

    public struct Model: Codable, Equatable, Sendable {
        /// Folder name of this model's artifacts (`samples/<key>/…`, `eval/tvd/<key>/…`).
        public var key: String
        /// GGUF file or Hugging Face folder.
        public var file: String
        /// Model name in tables and figures (the column label of the evaluate artifacts).
        public var label: String
        /// The paper's model this one stands in for.
        public var paperColumn: String
        /// `infer sample --prompt`: plain (the context is the prompt) or instruction (appendix A).
        public var prompt: String
        /// Also sample with the appendix A 1-shot prompt (instruct models).
        public var oneShot: Bool
        /// `infer qa --prompt` of the question format (fig. 11): plain or qa-instruction (appendix G). The
        /// next-word format (Table 3) follows `prompt`: cloze or cloze-instruction (the Makefile's qa_cloze).
        public var qaPrompt: String
        /// Fine-tuning config names (pipeline/finetune/<name>.yaml) of the three table rows.
        public var finetune: FineTuneRows

        enum CodingKeys: String, CodingKey {
            case key, file, label, prompt, finetune
            case paperColumn = "paper_column", oneShot = "one_shot", qaPrompt = "qa_prompt"
        }
    }

    public struct FineTuneRows: Codable, Equatable, Sendable {
        public var orig: String
        public var maj: String
        public var mul: String
    }

    public struct Sampling: Codable, Equatable, Sendable {
        public var samples: Int
        public var maxNewTokens: Int
        public var topK: Int
        public var topP: Double
        public var temperature: Double
        enum CodingKeys: String, CodingKey {
            case samples, temperature
            case maxNewTokens = "max_new_tokens", topK = "top_k", topP = "top_p"
        }
    }

    public struct Ablation: Codable, Equatable, Sendable {
        /// Human answers sampled per training context (appendix F).
        public var answers: [Int]
        public var seed: Int
        /// Fine-tuning config per N, with `{n}` standing for N.
        public var config: String
    }

    public struct QA: Codable, Equatable, Sendable {
        /// WebQuestions test questions with a one-word answer, drawn with `seed`.
        public var questions: Int
        public var seed: Int
    }

    /// Loads and checks the file; errors name the file and the key.
    public static func load(_ path: String) throws -> LoadedConfig<PaperBExperiment> {
        let loaded = try loadConfig(PaperBExperiment.self, from: path)
        try loaded.value.validate(file: path)
        return loaded
    }

    public func validate(file: String) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, keyPath: key, message) }
        guard paper == "B" else { throw fail("paper", "expected B, found '\(paper)'") }
        guard !seeds.isEmpty else { throw fail("seeds", "at least one seed is needed") }
        guard Set(seeds).count == seeds.count else { throw fail("seeds", "seeds repeat: \(seeds)") }
        for (role, m) in [("base", models.base), ("instruct", models.instruct)] {
            let at = "models.\(role)"
            guard m.key.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) != nil else {
                throw fail("\(at).key", "'\(m.key)' must be a plain folder name (letters, digits, _ . -)")
            }
            guard !m.label.isEmpty, !m.label.contains("\"") else { throw fail("\(at).label", "must be non-empty, without quotes") }
            guard ["plain", "instruction"].contains(m.prompt) else {
                throw fail("\(at).prompt", "expected plain or instruction, found '\(m.prompt)'")
            }
            guard ["plain", "qa-instruction"].contains(m.qaPrompt) else {
                throw fail("\(at).qa_prompt", "expected plain or qa-instruction, found '\(m.qaPrompt)'")
            }
            if m.oneShot && m.prompt != "instruction" {
                throw fail("\(at).one_shot", "the 1-shot prompt is a chat prompt; it needs prompt: instruction")
            }
            for (row, name) in [("orig", m.finetune.orig), ("maj", m.finetune.maj), ("mul", m.finetune.mul)] {
                guard name.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) != nil else {
                    throw fail("\(at).finetune.\(row)", "'\(name)' must be a config name under pipeline/finetune/")
                }
            }
        }
        guard models.base.key != models.instruct.key else { throw fail("models.instruct.key", "the two models need different keys") }
        guard sampling.samples >= 1 else { throw fail("sampling.samples", "must be at least 1") }
        guard sampling.maxNewTokens >= 1 else { throw fail("sampling.max_new_tokens", "must be at least 1") }
        guard sampling.topK >= 0 else { throw fail("sampling.top_k", "must be ≥ 0 (0 = off)") }
        guard sampling.topP > 0 && sampling.topP <= 1 else { throw fail("sampling.top_p", "must be in (0, 1]") }
        guard sampling.temperature >= 0 else { throw fail("sampling.temperature", "must be ≥ 0") }
        guard !ablation.answers.isEmpty, ablation.answers.allSatisfy({ $0 >= 1 }) else {
            throw fail("ablation.answers", "a non-empty list of counts ≥ 1")
        }
        guard ablation.config.contains("{n}") else { throw fail("ablation.config", "must contain {n} (the answer count)") }
        guard qa.questions >= 1 else { throw fail("qa.questions", "must be at least 1") }
    }

    /// The Make variables the paper B part of the Makefile runs on (one `NAME = value` per line;
    /// recursive, so `B_ABL_CONFIG` keeps its `$(1)` for `$(call …)`).
    public func makeVariables(source: String) -> String {
        let s = sampling
        let lines: [(String, String)] = [
            ("B_SEEDS", seeds.map(String.init).joined(separator: " ")),
            ("B_BASE_KEY", models.base.key), ("B_BASE_FILE", models.base.file), ("B_BASE_LABEL", models.base.label),
            ("B_BASE_PROMPT", models.base.prompt), ("B_BASE_QA_PROMPT", models.base.qaPrompt),
            ("B_INSTR_KEY", models.instruct.key), ("B_INSTR_FILE", models.instruct.file), ("B_INSTR_LABEL", models.instruct.label),
            ("B_INSTR_PROMPT", models.instruct.prompt), ("B_INSTR_QA_PROMPT", models.instruct.qaPrompt),
            ("B_INSTR_ONE_SHOT", models.instruct.oneShot ? "yes" : ""),
            ("B_BASE_FT_ORIG", models.base.finetune.orig), ("B_BASE_FT_MAJ", models.base.finetune.maj),
            ("B_BASE_FT_MUL", models.base.finetune.mul),
            ("B_INSTR_FT_ORIG", models.instruct.finetune.orig), ("B_INSTR_FT_MAJ", models.instruct.finetune.maj),
            ("B_INSTR_FT_MUL", models.instruct.finetune.mul),
            ("B_SAMPLING", "--samples \(s.samples) --max-new-tokens \(s.maxNewTokens) --top-k \(s.topK) --top-p \(s.topP) --temperature \(s.temperature)"),
            ("FT_ABL", ablation.answers.map(String.init).joined(separator: " ")),
            ("B_ABL_SEED", String(ablation.seed)), ("B_ABL_CONFIG", ablation.config.replacingOccurrences(of: "{n}", with: "$(1)")),
            ("QA_QUESTIONS", String(qa.questions)), ("QA_SEED", String(qa.seed)),
        ]
        var out = "# Generated from \(source) by `prepare-splits experiment`; edit that file, not this one.\n"
        for (k, v) in lines { out += "\(k) = \(v)\n" }
        return out
    }
}
