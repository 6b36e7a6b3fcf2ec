import XCTest
import Foundation
import ModelIO
import Models
import Numerics

/// Deterministic pseudo-random numbers for test weights.
struct SeededRNG {
    var s: UInt64
    mutating func uniform() -> Float {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float((s >> 40) % 1_000_000) / 500_000 - 1
    }
}

// MARK: - Straightforward float64 reference forward (naive loops, HF conventions, no shared kernels)

struct RefModel {
    let kind: String           // llama, qwen2, gemma3, gpt2
    let json: [String: Any]
    let w: [String: [Double]]

    func int(_ k: String) -> Int { json[k] as! Int }
    func dbl(_ k: String) -> Double { (json[k] as? Double) ?? Double(json[k] as! Int) }

    func matvec(_ name: String, _ x: [Double], out: Int, bias: String? = nil) -> [Double] {
        let W = w[name]!, n = x.count
        return (0..<out).map { o in
            var s = bias.map { w[$0]![o] } ?? 0
            for i in 0..<n { s += W[o * n + i] * x[i] }
            return s
        }
    }
    /// GPT-2 Conv1D: weight [in, out].
    func conv1d(_ name: String, _ x: [Double], out: Int, bias: String) -> [Double] {
        let W = w[name]!, n = x.count
        return (0..<out).map { o in
            var s = w[bias]![o]
            for i in 0..<n { s += W[i * out + o] * x[i] }
            return s
        }
    }
    func rms(_ x: [Double], _ name: String, eps: Double, plusOne: Bool) -> [Double] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let g = w[name]!
        return x.indices.map { x[$0] / (ms + eps).squareRoot() * (plusOne ? 1 + g[$0] : g[$0]) }
    }
    func layerNorm(_ x: [Double], _ name: String, eps: Double) -> [Double] {
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
        let g = w[name + ".weight"]!, b = w[name + ".bias"]!
        return x.indices.map { (x[$0] - m) / (v + eps).squareRoot() * g[$0] + b[$0] }
    }
    func gelu(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }

    /// Rotates halves (HF rotate_half) of one head vector by pos·invFreq.
    func rope(_ v: [Double], pos: Int, invFreq: [Double]) -> [Double] {
        let half = v.count / 2
        var out = v
        for i in 0..<half {
            let a = Double(pos) * invFreq[i]
            out[i] = v[i] * cos(a) - v[i + half] * sin(a)
            out[i + half] = v[i + half] * cos(a) + v[i] * sin(a)
        }
        return out
    }

    func logits(_ tokens: [Int]) -> [[Double]] {
        let gpt = kind == "gpt2", gemma = kind == "gemma3"
        let C = gpt ? int("n_embd") : int("hidden_size")
        let L = gpt ? int("n_layer") : int("num_hidden_layers")
        let H = gpt ? int("n_head") : int("num_attention_heads")
        let KVH = gpt ? H : int("num_key_value_heads")
        let D = json["head_dim"] as? Int ?? C / H
        let V = int("vocab_size")
        let eps = gpt ? dbl("layer_norm_epsilon") : dbl("rms_norm_eps")
        let T = tokens.count
        let pre = gpt ? "h." : "model.layers."
        // Per-layer RoPE frequencies and windows.
        func invFreq(layer: Int) -> [Double] {
            var base = dbl("rope_theta")
            if gemma, let types = json["layer_types"] as? [String], types[layer] == "sliding_attention" { base = dbl("rope_local_base_freq") }
            var f = (0..<D / 2).map { 1 / pow(base, Double(2 * $0) / Double(D)) }
            if let rs = json["rope_scaling"] as? [String: Any] {  // llama3 rule, from the HF documentation
                let factor = rs["factor"] as! Double, lo = rs["low_freq_factor"] as! Double, hi = rs["high_freq_factor"] as! Double
                let ctx = Double(rs["original_max_position_embeddings"] as! Int)
                f = f.map { fr in
                    let wl = 2 * Double.pi / fr
                    if wl < ctx / hi { return fr }
                    if wl > ctx / lo { return fr / factor }
                    let s = (ctx / wl - lo) / (hi - lo)
                    return (1 - s) * fr / factor + s * fr
                }
            }
            return f
        }
        func window(layer: Int) -> Int {
            if gemma, let types = json["layer_types"] as? [String], types[layer] == "sliding_attention" { return int("sliding_window") }
            return 0
        }
        let scale = gemma ? 1 / dbl("query_pre_attn_scalar").squareRoot() : 1 / Double(D).squareRoot()

        var x: [[Double]] = tokens.enumerated().map { (t, tok) in
            let e = gpt ? w["wte.weight"]! : w["model.embed_tokens.weight"]!
            var row = Array(e[(tok * C)..<((tok + 1) * C)])
            if gemma { row = row.map { $0 * Double(C).squareRoot() } }
            if gpt { let p = w["wpe.weight"]!; for c in 0..<C { row[c] += p[t * C + c] } }
            return row
        }
        for l in 0..<L {
            let p = pre + "\(l)."
            var q: [[Double]] = [], k: [[Double]] = [], v: [[Double]] = []
            for t in 0..<T {
                if gpt {
                    let h = layerNorm(x[t], p + "ln_1", eps: eps)
                    let qkv = conv1d(p + "attn.c_attn.weight", h, out: 3 * C, bias: p + "attn.c_attn.bias")
                    q.append(Array(qkv[0..<C])); k.append(Array(qkv[C..<2 * C])); v.append(Array(qkv[2 * C..<3 * C]))
                } else {
                    let h = rms(x[t], p + "input_layernorm.weight", eps: eps, plusOne: gemma)
                    let hasBias = w[p + "self_attn.q_proj.bias"] != nil
                    var qt = matvec(p + "self_attn.q_proj.weight", h, out: H * D, bias: hasBias ? p + "self_attn.q_proj.bias" : nil)
                    var kt = matvec(p + "self_attn.k_proj.weight", h, out: KVH * D, bias: hasBias ? p + "self_attn.k_proj.bias" : nil)
                    let vt = matvec(p + "self_attn.v_proj.weight", h, out: KVH * D, bias: hasBias ? p + "self_attn.v_proj.bias" : nil)
                    let f = invFreq(layer: l)
                    func perHead(_ a: [Double], _ n: Int, norm: String?) -> [Double] {
                        (0..<n).flatMap { hh -> [Double] in
                            var head = Array(a[(hh * D)..<((hh + 1) * D)])
                            if let norm { head = rms(head, norm, eps: eps, plusOne: true) }
                            return rope(head, pos: t, invFreq: f)
                        }
                    }
                    qt = perHead(qt, H, norm: gemma ? p + "self_attn.q_norm.weight" : nil)
                    kt = perHead(kt, KVH, norm: gemma ? p + "self_attn.k_norm.weight" : nil)
                    q.append(qt); k.append(kt); v.append(vt)
                }
            }
            let win = window(layer: l)
            for t in 0..<T {
                var att = [Double](repeating: 0, count: H * D)
                for hh in 0..<H {
                    let g = hh / (H / KVH)
                    var s = [Double](repeating: -Double.infinity, count: T)
                    for j in 0...t where win == 0 || t - j < win {
                        s[j] = scale * (0..<D).reduce(0) { $0 + q[t][hh * D + $1] * k[j][g * D + $1] }
                    }
                    let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
                    for d in 0..<D { att[hh * D + d] = (0..<T).reduce(0) { $0 + e[$1] / z * v[$1][g * D + d] } }
                }
                var o = gpt ? conv1d(p + "attn.c_proj.weight", att, out: C, bias: p + "attn.c_proj.bias")
                            : matvec(p + "self_attn.o_proj.weight", att, out: C)
                if gemma { o = rms(o, p + "post_attention_layernorm.weight", eps: eps, plusOne: true) }
                for c in 0..<C { x[t][c] += o[c] }
            }
            for t in 0..<T {
                var f: [Double]
                if gpt {
                    let h = layerNorm(x[t], p + "ln_2", eps: eps)
                    let F = w[p + "mlp.c_fc.bias"]!.count
                    let u = conv1d(p + "mlp.c_fc.weight", h, out: F, bias: p + "mlp.c_fc.bias").map(gelu)
                    f = conv1d(p + "mlp.c_proj.weight", u, out: C, bias: p + "mlp.c_proj.bias")
                } else {
                    let F = int("intermediate_size")
                    let h = rms(x[t], p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"), eps: eps, plusOne: gemma)
                    let g = matvec(p + "mlp.gate_proj.weight", h, out: F), u = matvec(p + "mlp.up_proj.weight", h, out: F)
                    let a = (0..<F).map { gemma ? gelu(g[$0]) * u[$0] : g[$0] / (1 + exp(-g[$0])) * u[$0] }
                    f = matvec(p + "mlp.down_proj.weight", a, out: C)
                    if gemma { f = rms(f, p + "post_feedforward_layernorm.weight", eps: eps, plusOne: true) }
                }
                for c in 0..<C { x[t][c] += f[c] }
            }
        }
        return x.map { row in
            let h = gpt ? layerNorm(row, "ln_f", eps: eps) : rms(row, "model.norm.weight", eps: eps, plusOne: gemma)
            let head = w["lm_head.weight"] != nil ? "lm_head.weight" : (gpt ? "wte.weight" : "model.embed_tokens.weight")
            return matvec(head, h, out: V)
        }
    }
}

