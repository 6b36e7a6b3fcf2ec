import TestSupport
import Foundation
import XCTest
import ModelIO
import Training
import Models

/// The training forward on the real default models against the shared reference next-token
/// log-probabilities (float32, dequantised weights). Skipped when the model files are absent
/// (TestPaths: DISTLAB_MODELS_DIR, DISTLAB_REFERENCE_DIR).
final class ReferenceModelTests: XCTestCase {
    /// The model's weights, loaded by the runtime (Models) and copied into parameters.
    private func load(_ model: String, trainable: Bool = false) throws -> DecoderWeights {
        let modelPath = TestPaths.models + "/" + model
        guard FileManager.default.fileExists(atPath: modelPath) else { throw XCTSkip("\(modelPath) not present") }
        return try DecoderWeights(model: try loadModel(path: modelPath), trainable: trainable)
    }

    private func check(model: String, reference: String, maxCases: Int) throws {
        let refPath = TestPaths.reference + "/logprobs/" + reference
        guard FileManager.default.fileExists(atPath: refPath) else { throw XCTSkip("\(refPath) not present") }
        let trainer = try DecoderTrainer(weights: try load(model))
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
        let tr = try DecoderTrainer(weights: try load("SmolLM2-135M-Instruct.Q4_1.gguf"), loraConfig: try LoRAConfig(seed: 1))
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

    /// Full fine-tuning (paper B's base-model setting, here Gemma-3-270M): two TrainingLoop steps
    /// on one L_Var tree batch reduce its loss. Needs ~6 GB; runs only with DISTLAB_HEAVY_TESTS=1.
    func testFullFineTuneStepsOnGemma3() throws {
        guard ProcessInfo.processInfo.environment["DISTLAB_HEAVY_TESTS"] == "1" else { throw XCTSkip("set DISTLAB_HEAVY_TESTS=1") }
        let tr = try DecoderTrainer(weights: try load("gemma-3-270m-q4_k_m.gguf", trainable: true))
        let context: [Int32] = [2] + (0..<40).map { Int32(1000 + 53 * $0 % 9000) }
        let tree = try TreeBatch(context: context, words: [[5000, 5001], [6000], [7000, 7001, 7002]], weights: [0.5, 0.3, 0.2])
        let loop = TrainingLoop(trainer: tr, optimizer: AdamW(), schedule: LinearSchedule(peak: 1e-5, warmupSteps: 0, totalSteps: 3))
        let seq = TrainingSequence(tree: tree)
        var losses: [Double] = []
        for _ in 0..<3 {
            let t0 = Date()
            let r = try loop.step([seq])
            losses.append(r.loss)
            print("Gemma-3 full FT step \(r.step): T=\(tree.T) loss \(r.loss) grad-norm \(r.gradNorm) \(String(format: "%.2f", Date().timeIntervalSince(t0))) s")
        }
        XCTAssertLessThan(losses.last!, losses.first!)
    }
}
