import ArgumentParser
import Foundation
import Models
import Numerics
import StageKit
#if canImport(Glibc)
import Glibc
#endif

/// `infer bench`: speed and memory of the runtime on the default models, every number next to
/// the sgemm throughput measured in the same process (the machine's ceiling for our matmuls).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark prefill, decode and the prefix cache of each model against this machine's sgemm.",
        discussion: """
        Prints, per model: prefill tokens/s and effective GFLOP/s at prompt lengths 64 and 512 for 1 and \
        16 sequences per call, decode tokens/s for 1 and 40 parallel samples, peak RSS, and the ratio of \
        the prefill GFLOP/s to the sgemm GFLOP/s measured in this run; then the prefix cache's saving on a \
        10-shot prompt with 200 different final inputs. Effective FLOPs count the linear layers, the \
        attention products over the causal triangle, and the output head for the rows computed. \
        Best of --repeats runs each. Results also go to --output as CSV.
        """)

    @Option(help: "Folder with the default models.")
    var modelsDir = "models"
    @Option(parsing: .upToNextOption, help: "Model files (relative to --models-dir) to benchmark.")
    var models = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
    @Option(help: "Repeats per measurement (best is reported).")
    var repeats = 3
    @Option(help: "CSV file for the results.")
    var output = "results/bench/infer.csv"
    @Option(help: "Model file the prefix-cache saving is measured on (200 full prefills without the cache take minutes on larger models); empty to skip.")
    var prefixCacheModel = "SmolLM2-135M-Instruct.Q4_1.gguf"

    func run() throws {
        var rows: [[String]] = []
        let peak = sgemmGFLOPs(M: 512, N: 4864, K: 896, repeats: repeats)
        print(String(format: "sgemm 512x4864x896: %.1f GFLOP/s (OpenBLAS core %@)", peak, openBLASCore()))
        rows.append(["sgemm", "512x4864x896", "", "", String(format: "%.1f", peak), "", ""])
        for file in models {
            let path = modelsDir + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { print("skip \(file): not fetched (make models)"); continue }
            let t0 = now()
            let model = try loadModel(path: path)
            print(String(format: "\n%@ (%@, load %.2f s)", file, model.config.architecture.rawValue, now() - t0))
            for T in [64, 512] {
                for B in [1, 16] {
                    let tokens = syntheticTokens(T, vocab: model.config.vocabSize, seed: UInt64(T + B))
                    let secs = try best(repeats) {
                        let inputs = (0..<B).map { _ in SequenceInput(tokens: tokens, cache: model.makeCache(capacity: T)) }
                        let h = try model.hiddenStates(batch: inputs)
                        _ = try model.logits(hidden: h, rows: (0..<B).map { ($0 + 1) * T - 1 })
                    }
                    let flops = Double(B) * prefillFLOPs(model.config, T: T)
                    let gf = flops / secs / 1e9
                    print(String(format: "  prefill T=%4d batch=%2d: %8.1f tokens/s  %6.1f GFLOP/s  (%3.0f%% of sgemm)",
                                 T, B, Double(B * T) / secs, gf, 100 * gf / peak))
                    rows.append([file, "prefill", "\(T)", "\(B)", String(format: "%.1f", gf), String(format: "%.1f", Double(B * T) / secs),
                                 String(format: "%.3f", gf / peak)])
                }
            }
            for n in [1, 40] {
                let prompt = syntheticTokens(32, vocab: model.config.vocabSize, seed: 5)
                let steps = 8
                let secs = try bestTimed(repeats) {
                    let base = model.makeCache(capacity: 32 + steps)
                    _ = try model.forward(tokens: prompt, cache: base, logitRows: .last)
                    let caches = (0..<n).map { _ in base.fork() }
                    var toks = [Int32](repeating: prompt.last!, count: n)
                    let t = now()
                    for s in 0..<steps {
                        let l = try model.decodeStep(tokens: toks, caches: caches)
                        toks = (0..<n).map { Int32(($0 + s) % 1000) &+ Int32(l.count % 7) }
                    }
                    return now() - t
                }
                print(String(format: "  decode %2d parallel samples: %8.1f tokens/s", n, Double(n * steps) / secs))
                rows.append([file, "decode", "", "\(n)", "", String(format: "%.1f", Double(n * steps) / secs), ""])
            }
            if file == prefixCacheModel { try prefixCacheSaving(model, file: file, rows: &rows) }
            print(String(format: "  peak RSS so far: %.0f MB", peakRSSMegabytes()))
        }
        rows.append(["process", "peak_rss_mb", "", "", "", String(format: "%.0f", peakRSSMegabytes()), ""])
        var csv = "model,measure,tokens,batch,gflops,tokens_per_s,ratio_to_sgemm\n"
        for r in rows { csv += r.joined(separator: ",") + "\n" }
        try writeTextFileAtomically(csv, to: output)
        print("\nwrote \(output)")
    }

    /// 10 demonstrations shared by 200 prompts that differ in the final input: tokens computed and
    /// wall time with the radix-tree prefix cache against a fresh prefill of every prompt.
    func prefixCacheSaving(_ model: LanguageModel, file: String, rows: inout [[String]]) throws {
        let demo = syntheticTokens(10 * 24, vocab: model.config.vocabSize, seed: 11)
        let finals = (0..<200).map { syntheticTokens(12, vocab: model.config.vocabSize, seed: UInt64(1000 + $0)) }
        var t = now()
        var plainTokens = 0
        for f in finals {
            let p = demo + f
            _ = try model.forward(tokens: p, cache: model.makeCache(capacity: p.count), logitRows: .last)
            plainTokens += p.count
        }
        let plain = now() - t
        let cache = PrefixCache(model: model, maxEntries: 4)
        _ = try cache.forward(tokens: demo, logitRows: [demo.count - 1])
        var cachedTokens = demo.count
        t = now()
        for f in finals {
            let p = demo + f
            let (_, matched) = cache.lookup(p, limit: p.count - 1)
            cachedTokens += p.count - matched
            _ = try cache.forward(tokens: p, logitRows: [p.count - 1])
        }
        let cached = now() - t
        print(String(format: "  prefix cache, 10-shot prompt × 200 inputs: %d → %d tokens computed, %.2f s → %.2f s (%.1f× faster)",
                     plainTokens, cachedTokens, plain, cached, plain / cached))
        rows.append([file, "prefix_cache_tokens", "\(plainTokens)", "\(cachedTokens)", "", "", ""])
        rows.append([file, "prefix_cache_seconds", String(format: "%.3f", plain), String(format: "%.3f", cached), "", "",
                     String(format: "%.2f", plain / cached)])
    }
}