// MARK: - Tiny models

/// HF config and random HF-named weights for a tiny model of each architecture.
func tinyModel(_ kind: String, seed: UInt64) -> ([String: Any], InMemoryWeights) {
    var rng = SeededRNG(s: seed)
    let src = InMemoryWeights()
    func add(_ name: String, _ shape: [Int], scale: Float = 0.4, offset: Float = 0) {
        src.tensors[name] = (shape, (0..<shape.reduce(1, *)).map { _ in offset + scale * rng.uniform() })
    }
    let V = 40
    var json: [String: Any]
    switch kind {
    case "gpt2":
        let C = 16, F = 40, L = 2
        json = ["model_type": "gpt2", "n_embd": C, "n_layer": L, "n_head": 4, "n_inner": F, "n_positions": 32, "vocab_size": V, "layer_norm_epsilon": 1e-5]
        add("wte.weight", [V, C]); add("wpe.weight", [32, C])
        for l in 0..<L {
            let p = "h.\(l)."
            for n in ["ln_1", "ln_2"] { add(p + n + ".weight", [C], scale: 0.2, offset: 1); add(p + n + ".bias", [C], scale: 0.1) }
            add(p + "attn.c_attn.weight", [C, 3 * C]); add(p + "attn.c_attn.bias", [3 * C], scale: 0.1)
            add(p + "attn.c_proj.weight", [C, C]); add(p + "attn.c_proj.bias", [C], scale: 0.1)
            add(p + "mlp.c_fc.weight", [C, F]); add(p + "mlp.c_fc.bias", [F], scale: 0.1)
            add(p + "mlp.c_proj.weight", [F, C]); add(p + "mlp.c_proj.bias", [C], scale: 0.1)
        }
        add("ln_f.weight", [C], scale: 0.2, offset: 1); add("ln_f.bias", [C], scale: 0.1)
        return (json, src)
    case "llama":
        json = ["model_type": "llama", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 24, "rms_norm_eps": 1e-5,
                "rope_theta": 10000.0, "vocab_size": V, "tie_word_embeddings": true,
                "rope_scaling": ["rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                 "original_max_position_embeddings": 64] as [String: Any]]
    case "qwen2":
        json = ["model_type": "qwen2", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "intermediate_size": 24, "rms_norm_eps": 1e-6, "rope_theta": 1_000_000.0,
                "vocab_size": V, "tie_word_embeddings": false, "use_sliding_window": false, "sliding_window": 4]
    default:  // gemma3
        json = ["model_type": "gemma3_text", "hidden_size": 16, "num_hidden_layers": 3, "num_attention_heads": 2,
                "num_key_value_heads": 1, "head_dim": 12, "intermediate_size": 24, "rms_norm_eps": 1e-6,
                "rope_theta": 1_000_000.0, "rope_local_base_freq": 10000.0, "sliding_window": 4,
                "layer_types": ["sliding_attention", "sliding_attention", "full_attention"],
                "query_pre_attn_scalar": 10, "vocab_size": V]
    }
    let C = json["hidden_size"] as! Int, L = json["num_hidden_layers"] as! Int, H = json["num_attention_heads"] as! Int
    let KVH = json["num_key_value_heads"] as! Int, D = json["head_dim"] as? Int ?? C / H, F = json["intermediate_size"] as! Int
    let gemma = kind == "gemma3"
    // Gemma stores w for a (1 + w) norm; the others store the multiplier itself.
    let normOffset: Float = gemma ? 0 : 1
    add("model.embed_tokens.weight", [V, C], scale: gemma ? 0.1 : 0.4)
    for l in 0..<L {
        let p = "model.layers.\(l)."
        add(p + "input_layernorm.weight", [C], scale: 0.2, offset: normOffset)
        add(p + "post_attention_layernorm.weight", [C], scale: 0.2, offset: normOffset)
        add(p + "self_attn.q_proj.weight", [H * D, C]); add(p + "self_attn.k_proj.weight", [KVH * D, C])
        add(p + "self_attn.v_proj.weight", [KVH * D, C]); add(p + "self_attn.o_proj.weight", [C, H * D])
        add(p + "mlp.gate_proj.weight", [F, C]); add(p + "mlp.up_proj.weight", [F, C]); add(p + "mlp.down_proj.weight", [C, F])
        if kind == "qwen2" {
            add(p + "self_attn.q_proj.bias", [H * D]); add(p + "self_attn.k_proj.bias", [KVH * D]); add(p + "self_attn.v_proj.bias", [KVH * D])
        }
        if gemma {
            add(p + "self_attn.q_norm.weight", [D], scale: 0.2); add(p + "self_attn.k_norm.weight", [D], scale: 0.2)
            add(p + "pre_feedforward_layernorm.weight", [C], scale: 0.2); add(p + "post_feedforward_layernorm.weight", [C], scale: 0.2)
        }
    }
    add("model.norm.weight", [C], scale: 0.2, offset: normOffset)
    if kind == "qwen2" { add("lm_head.weight", [V, C]) }
    return (json, src)
}

let tinyTokens = [3, 17, 5, 39, 0, 22, 8, 8, 31, 12, 7]

final class TinyModelTests: XCTestCase {
    /// Our float32 forward vs the float64 reference on a random tiny model.
    func compare(_ kind: String) throws {
        let (json, src) = tinyModel(kind, seed: 42)
        let model = try loadModel(hfWeights: src, config: json, configPath: "<\(kind) config>")
        let ref = RefModel(kind: kind, json: json, w: src.tensors.mapValues { $0.1.map(Double.init) }).logits(tinyTokens)
        let got = try model.forward(tokens: tinyTokens.map(Int32.init), cache: model.makeCache(), logitRows: .all)
        let V = model.vocabSize
        var maxDiff = 0.0
        for t in 0..<tinyTokens.count { for v in 0..<V { maxDiff = max(maxDiff, abs(Double(got[t * V + v]) - ref[t][v])) } }
        print("TINY \(kind): max |logit diff| vs float64 reference \(maxDiff)")
        XCTAssertLessThan(maxDiff, 2e-5, kind)
        // The reference is not degenerate: logits vary across positions.
        XCTAssertGreaterThan(abs(ref[0][0] - ref[5][0]), 1e-3)
    }

    func testLlamaAgainstFloat64Reference() throws { try compare("llama") }
    func testQwen2AgainstFloat64Reference() throws { try compare("qwen2") }
    func testGemma3AgainstFloat64Reference() throws { try compare("gemma3") }
    func testGPT2AgainstFloat64Reference() throws { try compare("gpt2") }

    /// llama.cpp permutes llama q/k rows so RoPE pairs become adjacent; loading the permuted
    /// weights under GGUF names with the interleaved layout must give the same model.
    func testLlamaGGUFPermutedLayoutMatchesHF() throws {
        let (json, src) = tinyModel("llama", seed: 7)
        let hf = try loadModel(hfWeights: src, config: json, configPath: "<llama>")
        let g = InMemoryWeights()
        let c = hf.config, D = c.headDim
        /// HF row (head, j·D/2 + i) → GGUF row (head, 2i + j).
        func permute(_ w: [Float], heads: Int) -> [Float] {
            var out = w
            let C = c.dModel
            for h in 0..<heads { for i in 0..<D / 2 { for j in 0..<2 {
                let from = h * D + j * D / 2 + i, to = h * D + 2 * i + j
                for x in 0..<C { out[to * C + x] = w[from * C + x] }
            } } }
            return out
        }
        g.tensors["token_embd.weight"] = src.tensors["model.embed_tokens.weight"]
        g.tensors["output_norm.weight"] = src.tensors["model.norm.weight"]
        for l in 0..<c.nLayers {
            let p = "model.layers.\(l).", b = "blk.\(l)."
            let map = ["input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
                       "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
                       "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"]
            for (from, to) in map { g.tensors[b + to] = src.tensors[p + from] }
            let q = src.tensors[p + "self_attn.q_proj.weight"]!, k = src.tensors[p + "self_attn.k_proj.weight"]!
            g.tensors[b + "attn_q.weight"] = (q.0, permute(q.1, heads: c.nHeads))
            g.tensors[b + "attn_k.weight"] = (k.0, permute(k.1, heads: c.nKVHeads))
        }
        var gc = c
        gc.ropeLayout = .interleaved
        let gm = try loadModel(weights: g, config: gc, naming: .gguf)
        let toks = tinyTokens.map(Int32.init)
        let a = try hf.forward(tokens: toks, cache: hf.makeCache()), b = try gm.forward(tokens: toks, cache: gm.makeCache())
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5)
        // And the wrong layout is detectably wrong (the test can fail).
        gc.ropeLayout = .neox
        let wrong = try loadModel(weights: g, config: gc, naming: .gguf)
        let w = try wrong.forward(tokens: toks, cache: wrong.makeCache())
        XCTAssertGreaterThan(zip(a, w).map { abs($0 - $1) }.max()!, 1e-3)
    }

    /// GGUF gpt2 stores the fused qkv as [3C, C] (out, in); HF as Conv1D [C, 3C].
    func testGPT2GGUFNamingMatchesHF() throws {
        let (json, src) = tinyModel("gpt2", seed: 9)
        let hf = try loadModel(hfWeights: src, config: json, configPath: "<gpt2>")
        let c = hf.config
        func tr(_ t: ([Int], [Float])) -> ([Int], [Float]) {
            let r = t.0[0], k = t.0[1]
            var out = [Float](repeating: 0, count: r * k)
            for i in 0..<r { for j in 0..<k { out[j * r + i] = t.1[i * k + j] } }
            return ([k, r], out)
        }
        let g = InMemoryWeights()
        g.tensors["token_embd.weight"] = src.tensors["wte.weight"]; g.tensors["position_embd.weight"] = src.tensors["wpe.weight"]
        g.tensors["output_norm.weight"] = src.tensors["ln_f.weight"]; g.tensors["output_norm.bias"] = src.tensors["ln_f.bias"]
        for l in 0..<c.nLayers {
            let p = "h.\(l).", b = "blk.\(l)."
            for (from, to) in [("ln_1", "attn_norm"), ("ln_2", "ffn_norm")] {
                g.tensors[b + to + ".weight"] = src.tensors[p + from + ".weight"]; g.tensors[b + to + ".bias"] = src.tensors[p + from + ".bias"]
            }
            for (from, to) in [("attn.c_attn", "attn_qkv"), ("attn.c_proj", "attn_output"), ("mlp.c_fc", "ffn_up"), ("mlp.c_proj", "ffn_down")] {
                g.tensors[b + to + ".weight"] = tr(src.tensors[p + from + ".weight"]!); g.tensors[b + to + ".bias"] = src.tensors[p + from + ".bias"]
            }
        }
        let gm = try loadModel(weights: g, config: c, naming: .gguf)
        let toks = tinyTokens.map(Int32.init)
        let a = try hf.forward(tokens: toks, cache: hf.makeCache()), b = try gm.forward(tokens: toks, cache: gm.makeCache())
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5)
    }

    /// Prefill in pieces, token-by-token decoding, truncate and fork all agree with one batched prefill.
    func testKVCacheIncrementalTruncateFork() throws {
        for kind in ["gemma3", "qwen2"] {  // gemma3 exercises the sliding window across calls
            let (json, src) = tinyModel(kind, seed: 3)
            let m = try loadModel(hfWeights: src, config: json, configPath: "<\(kind)>")
            let toks = tinyTokens.map(Int32.init), V = m.vocabSize
            let full = try m.forward(tokens: toks, cache: m.makeCache())
            let cache = m.makeCache(capacity: 1)  // forces growth
            var pieces = try m.forward(tokens: Array(toks[0..<4]), cache: cache)
            for t in 4..<toks.count { pieces += try m.forward(tokens: [toks[t]], cache: cache) }
            XCTAssertEqual(cache.count, toks.count)
            XCTAssertLessThan(zip(full, pieces).map { abs($0 - $1) }.max()!, 1e-5, kind)

            // Truncate back to 6 tokens and continue with a different suffix; compare with a fresh run.
            let fork = cache.fork()
            cache.truncate(to: 6)
            let alt: [Int32] = [1, 2, 3]
            let cont = try m.forward(tokens: alt, cache: cache)
            let fresh = try m.forward(tokens: Array(toks[0..<6]) + alt, cache: m.makeCache())
            XCTAssertLessThan(zip(cont, fresh[(6 * V)...]).map { abs($0 - $1) }.max()!, 1e-5)
            // The fork kept the original continuation.
            XCTAssertEqual(fork.count, toks.count)
            let next1 = try m.forward(tokens: [5], cache: fork)
            let next2 = try m.forward(tokens: toks + [5], cache: m.makeCache(), logitRows: .last)
            XCTAssertLessThan(zip(next1, next2).map { abs($0 - $1) }.max()!, 1e-5)
        }
    }

    /// A batch of sequences with different histories and lengths gives the same results as
    /// running each sequence alone.
    func testBatchedSequencesMatchSingleRuns() throws {
        for kind in ["gemma3", "gpt2", "llama"] {
            let (json, src) = tinyModel(kind, seed: 17)
            let m = try loadModel(hfWeights: src, config: json, configPath: "<\(kind)>")
            let histories: [[Int32]] = [[1, 2, 3, 4, 5], [], [9, 8]]
            let news: [[Int32]] = [[6, 7], [10, 11, 12, 13, 14, 15], [20]]
            var batchCaches: [KVCache] = [], soloCaches: [KVCache] = []
            for hist in histories {
                let a = m.makeCache(), b = m.makeCache()
                if !hist.isEmpty { _ = try m.forward(tokens: hist, cache: a, logitRows: .none); _ = try m.forward(tokens: hist, cache: b, logitRows: .none) }
                batchCaches.append(a); soloCaches.append(b)
            }
            let batched = try m.hiddenStates(batch: (0..<3).map { SequenceInput(tokens: news[$0], cache: batchCaches[$0]) })
            let solo = try (0..<3).flatMap { try m.hiddenStates(tokens: news[$0], cache: soloCaches[$0]) }
            XCTAssertLessThan(zip(batched, solo).map { abs($0 - $1) }.max()!, 1e-5, kind)
            // One decode step for all three, then compare with single steps.
            let step = try m.decodeStep(tokens: [3, 4, 5], caches: batchCaches)
            let singles = try (0..<3).flatMap { try m.forward(tokens: [Int32(3 + $0)], cache: soloCaches[$0]) }
            XCTAssertLessThan(zip(step, singles).map { abs($0 - $1) }.max()!, 1e-5, kind)
            XCTAssertEqual(batchCaches.map(\.count), [8, 7, 4])
        }
        let (json, src) = tinyModel("llama", seed: 1)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<llama>")
        let c = m.makeCache()
        XCTAssertThrowsError(try m.decodeStep(tokens: [1, 2], caches: [c, c]))
    }

    func testBadInputsThrowClearErrors() throws {
        let (json, src) = tinyModel("llama", seed: 1)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<llama>")
        XCTAssertThrowsError(try m.forward(tokens: [1, 40], cache: m.makeCache())) { e in
            XCTAssertTrue("\(e)".contains("token id 40"), "\(e)")
        }
        XCTAssertThrowsError(try m.logits(hidden: [Float](repeating: 0, count: 16), rows: [1]))
        // A tensor with the wrong shape names the tensor.
        src.tensors["model.layers.1.mlp.up_proj.weight"]!.0 = [25, 16]
        XCTAssertThrowsError(try loadModel(hfWeights: src, config: json, configPath: "<llama>")) { e in
            XCTAssertTrue("\(e)".contains("model.layers.1.mlp.up_proj.weight"), "\(e)")
        }
        var bad = json
        bad["num_key_value_heads"] = 3
        XCTAssertThrowsError(try ModelConfig(hf: bad, path: "cfg.json")) { e in XCTAssertTrue("\(e)".contains("cfg.json"), "\(e)") }
        var capped = tinyModel("gemma3", seed: 1).0
        capped["final_logit_softcapping"] = 30.0
        XCTAssertThrowsError(try ModelConfig(hf: capped, path: "cfg.json")) { e in XCTAssertTrue("\(e)".contains("final_logit_softcapping"), "\(e)") }
        capped["final_logit_softcapping"] = NSNull()
        XCTAssertNoThrow(try ModelConfig(hf: capped, path: "cfg.json"))
        bad["model_type"] = "mamba"
        XCTAssertThrowsError(try ModelConfig(hf: bad, path: "cfg.json")) { e in XCTAssertTrue("\(e)".contains("mamba"), "\(e)") }
    }

    /// Gemma-3 per-layer settings from an HF config: local/global pattern, bases, windows, scale.
    func testGemma3ConfigFromHF() throws {
        let (json, _) = tinyModel("gemma3", seed: 1)
        let c = try ModelConfig(hf: json, path: "cfg")
        XCTAssertEqual(c.layerWindow, [4, 4, 0])
        XCTAssertEqual(c.layerRopeBase, [10000, 10000, 1_000_000])
        XCTAssertEqual(c.queryScale, 1 / Float(10).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(c.embeddingScale, 4)
        XCTAssertTrue(c.tiedEmbeddings)
    }
}

final class HFDirectoryTests: XCTestCase {
    /// A tiny model written as a Hugging Face directory (config.json + model.safetensors) loads
    /// through `loadModel(path:)` and computes the same logits as the in-memory weights.
    func testLoadHFDirectoryEndToEnd() throws {
        for kind in ["gemma3", "gpt2"] {
            let (json, src) = tinyModel(kind, seed: 13)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-models-\(getpid())-\(kind)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/config.json"))
            try SafetensorsWriter.write(src.tensors.map { SafetensorsWriter.Tensor(name: $0.key, shape: $0.value.0, values: $0.value.1) },
                                        to: dir + "/model.safetensors")
            let a = try loadModel(path: dir)
            let b = try loadModel(hfWeights: src, config: json, configPath: "<mem>")
            let toks = tinyTokens.map(Int32.init)
            XCTAssertEqual(try a.forward(tokens: toks, cache: a.makeCache()), try b.forward(tokens: toks, cache: b.makeCache()), kind)
        }
        XCTAssertThrowsError(try loadModel(path: "/nonexistent/model.gguf")) { e in XCTAssertTrue("\(e)".contains("/nonexistent/model.gguf")) }
    }
}
