import ArgumentParser
import Artifacts
import Foundation
import Methods
import Numerics
import Models
import StageKit
import Tokenizers

/// `infer labels`: paper A §4 — a model classifies each item of a set with the 10-shot prompt,
/// greedily, and the label distribution of every label step is kept.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Greedy multi-label answers with the label distribution at every label step (paper A).",
        discussion: """
            The prompt is appendix B's: an instruction naming the labels, the splits artifact's \
            demonstrations as `Input: "<text>"` / `{"label": ["a", "b"]}` (no label: ["none"]), then \
            the item. --prompt plain writes it as one text (base models); --prompt chat puts the \
            instruction in the system message and each demonstration in a user/assistant turn \
            (instruct models, through the model's chat template). The demonstrations are the same for \
            every item, so their keys and values are computed once (prefix cache).

            At every position where the answer opens a label string (after `["` or `", "`) the logits \
            of each label's first token and of "none"'s are stored: their softmax is the step's label \
            distribution (appendix A.1), the first step gives compare-to-none, all steps give \
            max-over-generations (`evaluate labels`). Also stored: the parsed answer, and the last-layer \
            state of the first label token (linear probes). Decoding is greedy, so --seed only labels \
            the run.

            Resumable: every --chunk-size items go to <output>.chunks/ as they finish; a rerun with \
            the same inputs and settings keeps them (each chunk starts from an empty prefix cache, so \
            the numbers do not depend on where a run stopped).

            Example: infer labels --splits results/artifacts/paperA/mfrc/splits.h5 --set main_test \\
                       --model models/SmolLM2-135M-Instruct.Q4_1.gguf --prompt chat \\
                       --output results/artifacts/paperA/mfrc/labels/smollm2.h5
            """)

    @OptionGroup var task: LabelTaskOptions
    @Option(name: .customLong("max-new-tokens"), help: "Longest answer.") var maxNewTokens = 64
    @Option(help: "Run seed (recorded; greedy decoding draws nothing).") var seed = 42
    @Option(name: .customLong("chunk-size"), help: "Items per resumable chunk.") var chunkSize = 25
    @Option(help: "Answers decoded together (one batched forward pass per token; 1 = one at a time). With --attention they run one at a time.") var batch = 8
    @Flag(help: "Record paper A's Table 6: the attention (mean over layers and heads) the rows that produce the 2nd+ label steps pay to the prompt, the answer and the earlier first label tokens.") var attention = false

    func validate() throws {
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard maxNewTokens >= 4 else { throw ValidationError("--max-new-tokens must be at least 4") }
    }

    func run() throws {
        let ctx = StageContext(stage: "infer", seed: seed)
        let (data, items, n) = try task.openItems(ctx: ctx)
        let ds = data.dataset
        let (set, model, prompt, label) = (task.set, task.model, task.prompt, task.label)
        // A demonstration shows its majority labels; a single-label item its most chosen label.
        let demos = data.demos.map { (text: ds.items[$0].text, labels: data.answerLabels($0)) }
        let builder = LabelPrompt(noun: LabelPrompt.noun(dataset: ds.name), labels: ds.labels, demos: demos, singleLabel: !ds.multiLabel)
        ctx.setConfigText("command: labels\ndataset: \(ds.name)\nset: \(set)\nmodel: \(model)\nmodel_label: \(label)\n"
                          + "prompt: \(prompt)\nshots: \(demos.count)\nmax_new_tokens: \(maxNewTokens)\n"
                          + "limit: \(task.limit.map(String.init) ?? "none")\nseed: \(seed)\ndecoding: greedy\nattention: \(attention)\n")

        let (lm, tok, template) = try task.loadModelAndTemplate()
        let gen = try LabelGenerator(lm: lm, tok: tok, labels: ds.labels, maxNewTokens: maxNewTokens, recordAttention: attention)
        var out = LabelGenerations(candidates: ds.labels + ["none"], candidateTokens: gen.candidateTokens,
                                   hiddenSize: lm.config.dModel,
                                   attributes: try task.attributes(dataset: ds.name, ctx: ctx).merging([
                                                "instruction": builder.instruction,
                                                "shots": String(demos.count), "max_new_tokens": String(maxNewTokens),
                                                "attention": attention ? "recorded" : "not recorded"]) { $1 })
        // Resumable: chunks of items, each computed from an empty prefix cache. What changes a
        // chunk: the inputs, the prompt and decoding settings, the BLAS setup (ChunkSettings).
        let settings = try ChunkSettings.head(format: "infer-labels-chunk/2", splits: task.splits, modelSHA256: out.attributes["model_sha256"]!)
            + "set: \(set)\nprompt: \(prompt)\nmax_new_tokens: \(maxNewTokens)\nattention: \(attention)\nbatch: \(attention ? 1 : batch)\n"
            + ChunkSettings.blasSetup
        let chunks = ItemChunks<LabelGenerations>(command: "labels", output: task.output, count: n, size: chunkSize,
                                                  configHash: SHA256.hexDigest(settings))
        let header = out
        let bar = ProgressBar(total: n, label: "labels \(ds.name) \(label)")
        let start = Date()
        var done = 0
        let parts = try chunks.run(read: { try LabelGenerations.read(path: $0) }, items: { $0.itemIndex },
                                   expected: { Array(items[$0]) }, compute: { range in
            var part = header
            gen.startChunk()
            for group in stride(from: range.lowerBound, through: range.upperBound, by: batch) {
                let ks = Array(group...min(group + batch - 1, range.upperBound))
                let prompts = try ks.map { k -> [Int32] in
                    let text = try template.map { try builder.chat(query: ds.items[items[k]].text, template: $0) }
                        ?? builder.plain(query: ds.items[items[k]].text)
                    return template == nil ? tok.encode(text, addBOS: nil) : tok.encode(text, addBOS: false, parseSpecial: true)
                }
                for (k, r) in zip(ks, try gen.generate(prompts: prompts)) {
                    part.append(item: items[k], text: r.text, parsed: r.parsed, predicted: r.predicted, unknown: r.unknownLabels.count,
                                steps: r.steps.map { ($0.candidateLogits, $0.vocabLogSumExp, $0.generated) }, hidden: r.firstLabelHidden,
                                attention: attention ? r.steps.map(\.attention) : nil)
                    done += 1
                    bar.advance(message: String(format: "%.2fs/item", Date().timeIntervalSince(start) / Double(done)))
                }
            }
            return part
        }, write: { try $0.write(to: $1) }, ctx: ctx)
        bar.finish()
        for p in parts { out.append(contentsOf: p) }
        try ctx.writeArtifact(to: task.output) { w in try out.write(to: w) }
        if !task.keepChunks { chunks.removeChunks() }
        let parsed = out.parsed.filter { $0 }.count
        let withStep = (0..<n).filter { out.stepOffset[$0 + 1] > out.stepOffset[$0] }.count
        print("\(task.output): \(n) items of \(ds.name) \(set), \(parsed) answers parsed, \(withStep) with a label step, "
              + "\(out.stepGenerated.count) label steps, "
              + (done > 0 ? String(format: "%.2f s per item computed", Date().timeIntervalSince(start) / Double(done)) : "all chunks reused"))
    }
}
