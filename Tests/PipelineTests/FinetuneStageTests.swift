import Artifacts
import Foundation
import ModelIO
import Models
import Tokenizers
import XCTest

/// `finetune run` end to end on the 5-passage fixture with a tiny random llama written as a
/// Hugging Face directory (byte-level tokenizer with ChatML specials, so both the plain base-LM
/// path and the LoRA instruction path run): the validation loss falls, the output model loads
/// through `loadModel(path:)` / `Tokenizer.load(path:)`, two runs with one seed give
/// byte-identical weights, an interrupted run resumes to the same weights, and a NaN stops the
/// run with a message naming the step and batch.
final class FinetuneStageTests: XCTestCase {
    /// GPT-2's byte → printable-character map (bytes_to_unicode), for the byte-level vocabulary.
    static func byteLevelAlphabet() -> [String] {
        var keep = Array(33...126) + Array(161...172) + Array(174...255)
        var chars = keep.map { Int($0) }
        var n = 0
        for b in 0..<256 where !keep.contains(b) { keep.append(b); chars.append(256 + n); n += 1 }
        var out = [String](repeating: "", count: 256)
        for (b, c) in zip(keep, chars) { out[b] = String(UnicodeScalar(UInt32(c))!) }
        return out
    }

    /// A tiny llama (vocab 260) with random weights, tokenizer.json and a ChatML template.
    /// Uniform weights in [-scale, scale) from a 64-bit LCG: the tiny models of these tests.
    struct TinyWeights {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func uniform(_ n: Int, scale: Float) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
            }
        }
    }

    /// A byte-level BPE tokenizer.json: the 256 byte symbols (no merges), then `specials` as ids 256….
    static func writeByteLevelTokenizer(_ dir: String, specials: [String]) throws {
        var vocab: [String: Int] = [:]
        for (b, s) in byteLevelAlphabet().enumerated() { vocab[s] = b }
        let added = specials.enumerated().map { (k, s) -> [String: Any] in
            ["id": 256 + k, "content": s, "special": true, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false]
        }
        let tokenizer: [String: Any] = [
            "version": "1.0", "added_tokens": added,
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "vocab": vocab, "merges": [String]()]]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
    }

    static func writeTinyModel(_ dir: String, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let V = 260, C = 16, F = 32, L = 2, D = 8, H = 2, KV = 1
        let config: [String: Any] = ["model_type": "llama", "vocab_size": V, "hidden_size": C, "num_hidden_layers": L,
                                     "num_attention_heads": H, "num_key_value_heads": KV, "head_dim": D,
                                     "intermediate_size": F, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                                     "tie_word_embeddings": true, "max_position_embeddings": 512]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        var rng = TinyWeights(seed: seed)
        func rand(_ n: Int, _ scale: Float) -> [Float] { rng.uniform(n, scale: scale) }
        var t: [SafetensorsWriter.Tensor] = [.init(name: "model.embed_tokens.weight", shape: [V, C], values: rand(V * C, 0.5)),
                                             .init(name: "model.norm.weight", shape: [C], values: [Float](repeating: 1, count: C))]
        for l in 0..<L {
            let p = "model.layers.\(l)."
            t += [.init(name: p + "input_layernorm.weight", shape: [C], values: [Float](repeating: 1, count: C)),
                  .init(name: p + "post_attention_layernorm.weight", shape: [C], values: [Float](repeating: 1, count: C)),
                  .init(name: p + "self_attn.q_proj.weight", shape: [H * D, C], values: rand(H * D * C, 0.3)),
                  .init(name: p + "self_attn.k_proj.weight", shape: [KV * D, C], values: rand(KV * D * C, 0.3)),
                  .init(name: p + "self_attn.v_proj.weight", shape: [KV * D, C], values: rand(KV * D * C, 0.3)),
                  .init(name: p + "self_attn.o_proj.weight", shape: [C, H * D], values: rand(C * H * D, 0.3)),
                  .init(name: p + "mlp.gate_proj.weight", shape: [F, C], values: rand(F * C, 0.3)),
                  .init(name: p + "mlp.up_proj.weight", shape: [F, C], values: rand(F * C, 0.3)),
                  .init(name: p + "mlp.down_proj.weight", shape: [C, F], values: rand(C * F, 0.3))]
        }
        try SafetensorsWriter.write(t, to: dir + "/model.safetensors")
        try writeByteLevelTokenizer(dir, specials: ["<|im_start|>", "<|im_end|>", "<|endoftext|>"])
        let template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        try JSONSerialization.data(withJSONObject: ["chat_template": template, "eos_token": "<|im_end|>"])
            .write(to: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
    }

    /// A tiny random GPT-2 as a Hugging Face folder (GPT2LMHeadModel names, Conv1D [in, out]
    /// weights, learned positions, a byte-level BPE tokenizer with <|endoftext|>, no chat template):
    /// paper B's own base model, at toy size.
    static func writeTinyGPT2(_ dir: String, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let V = 257, C = 16, F = 32, L = 2, P = 1024
        let config: [String: Any] = ["model_type": "gpt2", "vocab_size": V, "n_embd": C, "n_layer": L, "n_head": 2,
                                     "n_inner": F, "n_positions": P, "layer_norm_epsilon": 1e-5,
                                     "bos_token_id": 256, "eos_token_id": 256]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        var rng = TinyWeights(seed: seed)
        func rand(_ n: Int, _ scale: Float) -> [Float] { rng.uniform(n, scale: scale) }
        let ones = { (n: Int) in [Float](repeating: 1, count: n) }
        let zeros = { (n: Int) in [Float](repeating: 0, count: n) }
        var t: [SafetensorsWriter.Tensor] = [
            .init(name: "transformer.wte.weight", shape: [V, C], values: rand(V * C, 0.5)),
            .init(name: "transformer.wpe.weight", shape: [P, C], values: rand(P * C, 0.1)),
            .init(name: "transformer.ln_f.weight", shape: [C], values: ones(C)),
            .init(name: "transformer.ln_f.bias", shape: [C], values: zeros(C))]
        for l in 0..<L {
            let p = "transformer.h.\(l)."
            t += [.init(name: p + "ln_1.weight", shape: [C], values: ones(C)), .init(name: p + "ln_1.bias", shape: [C], values: zeros(C)),
                  .init(name: p + "attn.c_attn.weight", shape: [C, 3 * C], values: rand(C * 3 * C, 0.3)),
                  .init(name: p + "attn.c_attn.bias", shape: [3 * C], values: rand(3 * C, 0.1)),
                  .init(name: p + "attn.c_proj.weight", shape: [C, C], values: rand(C * C, 0.3)),
                  .init(name: p + "attn.c_proj.bias", shape: [C], values: rand(C, 0.1)),
                  .init(name: p + "ln_2.weight", shape: [C], values: ones(C)), .init(name: p + "ln_2.bias", shape: [C], values: zeros(C)),
                  .init(name: p + "mlp.c_fc.weight", shape: [C, F], values: rand(C * F, 0.3)),
                  .init(name: p + "mlp.c_fc.bias", shape: [F], values: rand(F, 0.1)),
                  .init(name: p + "mlp.c_proj.weight", shape: [F, C], values: rand(F * C, 0.3)),
                  .init(name: p + "mlp.c_proj.bias", shape: [C], values: rand(C, 0.1))]
        }
        try SafetensorsWriter.write(t, to: dir + "/model.safetensors")
        try writeByteLevelTokenizer(dir, specials: ["<|endoftext|>"])
        try JSONSerialization.data(withJSONObject: ["bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"])
            .write(to: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
    }

    struct Setup { let dir: String; let model: String; let splits: String }

    func setUp(_ name: String) throws -> Setup {
        let dir = try Stages.tempDir()
        let model = dir + "/tiny-model"
        try Self.writeTinyModel(model, seed: 11)
        let splits = dir + "/splits.h5"
        let r = try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--output", splits])
        XCTAssertEqual(r.status, 0, r.stderr)
        return Setup(dir: dir, model: model, splits: splits)
    }

    func writeConfig(_ s: Setup, _ name: String, lora: Bool = false, extra: String = "") throws -> String {
        let text = """
            model: \(s.model)
            splits: \(s.splits)
            output: \(s.dir)/out-default
            method: \(lora ? "lora" : "full")
            \(lora ? "lora: {r: 4, alpha: 8, dropout: 0.1, modules: [q_proj, v_proj, down_proj]}\n" : "")target: mul
            prompt: \(lora ? "instruction" : "plain")
            optimizer: {lr: \(lora ? "3.0e-2" : "1.0e-2"), betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.01}
            batch_size: \(lora ? 8 : 2)
            epochs: 3
            grad_clip: 1.0
            warmup_steps: 1
            schedule: linear
            seed: 7
            checkpoint_every: 2
            hf_export: f32
            keep_checkpoint: \(lora ? "false" : "true")
            \(extra)
            """
        let p = s.dir + "/\(name).yaml"
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func valLoss(_ out: String) throws -> [Double] {
        let r = try ArtifactReader(path: out + "/train_log.h5")
        defer { r.close() }
        return try r.read(Double.self, "epoch/val_loss").values
    }

    func modelBytes(_ out: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: out + "/model/model.safetensors")) }

    func testFullFineTuneDeterministicLoadableResumable() throws {
        let s = try setUp("full")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let cfg = try writeConfig(s, "full")
        let env = ["DISTLAB_CREATED_AT": "2026-01-01T00:00:00Z"]
        let a = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/a"], environment: env)
        XCTAssertEqual(a.status, 0, a.stderr)
        let va = try valLoss(s.dir + "/a")
        XCTAssertEqual(va.count, 4)                 // before training + 3 epochs
        XCTAssertLessThan(va.last!, va.first! - 0.05, "\(va)")

        // The output folder loads as a model and a tokenizer (the base model's).
        let m = try loadModel(path: s.dir + "/a/model")
        let tok = try Tokenizer.load(path: s.dir + "/a/model")
        let ids = tok.encode("The cat sat")
        XCTAssertEqual(ids.count, 11)
        let logits = try m.forward(tokens: ids, cache: m.makeCache())
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
        // … and differs from the base model (training moved the weights).
        let base = try loadModel(path: s.model)
        XCTAssertNotEqual(try base.forward(tokens: ids, cache: base.makeCache()), logits)
        // The HF export loads to the same logits.
        let hf = try loadModel(path: s.dir + "/a/hf")
        let lh = try hf.forward(tokens: ids, cache: hf.makeCache())
        for (x, y) in zip(logits, lh) { XCTAssertEqual(x, y, accuracy: 1e-4) }

        // The manifest (make's target) is written last, after every other file of the run: a run
        // killed in its final writes does not look finished.
        let fm = FileManager.default
        func modified(_ path: String) throws -> Date { try XCTUnwrap(fm.attributesOfItem(atPath: s.dir + "/a/" + path)[.modificationDate] as? Date) }
        let manifestTime = try modified("model/finetuned.json")
        for f in ["model/model.safetensors", "hf/model.safetensors", "hf/config.json", "train_log.h5"] {
            XCTAssertLessThanOrEqual(try modified(f), manifestTime, f)
        }

        // A finished run is not redone.
        let again = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/a"], environment: env)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("already complete"), again.stdout)
        // Killed after its log and before its manifest: the rerun only writes the manifest.
        let manifestBytes = try Data(contentsOf: URL(fileURLWithPath: s.dir + "/a/model/finetuned.json"))
        let weightsTime = try modified("model/model.safetensors")
        try fm.removeItem(atPath: s.dir + "/a/model/finetuned.json")
        let recovered = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/a"], environment: env)
        XCTAssertEqual(recovered.status, 0, recovered.stderr)
        XCTAssertTrue(recovered.stdout.contains("already complete"), recovered.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: s.dir + "/a/model/finetuned.json")), manifestBytes)
        XCTAssertEqual(try modified("model/model.safetensors"), weightsTime, "the weights are not written again")
        // … unless its inputs changed: the same configuration (same paths) on other splits bytes is
        // not complete, and its kept checkpoint is refused rather than resumed.
        try FileManager.default.copyItem(atPath: s.splits, toPath: s.dir + "/splits-saved.h5")
        XCTAssertEqual(try Stages.run("prepare-splits", ["provo", "--input", Stages.fixture("cloze_small.tsv"), "--seed", "5", "--output", s.splits]).status, 0)
        let changed = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/a"], environment: env)
        XCTAssertFalse(changed.stdout.contains("already complete"), "other splits: \(changed.stdout)")
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.stderr.contains("other inputs"), changed.stderr)
        try FileManager.default.removeItem(atPath: s.splits)
        try FileManager.default.moveItem(atPath: s.dir + "/splits-saved.h5", toPath: s.splits)

        // Same seed ⇒ byte-identical weights and log.
        let b = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/b"], environment: env)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try modelBytes(s.dir + "/a"), try modelBytes(s.dir + "/b"))
        XCTAssertEqual(try valLoss(s.dir + "/b"), va)
        // Another seed ⇒ other weights.
        let c = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/c", "--seed", "8"], environment: env)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertNotEqual(try modelBytes(s.dir + "/a"), try modelBytes(s.dir + "/c"))

        // Interrupted after step 5 (last checkpoint at step 4, mid-epoch), then resumed.
        let stopCfg = try writeConfig(s, "stop", extra: "stop_after_step: 5")
        let r1 = try Stages.run("finetune", ["run", "--config", stopCfg, "--output", s.dir + "/r"], environment: env)
        XCTAssertNotEqual(r1.status, 0)
        XCTAssertTrue(r1.stderr.contains("stopped after step 5"), r1.stderr)
        let r2 = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/r"], environment: env)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("resuming") && r2.stderr.contains("at step 4"), r2.stderr)
        XCTAssertEqual(try modelBytes(s.dir + "/a"), try modelBytes(s.dir + "/r"))
        XCTAssertEqual(try valLoss(s.dir + "/r"), va)
        // The training log lists the invocations that made each run: the step each began at, with
        // its code version and BLAS setup (the same here).
        func segments(_ out: String) throws -> (starts: [Int], versions: [String], computes: [String]) {
            let r = try ArtifactReader(path: out + "/train_log.h5")
            defer { r.close() }
            return (try r.intArrayAttribute("segment_start_step"), try r.stringArrayAttribute("segment_code_version"),
                    try r.stringArrayAttribute("segment_compute"))
        }
        XCTAssertEqual(try segments(s.dir + "/a").starts, [0])
        let resumed = try segments(s.dir + "/r")
        XCTAssertEqual(resumed.starts, [0, 4])
        XCTAssertEqual(Set(resumed.versions), [CodeVersion.current])
        XCTAssertEqual(resumed.computes.count, 2)
        XCTAssertTrue(resumed.computes.allSatisfy { $0.hasPrefix("OpenBLAS threads ") }, "\(resumed.computes)")

        // Time-based checkpoints (0 minutes: after every step) are not part of the configuration:
        // the run stopped after step 5 resumes from step 5 and still ends with the same weights.
        let t1 = try Stages.run("finetune", ["run", "--config", stopCfg, "--output", s.dir + "/t", "--checkpoint-minutes", "0"], environment: env)
        XCTAssertNotEqual(t1.status, 0)
        // A checkpoint from before invocations were recorded (its log without them) still resumes;
        // its steps are marked as made by unrecorded code.
        let logURL = URL(fileURLWithPath: s.dir + "/t/checkpoint/log.json")
        var logJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: logURL)) as? [String: Any])
        XCTAssertNotNil(logJSON.removeValue(forKey: "segments"))
        try JSONSerialization.data(withJSONObject: logJSON).write(to: logURL)
        // --phases (a timer around each phase) prints the split and leaves the numbers alone.
        let t2 = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/t", "--phases"], environment: env)
        XCTAssertEqual(t2.status, 0, t2.stderr)
        XCTAssertTrue(t2.stderr.contains("at step 5"), t2.stderr)
        for phase in ["blocks forward", "head backward", "blocks backward", "optimizer"] {
            XCTAssertTrue(t2.stdout.contains(phase), t2.stdout)
        }
        let old = try segments(s.dir + "/t")
        XCTAssertEqual(old.starts, [0, 5])
        XCTAssertEqual(old.versions, ["unrecorded", CodeVersion.current])
        XCTAssertEqual(try modelBytes(s.dir + "/a"), try modelBytes(s.dir + "/t"))
        XCTAssertNotEqual(try Stages.run("finetune", ["run", "--config", cfg, "--checkpoint-minutes", "-1"]).status, 0)

        // A different configuration refuses the checkpoint.
        let r3 = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/r", "--epochs", "4"], environment: env)
        XCTAssertEqual(r3.status, 1)
        XCTAssertTrue(r3.stderr.contains("different configuration"), r3.stderr)
    }

    /// `finetune bench` on a tiny model: the measurement as a one-row CSV with the phase columns.
    func testBenchWritesCSV() throws {
        let s = try setUp("bench")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let out = s.dir + "/bench/lora.csv"
        let r = try Stages.run("finetune", ["bench", "--model", s.model, "--lora", "--contexts", "2", "--steps", "1", "--phases", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("model,mode,contexts,tokens_per_tree,seconds_per_step,tokens_per_s,effective_gflops,"
                                         + "sgemm_gflops,ratio_to_sgemm,blas_threads,peak_rss_mb,phase_zero_gradients_s,phase_blocks_forward_s"), lines[0])
        let f = lines[1].split(separator: ",").map(String.init)
        XCTAssertEqual(f.count, lines[0].split(separator: ",").count)
        XCTAssertEqual(Array(f[0...2]), ["tiny-model", "lora", "2"])
        XCTAssertGreaterThan(Double(f[4]) ?? 0, 0)
    }

    func testNaNStopsWithStepAndKeepsCheckpoint() throws {
        let s = try setUp("nan")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let cfg = try writeConfig(s, "nan", extra: "inject_nan_at_step: 5")
        let r = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/n"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("step 5 (epoch"), r.stderr)
        XCTAssertTrue(r.stderr.contains("batch"), r.stderr)
        XCTAssertTrue(r.stderr.contains("last good checkpoint (step 4)"), r.stderr)
        let meta = try SafetensorsFile(path: s.dir + "/n/checkpoint/trainable.safetensors").metadata
        XCTAssertEqual(meta["step"], "4")
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.dir + "/n/model"))
    }

    func testLoRAInstructionRun() throws {
        let s = try setUp("lora")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let cfg = try writeConfig(s, "lora", lora: true)
        let r = try Stages.run("finetune", ["run", "--config", cfg, "--output", s.dir + "/l"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("lora mul"), r.stdout)
        let v = try valLoss(s.dir + "/l")
        XCTAssertLessThan(v.last!, v.first!, "\(v)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.dir + "/l/checkpoint"))   // removed after a finished run
        let hfConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.dir + "/l/hf/config.json"))) as? [String: Any]
        XCTAssertEqual(hfConfig?["model_type"] as? String, "llama")
        let m = try loadModel(path: s.dir + "/l/model")
        XCTAssertEqual(m.config.vocabSize, 260)
    }

    func testBadConfigNamesKey() throws {
        let s = try setUp("bad")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let cfg = try writeConfig(s, "bad", extra: "answers_per_context: 0")
        let r = try Stages.run("finetune", ["run", "--config", cfg])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("answers_per_context"), r.stderr)
        // Paper A's SFT task needs the chat prompt and the majority labels.
        for (extra, key) in [("task: labels", "prompt"), ("task: sorting", "task")] {
            let c = try writeConfig(s, "bad-\(key)", extra: extra)
            let rr = try Stages.run("finetune", ["run", "--config", c])
            XCTAssertEqual(rr.status, 1)
            XCTAssertTrue(rr.stderr.contains(key), "\(extra): \(rr.stderr)")
        }
    }
}
