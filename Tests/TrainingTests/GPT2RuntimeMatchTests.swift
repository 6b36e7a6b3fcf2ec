import Foundation
import XCTest
import ModelIO
import Models
import Numerics
import Training

/// The trainer's GPT-2 forward against the inference runtime's `Transformer` on the same tiny
/// model, loaded the way a real checkpoint is (HF names, Conv1D [in, out] layout, fused q/k/v
/// split by `Models`, then copied by `DecoderWeights(model:)`).
final class GPT2RuntimeMatchTests: XCTestCase {
    func testTrainerLogProbsEqualRuntimeTransformer() throws {
        let V = 11, C = 8, L = 2, F = 12, P = 9
        let json: [String: Any] = ["model_type": "gpt2", "vocab_size": V, "n_embd": C, "n_layer": L, "n_head": 2,
                                   "n_inner": F, "n_positions": P, "layer_norm_epsilon": 1e-5]
        let src = InMemoryWeights(path: "<tiny gpt2>")  // Hugging Face GPT-2 names and layouts
        var seed: UInt64 = 40
        func put(_ name: String, _ shape: [Int], norm: Bool = false) {
            seed += 1
            let v = f32(randomDoubles(shape.reduce(1, *), seed: seed, scale: norm ? 0.1 : 0.4))
            src.tensors[name] = (shape, norm ? v.map { 1 + $0 } : v)
        }
        put("wte.weight", [V, C]); put("wpe.weight", [P, C])
        put("ln_f.weight", [C], norm: true); put("ln_f.bias", [C])
        for l in 0..<L {
            let p = "h.\(l)."
            put(p + "ln_1.weight", [C], norm: true); put(p + "ln_1.bias", [C])
            put(p + "attn.c_attn.weight", [C, 3 * C]); put(p + "attn.c_attn.bias", [3 * C])
            put(p + "attn.c_proj.weight", [C, C]); put(p + "attn.c_proj.bias", [C])
            put(p + "ln_2.weight", [C], norm: true); put(p + "ln_2.bias", [C])
            put(p + "mlp.c_fc.weight", [C, F]); put(p + "mlp.c_fc.bias", [F])
            put(p + "mlp.c_proj.weight", [F, C]); put(p + "mlp.c_proj.bias", [C])
        }
        let model = try loadModel(hfWeights: src, config: json, configPath: "<tiny gpt2>/config.json")
        let tr = try DecoderTrainer(weights: try DecoderWeights(model: model, trainable: true))

        // Positions start at 2 so that wpe rows other than the first ones are exercised.
        let tokens: [Int32] = [3, 1, 4, 1, 5, 9, 2], T = tokens.count
        let positions = (0..<T).map { Int32($0 + 2) }
        let hidden = try model.hiddenStates(batch: [SequenceInput(tokens: tokens, positions: positions,
                                                                  cache: KVCache(nLayers: L, kvDim: C))])
        let rows = Array(0..<T)
        let logits = try model.logits(hidden: hidden, rows: rows)
        var targets: [TokenTarget] = [], expected: [Double] = []
        for r in rows {
            let z = logits[(r * V)..<((r + 1) * V)].map(Double.init)
            let m = z.max()!, lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
            for tok in [0, (r * 3 + 1) % V] {
                targets.append(TokenTarget(row: r, token: Int32(tok)))
                expected.append(z[tok] - lse)
            }
        }
        let got = try tr.run(tokens: tokens, positions: positions, mask: .causal(T: T), targets: targets, backward: false)
        XCTAssertEqual(got.count, expected.count)
        var maxDiff = 0.0
        for (g, e) in zip(got, expected) { maxDiff = max(maxDiff, abs(g - e)) }
        XCTAssertLessThan(maxDiff, 1e-5, "trainer vs runtime log-prob max |diff| \(maxDiff)")
        print("GPT-2 trainer vs runtime log-prob max |diff|: \(maxDiff)")
        XCTAssertGreaterThan(expected.map(abs).max()!, 0.5, "log-probs are not trivially equal")
    }
}
