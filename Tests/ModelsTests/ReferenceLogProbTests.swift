import TestSupport
import XCTest
import Foundation
import ModelIO
import Models
import Numerics

/// The done criterion: next-token log-probabilities of the three default models against the
/// shared reference files (float32 engines on the dequantised weights).
final class ReferenceLogProbTests: XCTestCase {
    static let referenceDir = TestPaths.reference + "/logprobs"

    struct Case: Decodable {
        let text: String
        let token_ids: [Int32]
        let next_token_logprob: [Double]
        let top10: [[[Double]]]
    }
    struct Reference: Decodable { let model_file: String; let cases: [Case] }

    /// Runs every case of one reference file; returns (max, mean) |diff|.
    func check(reference: String, tolerance: Double = 2e-3) throws {
        let refPath = Self.referenceDir + "/" + reference
        guard let data = FileManager.default.contents(atPath: refPath) else { throw XCTSkip("no reference file \(refPath)") }
        let ref = try JSONDecoder().decode(Reference.self, from: data)
        let modelPath = TestPaths.models + "/" + ref.model_file
        guard FileManager.default.fileExists(atPath: modelPath) else { throw XCTSkip("model \(modelPath) absent") }
        let t0 = Date()
        let model = try loadModel(path: modelPath)
        let loadSeconds = Date().timeIntervalSince(t0)
        var maxDiff = 0.0, sumDiff = 0.0, n = 0
        for (ci, c) in ref.cases.enumerated() {
            let T = c.token_ids.count
            XCTAssertEqual(c.next_token_logprob.count, T - 1)
            // All logits, to compare log-probs and the top-1 token at every position.
            var logits = try model.forward(tokens: c.token_ids, cache: model.makeCache(), logitRows: .all)
            let V = model.vocabSize
            logits.withUnsafeMutableBufferPointer { logSoftmaxForward(out: $0.baseAddress!, inp: $0.baseAddress!, rows: T, cols: V) }
            for t in 0..<(T - 1) {
                let row = logits[(t * V)..<((t + 1) * V)]
                let lp = Double(row[row.startIndex + Int(c.token_ids[t + 1])])
                let d = abs(lp - c.next_token_logprob[t])
                maxDiff = max(maxDiff, d); sumDiff += d; n += 1
                XCTAssertLessThanOrEqual(d, tolerance, "\(reference) case \(ci) position \(t): \(lp) vs \(c.next_token_logprob[t])")
                let top1 = row.indices.max(by: { row[$0] < row[$1] })! - row.startIndex
                XCTAssertEqual(top1, Int(c.top10[t][0][0]), "\(reference) case \(ci) position \(t): top-1")
            }
            // The chunked log-prob API gives the same numbers, and incremental decoding through the
            // KV cache (prefix, then one token at a time) agrees with the batched prefill.
            let viaAPI = try model.logProbs(tokens: c.token_ids)
            for t in 0..<(T - 1) {
                XCTAssertEqual(Double(viaAPI[t]), Double(logits[t * V + Int(c.token_ids[t + 1])]), accuracy: 1e-4)
            }
            if ci == 0 {
                let cache = model.makeCache()
                let split = T / 2
                _ = try model.forward(tokens: Array(c.token_ids[..<split]), cache: cache, logitRows: .none)
                for t in split..<(T - 1) {
                    let lp = try model.nextTokenLogProbs(tokens: [c.token_ids[t]], cache: cache)
                    XCTAssertEqual(Double(lp[Int(c.token_ids[t + 1])]), c.next_token_logprob[t], accuracy: tolerance, "decode position \(t)")
                }
            }
        }
        print("REFERENCE \(reference): \(n) positions, max |diff| \(String(format: "%.2e", maxDiff)) nats, mean |diff| \(String(format: "%.2e", sumDiff / Double(n))) (load \(String(format: "%.1f", loadSeconds)) s)")
    }

    func testSmolLM2() throws { try check(reference: "smollm2-135m-instruct.json") }
    func testQwen25() throws { try check(reference: "qwen2.5-coder-0.5b-instruct.json") }
    func testGemma3() throws { try check(reference: "gemma3-270m.json") }
}

/// Hyperparameters decoded from the default GGUF files (metadata only, no weights loaded).
final class DefaultModelConfigTests: XCTestCase {
    func config(_ file: String) throws -> ModelConfig {
        let path = TestPaths.models + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("model \(path) absent") }
        return try ModelConfig(gguf: GGUFFile(path: path))
    }

    func testSmolLM2() throws {
        let c = try config("SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(c.architecture, .llama)
        XCTAssertEqual([c.vocabSize, c.dModel, c.nLayers, c.nHeads, c.nKVHeads, c.headDim, c.ffnDim], [49152, 576, 30, 9, 3, 64, 1536])
        XCTAssertEqual(c.ropeLayout, .interleaved)
        XCTAssertEqual(c.layerRopeBase[0], 100000)
        XCTAssertTrue(c.tiedEmbeddings)
    }

    func testQwen25() throws {
        let c = try config("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
        XCTAssertEqual(c.architecture, .qwen2)
        XCTAssertEqual([c.vocabSize, c.dModel, c.nLayers, c.nHeads, c.nKVHeads, c.headDim, c.ffnDim], [151936, 896, 24, 14, 2, 64, 4864])
        XCTAssertEqual(c.ropeLayout, .neox)
        XCTAssertFalse(c.tiedEmbeddings)
    }

    func testGemma3() throws {
        let c = try config("gemma-3-270m-q4_k_m.gguf")
        XCTAssertEqual(c.architecture, .gemma3)
        XCTAssertEqual([c.vocabSize, c.dModel, c.nLayers, c.nHeads, c.nKVHeads, c.headDim, c.ffnDim], [262144, 640, 18, 4, 1, 256, 2048])
        XCTAssertEqual(c.layerWindow.enumerated().filter { $0.element == 0 }.map(\.offset), [5, 11, 17])
        XCTAssertEqual(c.layerRopeBase[5], 1_000_000)
        XCTAssertEqual(c.layerRopeBase[4], 10_000)
        XCTAssertEqual(c.layerWindow[0], 512)
        XCTAssertEqual(c.queryScale, 1.0 / 16)
        XCTAssertEqual(c.embeddingScale, Float(640).squareRoot())
        XCTAssertTrue(c.tiedEmbeddings)
    }
}
