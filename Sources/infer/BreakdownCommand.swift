import ArgumentParser
import Artifacts
import Foundation
import Methods
import Numerics
import Models
import StageKit
import Tokenizers

/// `infer breakdown`: paper A's unary and binary breakdowns — the multi-label question asked one
/// label (unary) or one pair of labels (binary) at a time, keeping the two answers' logits.
struct BreakdownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakdown",
        abstract: "Unary (per label) or binary (per label pair) prompts of paper A; the answers' logits.",
        discussion: """
            Unary: per item and label, appendix B's "Is the label reasonable:" prompt; the logits of \
            "reasonable" and "unreasonable" (their softmax is the label's probability). Binary: per item \
            and pair i < j of the labels and "none" (single-label tasks: the labels only), "a. <i> b. <j> Correct Label:"; the logits of "a" \
            and "b" (their softmax is P(i preferred to j), the Bradley–Terry input). L and L(L+1)/2 prompts \
            per item. Demonstrations: the splits artifact's, each shown with one label or pair drawn with \
            --seed (BreakdownPrompt.demos), half answered with each answer. --prompt plain (base models, \
            the answer follows a space) or chat (instruct models, through the chat template). The \
            instruction, demonstrations and item text are shared by consecutive prompts and computed \
            once (prefix cache). `evaluate labels --unary/--binary` turns the logits into distributions. \
            Resumable in chunks of --chunk-size items, as `infer labels`.

            Example: infer breakdown --kind binary --splits results/artifacts/paperA/mfrc/splits.h5 \\
                       --model models/SmolLM2-135M-Instruct.Q4_1.gguf --prompt chat \\
                       --output results/artifacts/paperA/mfrc/binary/smollm2.h5
            """)

    @Option(help: "unary | binary") var kind: String
    @OptionGroup var task: LabelTaskOptions
    @Option(help: "Seed of the demonstrations' labels and pairs.") var seed = 42
    @Option(name: .customLong("chunk-size"), help: "Items per resumable chunk.") var chunkSize = 10
    @Flag(name: .customLong("one-at-a-time"), help: "Score an item's prompts one by one instead of as one batch (measures the batching).") var oneAtATime = false
    /// An item's prompts go through the model together unless --one-at-a-time (kept to measure the gain).
    var batched: Bool { !oneAtATime }

    func validate() throws {
        guard BreakdownKind(rawValue: kind) != nil else { throw ValidationError("--kind must be unary or binary, not '\(kind)'") }
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1") }
        guard seed >= 0 && seed <= Int(UInt32.max) else { throw ValidationError("--seed must be in 0...\(UInt32.max)") }
    }

    func run() throws {
        let kind = BreakdownKind(rawValue: self.kind)!
        let ctx = StageContext(stage: "infer", seed: seed)
        let (data, items, n) = try task.openItems(ctx: ctx)
        let ds = data.dataset
        let (set, model, prompt, label) = (task.set, task.model, task.prompt, task.label)
        let gold = data.demos.map(data.answerLabels)
        let demos = try BreakdownPrompt.demos(kind: kind, texts: data.demos.map { ds.items[$0].text }, gold: gold,
                                              labels: ds.labels, seed: UInt32(seed))
        let builder = BreakdownPrompt(kind: kind, demos: demos)
        ctx.setConfigText("command: breakdown\nkind: \(kind.rawValue)\ndataset: \(ds.name)\nset: \(set)\nmodel: \(model)\n"
                          + "model_label: \(label)\nprompt: \(prompt)\nshots: \(demos.count)\nlimit: \(task.limit.map(String.init) ?? "none")\nseed: \(seed)\n")

        let (lm, tok, template) = try task.loadModelAndTemplate()
        let scorer = try ChoiceScorer(lm: lm, tok: tok, answers: kind.answers.map { template == nil ? " " + $0 : $0 })
        let candidates = ds.labels + ["none"]
        // Binary: every pair of labels and, for multi-label tasks, "none" (single-label tasks have no
        // "none": the Bradley–Terry scores' softmax is the distribution).
        let players = ds.multiLabel ? candidates.count : ds.labels.count
        let pairs: [(Int, Int)] = kind == .unary ? ds.labels.indices.map { ($0, -1) }
            : (0..<players).flatMap { i in ((i + 1)..<players).map { (i, $0) } }
        var out = BreakdownScores(candidates: candidates, answers: kind.answers,
                                  attributes: try task.attributes(dataset: ds.name, ctx: ctx).merging([
                                               "kind": kind.rawValue, "shots": String(demos.count), "instruction": kind.instruction]) { $1 })
        let settings = try ChunkSettings.head(format: "infer-breakdown-chunk/2", splits: task.splits, modelSHA256: out.attributes["model_sha256"]!)
            + "kind: \(kind.rawValue)\nset: \(set)\nprompt: \(prompt)\nseed: \(seed)\nbatched: \(batched)\n"
            + ChunkSettings.blasSetup
        let chunks = ItemChunks<BreakdownScores>(command: "breakdown", output: task.output, count: n, size: chunkSize,
                                                 configHash: SHA256.hexDigest(settings))
        let header = out
        let bar = ProgressBar(total: n, label: "\(kind.rawValue) \(ds.name) \(label)")
        let start = Date()
        var done = 0
        let parts = try chunks.run(read: { try BreakdownScores.read(path: $0) }, items: { Array(Set($0.itemIndex)).sorted() },
                                   expected: { Array(Set(items[$0])).sorted() }, compute: { range in
          var out = header
          scorer.startChunk()
          for k in range {
            let item = items[k]
            // All of an item's prompts in one batch: they share the instruction, demonstrations and text.
            let prompts = try pairs.map { (i, j) -> [Int32] in
                let second = j >= 0 ? candidates[j] : nil
                let text = try template.map { try builder.chat(text: ds.items[item].text, first: candidates[i], second: second, template: $0) }
                    ?? builder.plain(text: ds.items[item].text, first: candidates[i], second: second)
                return template == nil ? tok.encode(text, addBOS: nil) : tok.encode(text, addBOS: false, parseSpecial: true)
            }
            let scores = batched ? try scorer.score(prompts: prompts) : try prompts.map { try scorer.score(prompt: $0) }
            for ((i, j), s) in zip(pairs, scores) {
                out.append(item: item, first: i, second: j, logits: s.logits, logSumExp: s.logSumExp)
            }
            done += 1
            bar.advance(message: String(format: "%.2fs/item", Date().timeIntervalSince(start) / Double(done)))
          }
          return out
        }, write: { try $0.write(to: $1) }, ctx: ctx)
        bar.finish()
        for p in parts { out.append(contentsOf: p) }
        try ctx.writeArtifact(to: task.output) { w in try out.write(to: w) }
        if !task.keepChunks { chunks.removeChunks() }
        print("\(task.output): \(n) items of \(ds.name) \(set) × \(pairs.count) \(kind.rawValue) prompts, "
              + (done > 0 ? String(format: "%.2f s per item computed", Date().timeIntervalSince(start) / Double(done)) : "all chunks reused"))
    }
}
