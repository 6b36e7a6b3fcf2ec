import Foundation
import XCTest
import ModelIO
import Models
import Training

/// The Hugging Face export of merged fine-tuned weights reads back through the runtime's HF
/// loader to the same logits as the merged weights in GGUF layout (llama with GGUF's permuted
/// q/k rows, qwen2 with biases, Gemma 3 with its 1 + w norms, GPT-2 with fused q/k/v and Conv1D layouts).
final class FineTuneExportTests: XCTestCase {
    func tempDir(_ name: String) throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-ftexport-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: d)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testExportReadsBackToSameLogits() throws {
        let cases: [(String, ModelConfig, Bool)] = [("llama", try DecoderTrainerTests.tinyLlama(), true),
                                                    ("qwen2", try DecoderTrainerTests.tinyQwen2(), false),
                                                    ("gemma3", try DecoderTrainerTests.tinyGemma(), false),
                                                    ("gpt2", try DecoderTrainerTests.tinyGPT2(), false)]
        for (name, config, lora) in cases {
            let dir = try tempDir(name)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let weights = try DecoderWeights.random(config: config, seed: 3, scale: 0.3, trainable: !lora)
            let trainer = try DecoderTrainer(weights: weights, loraConfig: lora ? try LoRAConfig(rank: 2, alpha: 4, dropout: 0, seed: 5) : nil)
            // Non-zero adapters (B starts at zero) so the merge matters.
            for p in trainer.trainableParameters where p.name.hasSuffix("lora_B") { try p.setValues((0..<p.count).map { Float($0 % 7) * 0.05 - 0.15 }) }
            try Checkpoint.saveMergedModel(trainer, path: dir + "/merged.safetensors")
            let merged = try SafetensorsFile(path: dir + "/merged.safetensors")
            let a = try loadModel(weights: merged, config: config, naming: .gguf)
            try HFExport.write(merged: merged, config: config, to: dir + "/hf")
            let b = try loadModel(path: dir + "/hf")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/hf/config.json"))) as? [String: Any]
            XCTAssertEqual(json?["torch_dtype"] as? String, "float32", name)
            XCTAssertEqual(b.config.ropeLayout, .neox, name)
            XCTAssertEqual(b.config.layerWindow, config.layerWindow, name)
            XCTAssertEqual(b.config.layerRopeBase, config.layerRopeBase, name)
            XCTAssertEqual(b.config.queryScale, config.queryScale, accuracy: 1e-7, name)
            let toks: [Int32] = [1, 5, 2, 7, 3, 9, 4, 0]
            let la = try a.forward(tokens: toks, cache: a.makeCache()), lb = try b.forward(tokens: toks, cache: b.makeCache())
            XCTAssertEqual(la.count, lb.count, name)
            var maxDiff: Float = 0
            for (x, y) in zip(la, lb) { maxDiff = max(maxDiff, abs(x - y)) }
            XCTAssertLessThan(maxDiff, 1e-4, name)
            XCTAssertGreaterThan(la.map(abs).max()!, 0.1, name)   // not trivially zero logits
            if name == "llama" {
                // The permutation is not the identity, so un-permuting matters.
                let hf = try SafetensorsFile(path: dir + "/hf/model.safetensors")
                XCTAssertNotEqual(try hf.floats("model.layers.0.self_attn.q_proj.weight"), try merged.floats("blk.0.attn_q.weight"))
            }
        }
    }

    /// A fine-tuned folder with a bad manifest or a missing base model is a clear error naming the file.
    func testFineTunedFolderErrors() throws {
        let dir = try tempDir("manifest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"format": "something-else", "base_model": "/x", "weights": "model.safetensors"}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/" + FineTunedModel.manifestFile))
        XCTAssertTrue(FineTunedModel.isFineTunedFolder(dir))
        XCTAssertThrowsError(try loadModel(path: dir)) { e in
            XCTAssertTrue("\(e)".contains("finetuned.json") && "\(e)".contains("something-else"), "\(e)")
        }
        try FineTunedModel.writeManifest(.init(baseModel: dir + "/missing.gguf"), folder: dir)
        XCTAssertEqual(try FineTunedModel.readManifest(folder: dir).base_model, dir + "/missing.gguf")
        XCTAssertThrowsError(try loadModel(path: dir)) { e in XCTAssertTrue("\(e)".contains("missing.gguf"), "\(e)") }
    }

    /// hf[c·D/2 + i] = gguf[2i + c] within each head (hand-made 2 heads × D 4, one column).
    func testUnpermuteRows() {
        let gguf: [Float] = [0, 1, 2, 3, 10, 11, 12, 13]
        XCTAssertEqual(HFExport.unpermuteRows(gguf, heads: 2, headDim: 4, cols: 1), [0, 2, 1, 3, 10, 12, 11, 13])
    }
}
