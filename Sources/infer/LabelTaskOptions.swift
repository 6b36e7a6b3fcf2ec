import ArgumentParser
import Foundation
import Models
import StageKit
import Tokenizers

/// What `infer labels` and `infer breakdown` share: which items of which paper A splits, which
/// model, how it is prompted, and where the resumable output goes.
struct LabelTaskOptions: ParsableArguments {
    @Option(help: "Splits artifact of `prepare-splits labels`.") var splits: String
    @Option(help: "main_test | multilabel_test | train | probe_train") var set = "main_test"
    @Option(help: "GGUF file or Hugging Face model directory.") var model: String
    @Option(name: .customLong("model-label"), help: "Model name for tables (default: the file name).") var modelLabel: String?
    @Option(help: "plain (base models) | chat (instruct models)") var prompt = "plain"
    @Option(help: "Only the first N items of the set (quick runs, tests).") var limit: Int?
    @Flag(name: .customLong("keep-chunks"), help: "Keep the chunk folder after assembling (debugging, resume tests).") var keepChunks = false
    @Option(help: "Output HDF5 artifact.") var output: String

    func validate() throws {
        guard ["plain", "chat"].contains(prompt) else { throw ValidationError("--prompt must be plain or chat, not '\(prompt)'") }
        guard ["main_test", "multilabel_test", "train", "probe_train"].contains(set) else {
            throw ValidationError("--set must be main_test, multilabel_test, train or probe_train, not '\(set)'")
        }
        if let l = limit, l < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// The model's name in tables: --model-label, else the file name without its extension.
    var label: String { modelLabel ?? defaultModelLabel(model) }

    /// Records the splits and model files as inputs, reads the splits, and returns the set's items
    /// and how many of them to run (all, or the first --limit).
    func openItems(ctx: StageContext) throws -> (data: LabelTaskSplits, items: [Int], n: Int) {
        try ctx.addInput(splits)
        try ctx.addInputs(try modelFiles(model))
        let data = try LabelTaskSplits.read(path: splits)
        let items = try data.indices(of: set)
        if items.isEmpty { throw StageError.input(splits, "set \(set) is empty") }
        return (data, items, min(limit ?? items.count, items.count))
    }

    /// The model, its tokenizer, and with --prompt chat its chat template.
    func loadModelAndTemplate() throws -> (lm: Transformer, tok: Tokenizer, template: ChatTemplate?) {
        let lm = try loadModel(path: model)
        let tok = try Tokenizer.load(path: model)
        let template = prompt == "chat" ? try ChatTemplate.detect(for: tok, architecture: lm.config.architecture.rawValue) : nil
        return (lm, tok, template)
    }

    /// The artifact attributes both commands write: dataset, set, model and prompt style.
    func attributes(dataset: String, ctx: StageContext) throws -> [String: String] {
        ["dataset": dataset, "set": set, "model_label": label, "model_path": model,
         "model_sha256": try modelSHA256(model, fileHashes: ctx.inputHashes), "prompt_style": prompt]
    }
}
