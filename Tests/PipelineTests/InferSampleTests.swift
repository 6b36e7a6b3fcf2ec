import Artifacts
import Foundation
import Metrics
import ModelIO
import Models
import StageKit
import Tokenizers
import XCTest

/// A tiny random-weight llama written as a Hugging Face directory: config.json, model.safetensors,
/// tokenizer.json (the byte-level GPT-2-style fixture plus ChatML's two control tokens) and a
/// tokenizer_config.json with a ChatML chat template, so every prompt style runs.
/// `userTokens` become user-defined (non-special) added tokens, one id each, as a model whose
/// vocabulary has those words whole.
func writeTinyChatModel(to dir: String, seed: UInt64 = 5, userTokens: [String] = []) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var tj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Stages.fixture("tiny-bytelevel.tokenizer.json")))) as! [String: Any]
    var added = tj["added_tokens"] as! [[String: Any]]
    var firstFree = added.map { $0["id"] as! Int }.max()! + 1
    for (k, name) in userTokens.enumerated() {
        added.append(["id": firstFree + k, "content": name, "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": false])
    }
    firstFree += userTokens.count
    for (k, name) in ["<|im_start|>", "<|im_end|>"].enumerated() {
        added.append(["id": firstFree + k, "content": name, "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": true])
    }
    tj["added_tokens"] = added
    try JSONSerialization.data(withJSONObject: tj).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
    let template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    let tc: [String: Any] = ["chat_template": template, "eos_token": "<|im_end|>"]
    try JSONSerialization.data(withJSONObject: tc).write(to: URL(fileURLWithPath: dir + "/tokenizer_config.json"))

    let V = firstFree + 2, C = 32, L = 2, H = 4, KVH = 2, D = 8, F = 48
    let config: [String: Any] = ["model_type": "llama", "hidden_size": C, "num_hidden_layers": L, "num_attention_heads": H,
                                 "num_key_value_heads": KVH, "head_dim": D, "intermediate_size": F, "rms_norm_eps": 1e-5,
                                 "rope_theta": 10000.0, "vocab_size": V, "tie_word_embeddings": true, "max_position_embeddings": 512]
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
    var s = seed
    func uniform() -> Float {  // LCG, enough for test weights
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float((s >> 40) % 1_000_000) / 500_000 - 1
    }
    var tensors: [SafetensorsWriter.Tensor] = []
    func add(_ name: String, _ shape: [Int], scale: Float = 0.3, offset: Float = 0) {
        tensors.append(.init(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in offset + scale * uniform() }))
    }
    // Large embeddings make the tied output head peaky enough for repeated tokens (and words) to occur.
    add("model.embed_tokens.weight", [V, C], scale: 1.5)
    for l in 0..<L {
        let p = "model.layers.\(l)."
        add(p + "input_layernorm.weight", [C], scale: 0.1, offset: 1)
        add(p + "post_attention_layernorm.weight", [C], scale: 0.1, offset: 1)
        add(p + "self_attn.q_proj.weight", [H * D, C]); add(p + "self_attn.k_proj.weight", [KVH * D, C])
        add(p + "self_attn.v_proj.weight", [KVH * D, C]); add(p + "self_attn.o_proj.weight", [C, H * D])
        add(p + "mlp.gate_proj.weight", [F, C]); add(p + "mlp.up_proj.weight", [F, C]); add(p + "mlp.down_proj.weight", [C, F])
    }
    add("model.norm.weight", [C], scale: 0.1, offset: 1)
    try SafetensorsWriter.write(tensors, to: dir + "/model.safetensors")
}

final class InferSampleTests: XCTestCase {
    var dir = ""
    var splits = ""
    var model = ""
    let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z", "DISTLAB_CODE_VERSION": "test"]