/// Effective FLOPs of a prefill of T tokens: linear layers, attention over the causal triangle,
/// and one output-head row.
func prefillFLOPs(_ c: ModelConfig, T: Int) -> Double {
    let C = Double(c.dModel), F = Double(c.ffnDim), q = Double(c.qDim), kv = Double(c.kvDim)
    let ffnMats: Double = c.ffn == .gelu ? 2 : 3
    let perToken = 2 * (C * q + 2 * C * kv + q * C + ffnMats * C * F)
    let attention = 2 * Double(T) * Double(T + 1) * q
    return Double(c.nLayers) * (Double(T) * perToken + attention) + 2 * C * Double(c.vocabSize)
}

func sgemmGFLOPs(M: Int, N: Int, K: Int, repeats: Int) -> Double {
    let a = [Float](repeating: 0.5, count: M * K), b = [Float](repeating: 0.25, count: N * K)
    var c = [Float](repeating: 0, count: M * N)
    let secs = best(repeats) {
        c.withUnsafeMutableBufferPointer { sgemm(transB: true, M: M, N: N, K: K, A: a, lda: K, B: b, ldb: K, C: $0.baseAddress!, ldc: N) }
    }
    return 2 * Double(M * N * K) / secs / 1e9
}

/// Deterministic token ids for synthetic prompts (speed does not depend on which tokens).
func syntheticTokens(_ n: Int, vocab: Int, seed: UInt64) -> [Int32] {
    var s = Sampler(seed: seed)
    return (0..<n).map { _ in Int32(s.next() % UInt64(min(vocab, 30_000))) }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Best wall time of `n` runs of `body`.
func best(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
    var b = Double.infinity
    for _ in 0..<max(1, n) { let t = now(); try body(); b = min(b, now() - t) }
    return b
}

/// Best of `n` runs of a body that times itself.
func bestTimed(_ n: Int, _ body: () throws -> Double) rethrows -> Double {
    var b = Double.infinity
    for _ in 0..<max(1, n) { b = min(b, try body()) }
    return b
}

func peakRSSMegabytes() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}
