import Foundation
import Artifacts
import StageKit
import Training

/// `pipeline/finetune/<name>.yaml`: one fine-tuning run of paper B (see docs of each key).
struct FineTuneConfig: Codable, Equatable {
    struct LoRASettings: Codable, Equatable {
        var r: Int
        var alpha: Float
        var dropout: Float
        var modules: [String]
    }
    struct OptimizerSettings: Codable, Equatable {
        var lr: Double
        var betas: [Double]
        var eps: Double
        var weightDecay: Double
        enum CodingKeys: String, CodingKey { case lr, betas, eps, weightDecay = "weight_decay" }
    }

    /// `cloze` (default: paper B, a `prepare-splits provo` artifact) or `labels` (paper A's SFT:
    /// a `prepare-splits labels` artifact; prompt = appendix B's instruction and one input, no
    /// demonstrations, reply = the item's majority labels as `{"label": [...]}`; needs prompt
    /// instruction and target maj).
    var task: String?
    /// Base model: GGUF file or Hugging Face directory.
    var model: String
    /// `prepare-splits` artifact of the cloze corpus.
    var splits: String
    /// Output folder: checkpoint/, model/, hf/, train_log.h5 ("{seed}" is replaced by the seed).
    var output: String
    /// `full` (every weight trainable) or `lora`.
    var method: String
    var lora: LoRASettings?
    /// orig | maj | mul.
    var target: ClozeTargetKind
    /// Appendix F ablation: N answers sampled per training context (NumPy-compatible, run seed).
    var answersPerContext: Int?
    /// `plain` (base LM: context → word, L_Var over words) or `instruction` (appendix-A chat
    /// prompt → reply, one example per human answer).
    var prompt: String
    var optimizer: OptimizerSettings
    /// Contexts per step (plain) or expanded examples per step (instruction).
    var batchSize: Int
    /// What each epoch shuffles when the units are expanded examples (instruct LM): `example`
    /// (default; every example on its own, as the paper's HF Trainer) or `context` (contexts are
    /// shuffled and each context's examples stay together, so a batch holds one or two contexts
    /// and each prompt is computed about once per epoch: cost scales with contexts, not answers).
    var shuffle: String?
    var epochs: Int
    var gradClip: Float?
    var warmupSteps: Int?
    /// `linear` decay to 0 after warm-up (HF Trainer default) or `constant`.
    var schedule: String?
    var seed: Int
    /// Checkpoint every this many steps (and always at each epoch end).
    var checkpointEvery: Int?
    /// Quick runs: only the first N training and N validation contexts.
    var limitContexts: Int?
    /// Hugging Face export in <output>/hf/: `f32` (exact), `bf16` (default; half the size) or `none`.
    var hfExport: String?
    /// Keep <output>/checkpoint/ after a completed run (default false: a full-fine-tuning
    /// checkpoint with AdamW moments is 3× the model; the finished model is in model/).
    var keepCheckpoint: Bool?
    /// Test hook: the trainable weights are poisoned with NaN before this (1-based) step.
    var injectNanAtStep: Int?
    /// Test hook: stop with an error after this step, as if the run were killed.
    var stopAfterStep: Int?

    enum CodingKeys: String, CodingKey {
        case task, model, splits, output, method, lora, target, prompt, optimizer, epochs, seed, schedule, shuffle
        case answersPerContext = "answers_per_context", batchSize = "batch_size", gradClip = "grad_clip"
        case warmupSteps = "warmup_steps", checkpointEvery = "checkpoint_every", limitContexts = "limit_contexts"
        case injectNanAtStep = "inject_nan_at_step", stopAfterStep = "stop_after_step"
        case hfExport = "hf_export", keepCheckpoint = "keep_checkpoint"
    }

    func validate(file: String) throws {
        func bad(_ key: String, _ m: String) -> ConfigError { ConfigError(file: file, keyPath: key, m) }
        guard method == "full" || method == "lora" else { throw bad("method", "expected full or lora, got '\(method)'") }
        if let t = task {
            guard t == "cloze" || t == "labels" else { throw bad("task", "expected cloze or labels, got '\(t)'") }
            if t == "labels" {
                guard prompt == "instruction" else { throw bad("prompt", "task labels trains the chat prompt: prompt must be instruction") }
                guard target == .maj else { throw bad("target", "task labels trains on the majority labels: target must be maj") }
                guard answersPerContext == nil else { throw bad("answers_per_context", "does not apply to task labels") }
            }
        }
        if method == "lora" && lora == nil { throw bad("lora", "method lora needs lora: {r, alpha, dropout, modules}") }
        guard prompt == "plain" || prompt == "instruction" else { throw bad("prompt", "expected plain or instruction, got '\(prompt)'") }
        guard batchSize > 0 else { throw bad("batch_size", "must be positive") }
        guard epochs > 0 else { throw bad("epochs", "must be positive") }
        guard optimizer.betas.count == 2 else { throw bad("optimizer.betas", "expected two values") }
        guard optimizer.lr > 0, optimizer.eps > 0, optimizer.weightDecay >= 0 else { throw bad("optimizer", "lr and eps must be positive, weight_decay non-negative") }
        if let n = answersPerContext, n <= 0 { throw bad("answers_per_context", "must be positive") }
        if answersPerContext != nil && target != .mul { throw bad("answers_per_context", "only applies to target mul") }
        if let s = schedule, s != "linear" && s != "constant" { throw bad("schedule", "expected linear or constant") }
        if let s = shuffle, ShuffleUnit(rawValue: s) == nil { throw bad("shuffle", "expected example or context, got '\(s)'") }
        if let c = checkpointEvery, c <= 0 { throw bad("checkpoint_every", "must be positive") }
        if let w = warmupSteps, w < 0 { throw bad("warmup_steps", "must be non-negative") }
        if let l = limitContexts, l <= 0 { throw bad("limit_contexts", "must be positive") }
        if let h = hfExport, !["f32", "bf16", "none"].contains(h) { throw bad("hf_export", "expected f32, bf16 or none, got '\(h)'") }
        guard seed >= 0 && seed <= Int(UInt32.max) else { throw bad("seed", "must be in 0...\(UInt32.max)") }
    }

    /// Hash of everything that determines the trained weights (not the output folder or the
    /// test hooks): a resume refuses a checkpoint written under another hash.
    var trainingHash: String {
        var c = self
        c.output = ""; c.injectNanAtStep = nil; c.stopAfterStep = nil; c.hfExport = nil; c.keepCheckpoint = nil
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let data = (try? enc.encode(c)) ?? Data()
        return SHA256.hexDigest(String(decoding: data, as: UTF8.self))
    }
}
