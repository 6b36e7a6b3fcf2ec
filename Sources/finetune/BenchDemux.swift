import ArgumentParser
import Foundation
import Numerics
import Plots
import StageKit
import Tokenizers
import Training

/// `finetune bench-demux`: paper A's supervised BERT baseline, one training step (forward, loss,
/// backward, AdamW) on synthetic sequences of the shape of a real batch, against same-run sgemm.
/// Effective FLOPs count the encoder's linear layers only: 2·P_layers per token row, times 3 for
/// full fine-tuning (forward, input gradient, weight gradient); attention and the head are extra.
struct BenchDemux: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-demux",
                                                    abstract: "Demux (BERT) training throughput (s/step, GFLOP/s vs sgemm) and peak RSS.")
    @Option(help: "Hugging Face BERT folder.") var model: String
    @Option(help: "Sequences per step.") var batch = 16
    @Option(help: "Tokens per sequence, specials and the label prompt included.") var tokens = 64
    @Option(help: "Timed steps (after one warm-up step).") var steps = 3
    @Option(help: "Also write the measurement as a one-row CSV (results/bench/…).") var output: String?

    func run() throws {
        let tok = try Tokenizer.load(path: model)
        let encoder = try BertEncoder(directory: model)
        encoder.hiddenDropout = 0.1
        let labels = ["care", "proportionality", "equality", "purity", "authority", "loyalty"]
        let input = try DemuxInput(labels: labels, tokenizer: tok, maxLength: tokens)
        let text = String(repeating: "the city remained quiet under the snow while the schools stayed closed ", count: 8)
        let e = input.encode(text, tokenizer: tok)
        let examples = (0..<batch).map { _ in DemuxExample(tokens: e.tokens, types: e.types) }
        let clf = try DemuxClassifier(encoder: encoder, head: try DemuxHead(hidden: encoder.config.hiddenSize, dropout: 0.1, seed: 1),
                                      input: input, multiLabel: true)
        let targets = (0..<batch).map { i in labels.indices.map { Double(($0 + i) % 3 == 0 ? 1 : 0) } }
        let optimizer = AdamW(weightDecay: 0.01)
        func step(_ t: Int) throws {
            zeroGrads(clf.parameters)
            let z = try clf.logits(examples, training: true, dropoutSeed: UInt64(t))
            try clf.backward(dLogits: try clf.loss(logits: z, targets: targets, intraCoefficient: 0.2).dLogits)
            try optimizer.step(clf.parameters, lr: 5e-5, gradScale: clipCoefficient(norm: globalGradNorm(clf.parameters), maxNorm: 1))
        }
        try step(0)
        let t0 = ProcessInfo.processInfo.systemUptime
        for t in 1...steps { try step(t) }
        let dt = (ProcessInfo.processInfo.systemUptime - t0) / Double(steps)
        let c = encoder.config
        let layerParams = c.layers * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.intermediateSize)
        let rows = Double(batch * e.tokens.count)
        let gflops = 3 * 2 * Double(layerParams) * rows / dt / 1e9
        let sgemmGF = sgemmReferenceGFLOPs()
        print("model \(model) (BERT, \(c.layers) layers, \(c.hiddenSize) wide), \(batch) sequences × \(e.tokens.count) tokens per step")
        print(String(format: "%.3f s/step, %.0f tokens/s, %.1f effective GFLOP/s (sgemm 1024³: %.1f GFLOP/s, %.0f%%), BLAS threads %d, peak RSS %.0f MB",
                     dt, rows / dt, gflops, sgemmGF, 100 * gflops / sgemmGF, blasThreads, peakRSSMegabytes()))
        if let output {
            var t = CSVTable(header: ["model", "sequences", "tokens", "seconds_per_step", "tokens_per_s", "effective_gflops", "sgemm_gflops",
                                      "ratio_to_sgemm", "blas_threads", "peak_rss_mb"])
            try t.append([(model as NSString).lastPathComponent, String(batch), String(e.tokens.count), String(format: "%.3f", dt),
                          String(format: "%.1f", rows / dt), String(format: "%.1f", gflops), String(format: "%.1f", sgemmGF),
                          String(format: "%.3f", gflops / sgemmGF), String(blasThreads), String(format: "%.0f", peakRSSMegabytes())])
            try writeTextFileAtomically(t.render(), to: output)
            print("→ \(output)")
        }
    }
}
