import ArgumentParser
import Foundation
import Models
import Numerics
import Plots
import StageKit
import Tokenizers
import Training

/// `finetune bench`: training throughput of one configuration on synthetic Provo-sized batches.
///
/// Each step is `contexts` trees of a ~40-token context with 10 two- and three-token words (the
/// shape of a Provo L_Var tree). Effective FLOPs count the matmuls only: per token row
/// 2·P_blocks (P_blocks = parameters of the block linears), plus 2·V·C per target row for the
/// LM head, times 3 for full fine-tuning (forward, input gradient, weight gradient) or 2 for LoRA
/// (forward, input gradient; the rank-r adapters are negligible). The sgemm reference is a
/// square 1024³ product in the same process with the same BLAS threads.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Training throughput (tokens/s, GFLOP/s vs sgemm) and peak RSS.")
    @Option(help: "Model file or folder.") var model: String
    @Flag(help: "LoRA (r 8, alpha 16, all seven projections) instead of full fine-tuning.") var lora = false
    @Option(help: "Contexts (trees) per step.") var contexts = 16
    @Option(help: "Timed steps (after one warm-up step).") var steps = 3
    @Flag(help: "Also print the wall time per phase of a step (blocks, LM head, optimiser…).") var phases = false
    @Option(help: "Also write the measurement as a one-row CSV (results/bench/…), with the phases when --phases is on.")
    var output: String?

    func run() throws {
        let tok = try Tokenizer.load(path: model)
        let text = "With schools still closed, cars still buried and streets still blocked, the city remained"
        var ctxTokens = tok.encode(text)
        while ctxTokens.count < 40 { ctxTokens += tok.encode(" and the", addBOS: false) }
        let words = ["the", "a", "quiet", "closed", "under", "snowbound", "in", "frozen", "empty", "paralysed"]
            .map { tok.encode(" " + $0, addBOS: false) }
        // Distinct contexts (each a rotation of the text after its first token), so that, as in a
        // real batch, the trees share no rows beyond the first token.
        let trees = try (0..<contexts).map { i -> TreeBatch in
            let body = Array(ctxTokens.dropFirst())
            let r = i % max(1, body.count)
            return try TreeBatch(context: [ctxTokens[0]] + Array(body[r...] + body[..<r]), words: words,
                                 weights: Array(repeating: 0.1, count: words.count))
        }
        let tree = trees[0]
        let batch = trees.map { TrainingSequence(tree: $0) }

        let m = try loadModel(path: model)
        let weights = try DecoderWeights(model: m, trainable: !lora)
        let trainer = try DecoderTrainer(weights: weights, loraConfig: lora ? try LoRAConfig(seed: 1) : nil)
        let loop = TrainingLoop(trainer: trainer, optimizer: AdamW(), schedule: LinearSchedule(peak: 1e-5, warmupSteps: 0, totalSteps: 1000))
        _ = try loop.step(batch)
        if phases { trainer.phaseTimer = PhaseTimer() }
        let t0 = ProcessInfo.processInfo.systemUptime
        for _ in 0..<steps { _ = try loop.step(batch) }
        let dt = (ProcessInfo.processInfo.systemUptime - t0) / Double(steps)

        let c = trainer.config
        let blockParams = c.nLayers * (c.dModel * (2 * c.qDim + 2 * c.kvDim) + 3 * c.dModel * c.ffnDim)
        let rowsPerStep = Double(tree.T * contexts)
        let headRows = Double(Set(tree.targets.map(\.row)).count * contexts)
        let fwd = 2 * Double(blockParams) * rowsPerStep + 2 * Double(c.vocabSize * c.dModel) * headRows
        let flops = fwd * (lora ? 2 : 3)

        let sgemmGF = sgemmReferenceGFLOPs()
        print("model \(model) (\(c.architecture), \(lora ? "LoRA r 8" : "full fine-tuning")), \(contexts) contexts/step, \(tree.T) tokens/tree")
        print(String(format: "%.2f s/step, %.0f tokens/s, %.1f effective GFLOP/s (sgemm 1024³: %.1f GFLOP/s, %.0f%%), BLAS threads %d",
                     dt, rowsPerStep / dt, flops / dt / 1e9, sgemmGF, 100 * flops / dt / 1e9 / sgemmGF, blasThreads))
        print(String(format: "peak RSS %.0f MB", peakRSSMegabytes()))
        let phaseColumns = trainer.phaseTimer?.perStep(steps: steps) ?? []
        trainer.phaseTimer?.summaryLines(steps: steps, secondsPerStep: dt).forEach { print($0) }
        if let output {
            var t = CSVTable(header: ["model", "mode", "contexts", "tokens_per_tree", "seconds_per_step", "tokens_per_s", "effective_gflops",
                                      "sgemm_gflops", "ratio_to_sgemm", "blas_threads", "peak_rss_mb"]
                             + phaseColumns.map { "phase_" + $0.0.replacingOccurrences(of: " ", with: "_") + "_s" })
            try t.append([(model as NSString).lastPathComponent, lora ? "lora" : "full", String(contexts), String(tree.T),
                          String(format: "%.3f", dt), String(format: "%.1f", rowsPerStep / dt), String(format: "%.1f", flops / dt / 1e9),
                          String(format: "%.1f", sgemmGF), String(format: "%.3f", flops / dt / 1e9 / sgemmGF), String(blasThreads),
                          String(format: "%.0f", peakRSSMegabytes())] + phaseColumns.map { String(format: "%.3f", $0.1) })
            try writeTextFileAtomically(t.render(), to: output)
            print("→ \(output)")
        }
    }
}

/// The reference the training benchmarks are measured against: the best of five square 1024³
/// sgemms in the same process, with the same BLAS threads, in GFLOP/s.
func sgemmReferenceGFLOPs() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = a
    var out = a
    var best = Double.infinity
    for _ in 0..<5 {
        let s = ProcessInfo.processInfo.systemUptime
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { op in
            sgemm(M: n, N: n, K: n, A: ap.baseAddress!, lda: n, B: bp.baseAddress!, ldb: n, C: op.baseAddress!, ldc: n)
        } } }
        best = min(best, ProcessInfo.processInfo.systemUptime - s)
    }
    return 2 * Double(n * n * n) / best / 1e9
}
