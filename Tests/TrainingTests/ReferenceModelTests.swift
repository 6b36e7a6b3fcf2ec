import Foundation
import XCTest
import ModelIO
import Training

/// The training forward on the real default models against the shared reference next-token
/// log-probabilities (float32, dequantised weights). Skipped when the model files are absent
/// (set DISTLAB_MODELS_DIR; the reference dir defaults to /work/shared/reference or DISTLAB_REFERENCE_DIR).
final class ReferenceModelTests: XCTestCase {
    private func path(_ env: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[env] ?? fallback
    }

    private func load(_ model: String) throws -> (GGUFFile, DecoderConfig) {
        let modelPath = path("DISTLAB_MODELS_DIR", URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models").path) + "/" + model
        guard FileManager.default.fileExists(atPath: modelPath) else { throw XCTSkip("\(modelPath) not present") }
        let gguf = try GGUFFile(path: modelPath)
        return (gguf, try DecoderConfig(gguf: gguf))
    }

    private func check(model: String, reference: String, maxCases: Int) throws {
        let modelPath = path("DISTLAB_MODELS_DIR", URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models").path) + "/" + model
        let refPath = path("DISTLAB_REFERENCE_DIR", "/work/shared/reference") + "/logprobs/" + reference
        guard FileManager.default.fileExists(atPath: modelPath), FileManager.default.fileExists(atPath: refPath) else {
            throw XCTSkip("\(modelPath) or \(refPath) not present")
        }
        let gguf = try GGUFFile(path: modelPath)
        let config = try DecoderConfig(gguf: gguf)
        let trainer = try DecoderTrainer(weights: try DecoderWeights(config: config, source: gguf, trainable: false))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: refPath))) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        var worst = 0.0, n = 0
        for c in cases.prefix(maxCases) {
            let ids = (c["token_ids"] as! [Int]).map { Int32($0) }
            let want = c["next_token_logprob"] as! [Double]
            let T = ids.count
            let targets = TokenTarget.nextToken(ids, rows: 0..<(T - 1))
            let got = try trainer.run(tokens: ids, positions: (0..<T).map { Int32($0) }, mask: .causal(T: T),
                                      targets: targets, backward: false)
            for (g, w) in zip(got, want) { worst = max(worst, abs(g - w)); n += 1 }
        }
        print("\(model): \(n) next-token log-probs, max |Δ| = \(worst) nats")
        XCTAssertGreaterThan(n, 20)
        XCTAssertLessThan(worst, 1e-4, "\(model): training forward disagrees with the reference")
    }

    func testSmolLM2ForwardMatchesReference() throws {
        try check(model: "SmolLM2-135M-Instruct.Q4_1.gguf", reference: "smollm2-135m-instruct.json", maxCases: 3)
    }

    func testQwen2ForwardMatchesReference() throws {
        try check(model: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", reference: "qwen2.5-coder-0.5b-instruct.json", maxCases: 2)
    }

    func testGemma3ForwardMatchesReference() throws {
        try check(model: "gemma-3-270m-q4_k_m.gguf", reference: "gemma3-270m.json", maxCases: 3)
    }

    /// A few LoRA steps (paper B's r 8, α 16, dropout 0.05, all 7 projections) on one L_Var
    /// tree batch of the real SmolLM2: the loss on that batch falls. Prints the step time.
    func testLoRAStepsOnSmolLM2ReduceTreeLoss() throws {
        let (gguf, config) = try load("SmolLM2-135M-Instruct.Q4_1.gguf")
        let tr = try DecoderTrainer(weights: try DecoderWeights(config: config, source: gguf, trainable: false),
                                    loraConfig: try LoRAConfig(seed: 1))
        let context = (0..<56).map { Int32(100 + 37 * $0 % 5000) }
        let tree = try TreeBatch(context: context, words: [[2122, 359], [1209], [13557, 2658, 616]], weights: [0.5, 0.3, 0.2])
        let params = tr.trainableParameters
        XCTAssertEqual(params.count, 30 * 7 * 2)
        let opt = AdamW()
        var losses: [Double] = []
        for step in 0..<4 {
            let t0 = Date()
            let lp = try tr.run(tokens: tree.tokens, positions: tree.positions, mask: tree.mask, targets: tree.targets,
                                dropoutKey: UInt64(step))
            let dt = Date().timeIntervalSince(t0)
            losses.append(weightedNegativeLogLikelihood(lp, tree.targets))
            let norm = clipGradNorm(params, maxNorm: 1)
            XCTAssertTrue(norm.isFinite && norm > 0)
            try opt.step(params, lr: 1e-3)
            zeroGrads(params)
            print("SmolLM2 LoRA step \(step): T=\(tree.T) loss \(losses.last!) grad-norm \(norm) forward+backward \(String(format: "%.2f", dt)) s")
        }
        XCTAssertLessThan(losses.last!, losses.first!)
    }
}
