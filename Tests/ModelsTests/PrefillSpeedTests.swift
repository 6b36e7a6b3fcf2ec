import XCTest
import Foundation
import ModelIO
import Models
import Numerics

/// Prefill throughput of the default models against this machine's sgemm throughput, measured in
/// the same process. Runs only with DISTLAB_PERF=1 (it takes about a minute and needs the cores
/// to itself); then it asserts Qwen2.5-0.5B prefill at 512 tokens reaches 70% of sgemm GFLOP/s.
final class PrefillSpeedTests: XCTestCase {
    func time(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// GFLOP/s of one sgemm shaped like a transformer linear layer (best of 3).
    func sgemmGFLOPs(M: Int, N: Int, K: Int) -> Double {
        let a = [Float](repeating: 0.5, count: M * K), b = [Float](repeating: 0.25, count: N * K)
        var c = [Float](repeating: 0, count: M * N)
        var best = Double.infinity
        for _ in 0..<3 {
            best = min(best, time { c.withUnsafeMutableBufferPointer { sgemm(transB: true, M: M, N: N, K: K, A: a, lda: K, B: b, ldb: K, C: $0.baseAddress!, ldc: N) } })
        }
        return 2 * Double(M * N * K) / best / 1e9
    }

    /// FLOPs of a prefill of T tokens: the linear layers plus the attention matmuls (full T×T
    /// blocks, as computed) plus one output-head row.
    func prefillFLOPs(_ c: ModelConfig, T: Int) -> Double {
        let C = Double(c.dModel), F = Double(c.ffnDim), q = Double(c.qDim), kv = Double(c.kvDim)
        let ffnMats: Double = c.ffn == .gelu ? 2 : 3
        let perToken = 2 * (C * q + 2 * C * kv + q * C + ffnMats * C * F)
        let attention = 4 * Double(T) * Double(T) * q
        return Double(c.nLayers) * (Double(T) * perToken + attention) + 2 * C * Double(c.vocabSize)
    }

    func testPrefillThroughput() throws {
        guard ProcessInfo.processInfo.environment["DISTLAB_PERF"] == "1" else { throw XCTSkip("set DISTLAB_PERF=1 to measure speed") }
        let dir = ProcessInfo.processInfo.environment["DISTLAB_MODELS_DIR"] ?? "/work/main/models"
        let gemm = sgemmGFLOPs(M: 512, N: 4864, K: 896)
        print(String(format: "SPEED sgemm 512x4864x896: %.1f GFLOP/s (BLAS threads %d)", gemm, blasThreads))
        var qwen512 = 0.0
        for file in ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"] {
            let path = dir + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { print("SPEED skip \(file): absent"); continue }
            let model = try loadModel(path: path)
            for T in [64, 512] {
                let tokens = (0..<T).map { Int32(($0 * 7919) % 1000 + 100) }
                _ = try model.forward(tokens: Array(tokens.prefix(8)), cache: model.makeCache(), logitRows: .last)  // warm-up
                var best = Double.infinity
                for _ in 0..<2 {
                    let cache = model.makeCache(capacity: T)
                    best = min(best, try time { _ = try model.forward(tokens: tokens, cache: cache, logitRows: .last) })
                }
                let gf = prefillFLOPs(model.config, T: T) / best / 1e9
                print(String(format: "SPEED %@ T=%d: %.0f tokens/s, %.1f GFLOP/s (%.0f%% of sgemm)", file, T, Double(T) / best, gf, 100 * gf / gemm))
                if file.hasPrefix("qwen") && T == 512 { qwen512 = gf }
            }
        }
        if qwen512 > 0 { XCTAssertGreaterThanOrEqual(qwen512, 0.7 * gemm, "Qwen2.5 prefill at 512 tokens below 70% of sgemm") }
    }
}
