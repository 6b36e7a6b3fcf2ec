import ArgumentParser
import Foundation
import StageKit

/// `finetune`: the fine-tuning stage. Paper B: full fine-tuning of the base LM with L_Var over
/// words, LoRA of the instruct LM on the answer-augmented prompt/response pairs (`run`); paper A:
/// the SFT of an instruct model (`run`, task labels) and the supervised BERT baseline (`demux`).
struct FineTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a model (paper B on cloze norms, paper A's SFT and BERT baseline on label data) and export it.",
        subcommands: [Run.self, Demux.self, Bench.self, BenchDemux.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from a config; resumes from <output>/checkpoint if present.",
        discussion: """
        Writes <output>/model/ (loadable with loadModel(path:)), <output>/hf/ (Hugging Face names and
        layouts), <output>/train_log.h5 and <output>/checkpoint/.
        Example: finetune run --config pipeline/finetune/gemma-full-mul.yaml --seed 123
        """)
    @Option(help: "YAML/JSON run config (pipeline/finetune/<name>.yaml).") var config: String
    @Option(help: "Override the config's seed.") var seed: Int?
    @Option(help: "Override the output folder.") var output: String?
    @Option(help: "Override the number of epochs.") var epochs: Int?
    @Option(name: .customLong("limit-contexts"), help: "Only the first N training and validation contexts (quick runs).") var limitContexts: Int?
    @Option(help: "Override the splits artifact.") var splits: String?
    @Option(help: "Override the base model path.") var model: String?
    @Option(name: .customLong("checkpoint-minutes"),
            help: "Also checkpoint once this many minutes have passed since the last checkpoint (0: after every step), besides the config's checkpoint_every steps. Not part of the configuration: a checkpoint at any step resumes to the same weights.")
    var checkpointMinutes: Double?
    @Flag(help: "Print the wall time per phase of a step (blocks, LM head, optimiser…) at the end, over this process's steps.")
    var phases = false

    func validate() throws {
        if let m = checkpointMinutes, !(m >= 0 && m.isFinite) { throw ValidationError("--checkpoint-minutes must be a finite number >= 0") }
    }

    func run() throws {
        let ctx = StageContext(stage: "finetune")
        var cfg = try ctx.loadConfig(FineTuneConfig.self, from: config)
        if let seed { cfg.seed = seed }
        if let output { cfg.output = output }
        if let epochs { cfg.epochs = epochs }
        if let limitContexts { cfg.limitContexts = limitContexts }
        if let splits { cfg.splits = splits }
        if let model { cfg.model = model }
        // "{seed}" in the output path names the run's seed, so --seed alone gives a separate folder.
        cfg.output = cfg.output.replacingOccurrences(of: "{seed}", with: String(cfg.seed))
        try cfg.validate(file: config)
        ctx.seed = cfg.seed
        try runFineTune(cfg, ctx: ctx, checkpointMinutes: checkpointMinutes, phases: phases)
    }
}

runStage(FineTune.self)
