import ArgumentParser
import Artifacts
import Datasets
import Foundation
import Models
import Numerics
import StageKit
import Tokenizers
import Training

/// `infer sample`: paper B's Monte-Carlo model CPDs over the contexts of one split, resumable by chunks.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample next words for the cloze contexts of a split (paper B's model CPDs) and score the human answers.",
        discussion: """
            For each context: S samples of up to --max-new-tokens tokens (stopping at EOS/end-of-turn), \
            decoded and reduced to one word by paper B's extraction (punctuation removed, first \
            whitespace piece, lower-cased; "" when none). Each human answer gets log q(w|c), the sum of \
            its token log-probabilities after the prompt: for --prompt plain the word with a leading \
            space (none if it starts with punctuation), for chat prompts the reply text itself.

            Prompts: plain = the context (BOS per the model's rule); instruction = appendix A's prompt \
            "Instruction: Return one plausible next word for the following context.\\nContext: <c>\\n\
            Continuation:" as a user message through the model's chat template with the generation \
            prompt; one-shot = appendix A's 1-shot prompt whose example is the train context \
            --example-text-id/--example-word-number (default: Provo text 1 word 6, "There are now \
            rumblings that", the paper's) with its human answers repeated by count, most frequent first.

            Resumable: every --chunk-size contexts go to <output>.chunks/chunk_<first>_<last>.h5; a rerun \
            with the same inputs and settings keeps finished chunks, then assembles <output> and deletes \
            the folder. The seed of each context derives from (--seed, text id, word number), so chunking \
            and resuming give bit-identical results.
            """)

    @Option(help: "Splits artifact of prepare-splits.") var splits: String
    @Option(help: "GGUF file or Hugging Face model directory.") var model: String
    @Option(name: .customLong("model-label"), help: "Model name for tables (default: the file name).") var modelLabel: String?
    @Option(help: "Row label of paper B's table: Base, 1-Shot, FT (Mul. labels), … (default: Base, or 1-Shot for --prompt one-shot).")
    var variant: String?
    @Option(help: "plain | instruction | one-shot") var prompt: String = "plain"
    @Option(help: "Split of the contexts.") var split = "test"
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @Option(help: "Run seed (each context's seed derives from it).") var seed = 42
    @Option(help: "Output samples artifact.") var output: String
    @Option(name: .customLong("chunk-size"), help: "Contexts per resumable chunk.") var chunkSize = 16
    @Option(help: "Only the first N contexts of the split (quick runs, tests).") var limit: Int?
    @Flag(name: .customLong("no-human-scores"), help: "Skip log q of the human answers (stored as NaN).") var noHumanScores = false
    @Option(name: .customLong("example-text-id"), help: "1-shot example: text id of a train context.") var exampleTextID = 1
    @Option(name: .customLong("example-word-number"), help: "1-shot example: its word number.") var exampleWordNumber = 6
    @Flag(name: .customLong("full-continuations"),
          help: "Generate all --max-new-tokens tokens of every sample (slower; same words). By default a sample stops once its first word is complete.")
    var fullContinuations = false
    @Flag(name: .customLong("keep-chunks"), help: "Keep the chunk folder after assembling (debugging, resume tests).") var keepChunks = false

    func validate() throws {
        guard PromptStyle(rawValue: prompt) != nil else { throw ValidationError("--prompt must be plain, instruction or one-shot, not '\(prompt)'") }
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1") }
        if let l = limit, l < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let style = PromptStyle(rawValue: prompt)!
        let ctx = StageContext(stage: "infer", seed: seed)
        try ctx.addInput(splits)
        try ctx.addInputs(try modelFiles(model))
        let data = try ClozeSplits.read(path: splits)
        var contexts = data.contexts(in: split)
        if contexts.isEmpty { throw StageError.input(splits, "no contexts in split '\(split)'") }
        if let l = limit { contexts = Array(contexts.prefix(l)) }
        let example = style == .oneShot
            ? try OneShotExample(splits: data, textID: exampleTextID, wordNumber: exampleWordNumber, path: splits) : nil
        let modelHash = try modelSHA256(model, fileHashes: ctx.inputHashes)
        let label = modelLabel ?? defaultModelLabel(model)
        let rowLabel = variant ?? (style == .oneShot ? "1-Shot" : "Base")

        // Everything that changes a chunk's contents (ChunkSettings); labels and --limit do not.
        var settingsText = try ChunkSettings.head(format: "infer-sample-chunk/3", splits: splits, modelSHA256: modelHash)
        settingsText += "prompt: \(style.rawValue)\nsplit: \(split)\nsamples: \(sampling.samples)\nmax_new_tokens: \(sampling.maxNewTokens)\n"
        settingsText += "top_k: \(sampling.topK)\ntop_p: \(sampling.topP)\ntemperature: \(sampling.temperature)\nseed: \(seed)\nhuman_scores: \(!noHumanScores)\n"
        settingsText += "continuations: \(fullContinuations ? "full" : "until-first-word")\n"
        if let e = example { settingsText += "one_shot_example: [\(e.textID), \(e.wordNumber)]\n" }
        let configHash = SHA256.hexDigest(settingsText + ChunkSettings.blasSetup)
        ctx.setConfigText("command: sample\nmodel: \(model)\nmodel_label: \(label)\nvariant: \(rowLabel)\nlimit: \(limit.map(String.init) ?? "none")\n"
                          + "chunk_size: \(chunkSize)\n" + settingsText)

        var header = SamplesArtifact(modelLabel: label, variant: rowLabel, promptStyle: style.rawValue, split: split,
                                     nSamples: sampling.samples, maxNewTokens: sampling.maxNewTokens, topK: sampling.topK, topP: sampling.topP,
                                     temperature: sampling.temperature, modelPath: model, modelSHA256: modelHash)
        header.notes["seed_rule"] = seedRule
        header.notes["text_nul"] = textNulRule
        // The prompt as written for every context (<CONTEXT> stands for the context); chat styles
        // send it as the user message through the model's chat template with the generation prompt.
        switch style {
        case .plain: header.notes["prompt"] = "<CONTEXT>"
        case .instruction: header.notes["prompt"] = PaperBPrompts.instructionText(context: "<CONTEXT>")
        case .oneShot:
            header.notes["prompt"] = PaperBPrompt.oneShot(example: example!, context: "<CONTEXT>")
            header.notes["one_shot_example"] = "text_id \(example!.textID), word_number \(example!.wordNumber) (train split)"
        }

        // Chunk plan over the (limited) contexts: [first, last] inclusive.
        let chunkDir = output + ".chunks"
        let plan = stride(from: 0, to: contexts.count, by: chunkSize).map { ($0, min($0 + chunkSize, contexts.count) - 1) }
        func chunkPath(_ c: (Int, Int)) -> String { chunkDir + "/chunk_\(c.0)_\(c.1).h5" }
        var chunks = [SamplesArtifact?](repeating: nil, count: plan.count)
        for (j, c) in plan.enumerated() {
            chunks[j] = try existingChunk(chunkPath(c), configHash: configHash, expected: contexts[c.0...c.1])
        }
        let todo = plan.indices.filter { chunks[$0] == nil }
        let reused = plan.count - todo.count
        if reused > 0 { FileHandle.standardError.write(Data("infer sample: reusing \(reused) of \(plan.count) finished chunks in \(chunkDir)\n".utf8)) }

        var sampler: ContextSampler? = nil
        var genSeconds = 0.0, scoreSeconds = 0.0, computed = 0, separate = 0
        let bar = ProgressBar(total: todo.reduce(0) { $0 + plan[$1].1 - plan[$1].0 + 1 }, label: "sample \(label) \(rowLabel)")
        for j in todo {
            if sampler == nil {
                let lm = try loadModel(path: model)
                let tok = try Tokenizer.load(path: model)
                sampler = try ContextSampler(lm: lm, tok: tok, style: style, example: example,
                                             settings: sampling.settings,
                                             samples: sampling.samples, maxNewTokens: sampling.maxNewTokens, scoreHumans: !noHumanScores,
                                             stopAfterWord: !fullContinuations)
            }
            var part = header
            part.notes = [:]
            sampler!.startChunk()
            for c in contexts[plan[j].0...plan[j].1] {
                let r = try sampler!.run(c, seed: contextSeed(seed: seed, textID: c.textID, wordNumber: c.wordNumber))
                part.append(textID: c.textID, wordNumber: c.wordNumber, words: r.words, texts: r.texts, responses: r.responses, logq: r.logq)
                genSeconds += r.generateSeconds; scoreSeconds += r.scoreSeconds; computed += 1; separate += r.separatelyTokenized
                bar.advance(message: String(format: "%.2fs/ctx", (genSeconds + scoreSeconds) / Double(computed)))
            }
            try ctx.writeArtifact(to: chunkPath(plan[j])) { w in
                try part.write(to: w)
                try w.setAttribute("config_hash", .string(configHash))
            }
            chunks[j] = part
        }
        bar.finish()

        var all = header
        for c in chunks { all.append(contentsOf: c!) }
        if all.logq.contains(where: { $0.isNaN }) {
            all.notes["logq_nan_reason"] = noHumanScores ? "not computed (--no-human-scores)" : "empty human answer (nothing to score)"
        }
        try ctx.writeArtifact(to: output) { w in try all.write(to: w) }
        if !keepChunks { try? FileManager.default.removeItem(atPath: chunkDir) }

        let empty = all.words.filter(\.isEmpty).count
        print("\(output): \(all.count) contexts × \(sampling.samples) samples, \(empty) samples without a word"
              + (separate > 0 ? ", \(separate) human answers tokenised apart from the prompt" : ""))
        if computed > 0 {
            print(String(format: "time per context: %.3f s (generate %.3f s, score humans %.3f s) over %d contexts",
                         (genSeconds + scoreSeconds) / Double(computed), genSeconds / Double(computed),
                         scoreSeconds / Double(computed), computed))
        }
    }

    /// A finished chunk if `path` holds one for these settings and contexts; nil when it must be
    /// (re)computed. A chunk from other settings or an unreadable one is reported and recomputed.
    func existingChunk(_ path: String, configHash: String, expected: ArraySlice<ClozeContext>) throws -> SamplesArtifact? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard r.hasAttribute("config_hash"), try r.stringAttribute("config_hash") == configHash else {
                FileHandle.standardError.write(Data("infer sample: \(path) was made with other settings; recomputing it\n".utf8))
                return nil
            }
            let a = try SamplesArtifact.read(from: r)
            guard a.textID == expected.map({ Int32($0.textID) }), a.wordNumber == expected.map({ Int32($0.wordNumber) }) else {
                FileHandle.standardError.write(Data("infer sample: \(path) holds other contexts; recomputing it\n".utf8))
                return nil
            }
            return a
        } catch {
            FileHandle.standardError.write(Data("infer sample: cannot read \(path) (\(error)); recomputing it\n".utf8))
            return nil
        }
    }
}