    override func setUpWithError() throws {
        dir = try Stages.tempDir()
        splits = dir + "/splits.h5"
        model = dir + "/tiny-model"
        let r = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", splits])
        XCTAssertEqual(r.status, 0, r.stderr)
        try writeTinyChatModel(to: model)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `infer sample` with the common options; `output` is relative to `cwd` (default: the test folder).
    func sample(_ output: String, _ extra: [String], cwd: String? = nil) throws -> Stages.Result {
        try Stages.run("infer", ["sample", "--splits", splits, "--model", model, "--model-label", "Tiny", "--samples", "6",
                                 "--max-new-tokens", "3", "--chunk-size", "2", "--output", output] + extra,
                       environment: env, cwd: cwd ?? dir)
    }

    func testPlainArtifactShapesScoresAndBitIdenticalRerun() throws {
        var bytes: [Data] = []
        for run in ["a", "b"] {
            // Same relative output in two folders, so the recorded command lines are equal too.
            try FileManager.default.createDirectory(atPath: dir + "/" + run, withIntermediateDirectories: true)
            let r = try sample("seed42.h5", ["--limit", "5", "--seed", "42"], cwd: dir + "/" + run)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("time per context"), r.stdout)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + run + "/seed42.h5.chunks"), "chunk folder left behind")
            bytes.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + run + "/seed42.h5")))
        }
        XCTAssertEqual(bytes[0], bytes[1], "two runs with the same inputs and seed differ")

        let out = dir + "/a/seed42.h5"
        let a = try SamplesArtifact.read(path: out, notes: ["seed_rule"])
        let s = try ClozeSplits.read(path: splits)
        let test = Array(s.contexts(in: "test").prefix(5))
        XCTAssertEqual([a.modelLabel, a.variant, a.promptStyle, a.split], ["Tiny", "Base", "plain", "test"])
        XCTAssertEqual([a.nSamples, a.maxNewTokens, a.topK], [6, 3, 50])
        XCTAssertEqual([a.topP, a.temperature], [1.0, 1.0])
        XCTAssertEqual(a.modelSHA256.count, 64)
        XCTAssertNotNil(a.notes["seed_rule"])
        XCTAssertEqual(a.textID, test.map { Int32($0.textID) })
        XCTAssertEqual(a.wordNumber, test.map { Int32($0.wordNumber) })
        XCTAssertEqual(a.words.count, 5 * 6)
        XCTAssertEqual(a.texts.count, 5 * 6)
        XCTAssertEqual(a.responses, test.flatMap { $0.responses.map(\.response) })
        for i in 0..<5 {
            let ws = a.words[(i * 6)..<(i * 6 + 6)]
            XCTAssertEqual(Int(a.nValid[i]), ws.filter { !$0.isEmpty }.count)
            // Each word is what paper B's extraction gives for the stored text.
            for (w, t) in zip(ws, a.texts[(i * 6)..<(i * 6 + 6)]) { XCTAssertEqual(w, Metrics.extractWord(sample: t) ?? "") }
        }
        XCTAssertGreaterThan(a.nValid.reduce(0, +), 0, "no sample yielded a word")
        let reader = try ArtifactReader(path: out)
        XCTAssertEqual(try reader.shape(of: "samples/word"), [5, 6])
        XCTAssertEqual(try reader.shape(of: "samples/text"), [5, 6])
        XCTAssertEqual(try reader.stringAttribute("stage"), "infer")
        reader.close()

        // log q(w|c) against an independent computation: the joint sequence through the model's
        // plain full-sequence log-probabilities (no cache reuse), summed over the word's tokens.
        let lm = try loadModel(path: model)
        let tok = try Tokenizer.load(path: model)
        XCTAssertTrue(a.logq.allSatisfy { $0.isFinite && $0 < 0 })
        for i in [0, 4] {
            let ctx = tok.encode(test[i].context)
            for j in Int(a.answerOffset[i])..<Int(a.answerOffset[i + 1]) {
                let joint = tok.encode(test[i].context + " " + a.responses[j])
                XCTAssertTrue(joint.starts(with: ctx))
                let lp = try lm.logProbs(tokens: joint)
                let expected = lp[(ctx.count - 1)...].reduce(0.0) { $0 + Double($1) }
                XCTAssertEqual(a.logq[j], expected, accuracy: 1e-4, "context \(i) answer \(a.responses[j])")
            }
        }
    }

    /// Interrupted runs (a deleted chunk, a shorter --limit) resume to exactly the uninterrupted result.
    func testResumeEqualsUninterruptedRun() throws {
        let full = try sample("full.h5", ["--limit", "6"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let expected = try SamplesArtifact.read(path: dir + "/full.h5")
        let fullBytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.h5"))

        // A run that stopped after its first chunk (--limit 2, chunks kept) continued with --limit 6.
        XCTAssertEqual(try sample("resumed.h5", ["--limit", "2", "--keep-chunks"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/resumed.h5.chunks/chunk_0_1.h5"))
        let r = try sample("resumed.h5", ["--limit", "6", "--keep-chunks"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("reusing 1 of 3"), r.stderr)
        var resumed = try SamplesArtifact.read(path: dir + "/resumed.h5")
        resumed.modelPath = expected.modelPath
        XCTAssertEqual(resumed, expected)

        // A lost chunk is recomputed; the reassembled file is byte-identical to the uninterrupted one
        // (same command line: the same output name is reused after moving the first result away).
        try FileManager.default.moveItem(atPath: dir + "/full.h5", toPath: dir + "/full-first.h5")
        XCTAssertEqual(try sample("full.h5", ["--limit", "6", "--keep-chunks"]).status, 0)
        try FileManager.default.removeItem(atPath: dir + "/full.h5.chunks/chunk_2_3.h5")
        try FileManager.default.removeItem(atPath: dir + "/full.h5")
        let again = try sample("full.h5", ["--limit", "6"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("reusing 2 of 3"), again.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/full.h5.chunks"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/full.h5")), fullBytes)

        // Splits written again by another commit (other bytes, same content) keep the chunks.
        XCTAssertEqual(try sample("rewritten.h5", ["--limit", "2", "--keep-chunks"]).status, 0)
        let splitsBytes = try Data(contentsOf: URL(fileURLWithPath: splits))
        let rewrite = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", splits],
                                     environment: ["DISTLAB_CODE_VERSION": "another-commit"])
        XCTAssertEqual(rewrite.status, 0, rewrite.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: splits)), splitsBytes)
        let kept = try sample("rewritten.h5", ["--limit", "4"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stderr.contains("reusing 1 of 2"), kept.stderr)

        // Chunks made with other settings are not reused.
        XCTAssertEqual(try sample("other.h5", ["--limit", "2", "--keep-chunks", "--seed", "7"]).status, 0)
        let o = try sample("other.h5", ["--limit", "2", "--seed", "8"])
        XCTAssertTrue(o.stderr.contains("other settings"), o.stderr)
        let seed8 = try SamplesArtifact.read(path: dir + "/other.h5")
        XCTAssertNotEqual(seed8.texts, Array(expected.texts.prefix(12)), "seed 8 reproduced seed 42's samples")

        // Nor chunks made with another BLAS setup (its last bits differ): a resumed run recomputes them.
        func blas(_ threads: String, _ extra: [String]) throws -> Stages.Result {
            try Stages.run("infer", ["sample", "--splits", splits, "--model", model, "--model-label", "Tiny", "--samples", "6",
                                     "--max-new-tokens", "3", "--chunk-size", "2", "--output", "blas.h5", "--limit", "2"] + extra,
                           environment: env.merging(["OPENBLAS_NUM_THREADS": threads]) { $1 }, cwd: dir)
        }
        XCTAssertEqual(try blas("1", ["--keep-chunks"]).status, 0)
        let b = try blas("2", [])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertTrue(b.stderr.contains("other settings"), b.stderr)
    }

    func testChatPromptsAndOneShotExample() throws {
        let r1 = try sample("instr.h5", ["--limit", "2", "--prompt", "instruction", "--variant", "Base"])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let a = try SamplesArtifact.read(path: dir + "/instr.h5", notes: ["prompt"])
        XCTAssertEqual(a.promptStyle, "instruction")
        XCTAssertEqual(a.notes["prompt"], "Instruction: Return one plausible next word for the following context.\nContext: <CONTEXT>\nContinuation:")
        XCTAssertTrue(a.logq.allSatisfy { $0.isFinite && $0 < 0 })

        let r2 = try sample("shot.h5", ["--limit", "2", "--prompt", "one-shot"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let b = try SamplesArtifact.read(path: dir + "/shot.h5", notes: ["prompt", "one_shot_example"])
        XCTAssertEqual(b.variant, "1-Shot")
        XCTAssertEqual(b.notes["one_shot_example"], "text_id 1, word_number 6 (train split)")
        // The fixture's text 1 word 6 ("The cat sat on the"): answers and, the, a with counts 5, 3, 2.
        let example = try XCTUnwrap(b.notes["prompt"])
        XCTAssertTrue(example.contains("Context: The cat sat on the, Continuations: [and, and, and, and, and, the, the, the, a, a]."), example)
        XCTAssertTrue(example.contains("group of 10 people"), example)
        XCTAssertTrue(example.hasSuffix("Context: <CONTEXT>\nContinuation:"), example)
        XCTAssertNotEqual(a.logq, b.logq, "the 1-shot prompt did not change the scores")

        // The example must come from the train split.
        let bad = try sample("bad.h5", ["--limit", "2", "--prompt", "one-shot", "--example-text-id", "2", "--example-word-number", "3"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("test split, not train"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.h5"))
    }

    func testBadOptionsAreUsageErrors() throws {
        let r = try sample("x.h5", ["--prompt", "zero-shot"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--prompt"), r.stderr)
        let e = try sample("x.h5", ["--split", "nonexistent"])
        XCTAssertEqual(e.status, 1, e.stderr)
        XCTAssertTrue(e.stderr.contains("no contexts in split 'nonexistent'"), e.stderr)
    }
}
