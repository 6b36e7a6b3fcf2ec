import TestSupport
import Foundation
import XCTest
import ModelIO
import Numerics
import Training

// The BERT encoder: gradients against finite differences of a float64 re-implementation
// (written here from GradCheck's reference layers), batching, and the forward against
// scripts/bert-reference.py (numpy) on a tiny random BERT and on all-MiniLM-L6-v2.

func refGeluErf(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

/// Float64 BERT forward over a batch (each sequence on its own, positions from 0), from the
/// parameters by HF name (no dropout).
func refBert(_ w: [String: [Double]], _ c: BertConfig, _ batch: EncoderBatch) -> [Double] {
    let C = c.hiddenSize, F = c.intermediateSize, T = batch.T
    var e = [Double](repeating: 0, count: T * C)
    var t = 0
    for n in batch.lengths {
        for i in 0..<n {
            let tok = Int(batch.tokens[t]), ty = Int(batch.tokenTypes[t])
            for j in 0..<C {
                e[t * C + j] = w["embeddings.word_embeddings.weight"]![tok * C + j]
                    + w["embeddings.position_embeddings.weight"]![i * C + j] + w["embeddings.token_type_embeddings.weight"]![ty * C + j]
            }
            t += 1
        }
    }
    let eps = Double(c.eps)
    var x = refLayerNorm(e, w["embeddings.LayerNorm.weight"]!, w["embeddings.LayerNorm.bias"]!, T: T, C: C, eps: eps).y
    for l in 0..<c.layers {
        func p(_ s: String) -> [Double] { w["encoder.layer.\(l).\(s)"]! }
        func lin(_ inp: [Double], _ s: String, _ i: Int, _ o: Int) -> [Double] {
            refLinear(inp, p(s + ".weight"), p(s + ".bias"), T: T, inDim: i, outDim: o)
        }
        let q = lin(x, "attention.self.query", C, C), k = lin(x, "attention.self.key", C, C), v = lin(x, "attention.self.value", C, C)
        var att = [Double]()
        var o0 = 0
        for n in batch.lengths {
            let r = (o0 * C)..<((o0 + n) * C)
            att += refAttention(q: Array(q[r]), k: Array(k[r]), v: Array(v[r]), allowed: [UInt8](repeating: 1, count: n * n), T: n,
                                nHeads: c.heads, nKV: c.heads, hd: c.headDim, scale: 1 / Double(c.headDim).squareRoot())
            o0 += n
        }
        let o = lin(att, "attention.output.dense", C, C)
        let a = refLayerNorm(zip(x, o).map(+), p("attention.output.LayerNorm.weight"), p("attention.output.LayerNorm.bias"),
                             T: T, C: C, eps: eps).y
        let m = lin(lin(a, "intermediate.dense", C, F).map(refGeluErf), "output.dense", F, C)
        x = refLayerNorm(zip(a, m).map(+), p("output.LayerNorm.weight"), p("output.LayerNorm.bias"), T: T, C: C, eps: eps).y
    }
    return x
}

final class BertEncoderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let tiny = BertConfig(vocabSize: 50, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 10,
                                 typeVocabSize: 2, eps: 1e-12)

    /// Two sequences (lengths 5 and 3), the second a sentence pair with token types 1.
    static func tinyBatch() throws -> EncoderBatch {
        try EncoderBatch(tokens: [1, 7, 7, 42, 2, 1, 13, 2], tokenTypes: [0, 0, 0, 0, 0, 0, 1, 1], lengths: [5, 3])
    }

    /// A tiny encoder with all parameters drawn well away from BERT's init (matrices ±0.5,
    /// LN weights 1 ± 0.3, biases ±0.2), so attention is far from uniform and every term shows.
    static func tinyEncoder(seed: UInt64 = 7) throws -> BertEncoder {
        let enc = try BertEncoder(config: tiny, seed: seed)
        for (i, p) in enc.parameters.enumerated() {
            let r = randomDoubles(p.count, seed: seed &* 1000 &+ UInt64(i))
            if p.name.hasSuffix("LayerNorm.weight") { try p.setValues(f32(r.map { 1 + 0.3 * $0 })) }
            else if p.name.hasSuffix("bias") { try p.setValues(f32(r.map { 0.2 * $0 })) }
            else { try p.setValues(f32(r.map { 0.5 * $0 })) }
        }
        return enc
    }

    func testGeluErfForwardAndBackward() {
        let N = 40
        let x = randomDoubles(N, seed: 70, scale: 4), dout = randomDoubles(N, seed: 71)
        var y = [Float](repeating: 0, count: N)
        geluErfForward(out: &y, inp: f32(x), N: N)
        assertGradient(y, x.map { refGeluErf(Double(Float($0))) }, tol: 1e-6, "gelu erf forward")
        // Differs from the tanh approximation (so the right one is used).
        XCTAssertGreaterThan(abs(Double(geluErf(-1.5)) - refGeluTanh(-1.5)), 1e-4)
        var dx = [Float](repeating: 0.5, count: N)     // accumulates
        geluErfBackward(dinp: &dx, dout: f32(dout), inp: f32(x), N: N)
        assertGradient(dx, numericGradient(x) { dot(dout, $0.map(refGeluErf)) }.map { $0 + 0.5 }, tol: 1e-5, "gelu erf dinp")
        // The chunked path (N above one chunk) gives the same values as the serial one.
        let big = 70_000
        let xb = (0..<big).map { Float($0 % 997) / 100 - 5 }
        var yb = [Float](repeating: 0, count: big), db = yb
        geluErfForward(out: &yb, inp: xb, N: big)
        geluErfBackward(dinp: &db, dout: [Float](repeating: 1, count: big), inp: xb, N: big)
        XCTAssertEqual(yb[69_999], geluErf(xb[69_999]))
        XCTAssertEqual(db[123], db[123 + 997 * 60])
    }

    func testBertGradientsMatchFiniteDifferences() throws {
        let enc = try Self.tinyEncoder(), batch = try Self.tinyBatch(), c = Self.tiny
        let dHidden = randomDoubles(batch.T * c.hiddenSize, seed: 80)
        let hidden = try enc.forward(batch, training: true)
        var w = Dictionary(uniqueKeysWithValues: enc.parameters.map { ($0.name, f64($0.values)) })
        assertGradient(hidden, refBert(w, c, batch), tol: 1e-5, "tiny BERT forward vs float64")
        try enc.backward(dHidden: f32(dHidden))

        var rng = SplitMix64(seed: 81)
        var worst = 0.0, checked = 0
        for p in enc.parameters {
            // Entries to check: random ones, in rows the batch uses for the embedding tables.
            let C = c.hiddenSize
            let rows: [Int]? = p.name.contains("word_embeddings") ? batch.tokens.map { Int($0) }
                : p.name.contains("position_embeddings") ? Array(0..<5) : nil
            let idx: [Int] = (0..<8).map { _ in
                if let rows { return rows[Int(rng.next() % UInt64(rows.count))] * C + Int(rng.next() % UInt64(C)) }
                return Int(rng.next() % UInt64(p.count))
            }
            let base = w[p.name]!
            var ref: [Double] = [], got: [Float] = []
            for i in idx {
                let h = 1e-5
                w[p.name]![i] = base[i] + h; let fp = dot(dHidden, refBert(w, c, batch))
                w[p.name]![i] = base[i] - h; let fm = dot(dHidden, refBert(w, c, batch))
                w[p.name]![i] = base[i]
                ref.append((fp - fm) / (2 * h)); got.append(p.grad[i])
            }
            if p.name.hasSuffix("attention.self.key.bias") {
                // q·(k + b) shifts a query's scores by the same q·b: softmax ignores it, the gradient is 0.
                XCTAssertLessThan(got.map { abs($0) }.max()!, 1e-5, p.name)
                XCTAssertLessThan(ref.map { abs($0) }.max()!, 1e-6, p.name)
                continue
            }
            assertGradient(got, ref, tol: 1e-3, p.name)
            let scale = ref.map { abs($0) }.max()!
            for (g, r) in zip(got, ref) { worst = max(worst, abs(Double(g) - r) / scale) }
            checked += idx.count
        }
        print("BERT gradient check: \(checked) entries of \(enc.parameters.count) tensors, max error \(worst) of each tensor's largest gradient")
        // Rows of tokens the batch does not use get no gradient; a second backward accumulates.
        XCTAssertTrue(enc.parameters[0].grad[(3 * c.hiddenSize)..<(4 * c.hiddenSize)].allSatisfy { $0 == 0 })
        let once = enc.parameters[6].gradient
        try enc.backward(dHidden: f32(dHidden))
        for (a, b) in zip(enc.parameters[6].gradient, once) { XCTAssertEqual(a, 2 * b, accuracy: 1e-5 * max(1, abs(b))) }
    }

    /// With dropout the backward must apply the forward's masks: a directional derivative (along a
    /// random direction over every parameter) of the encoder's own float32 forward, replayed with
    /// the same seed and step so the masks are the same, against the backward's gradients.
    func testBertGradientsWithDropout() throws {
        let enc = try Self.tinyEncoder(seed: 9), batch = try Self.tinyBatch(), c = Self.tiny
        enc.hiddenDropout = 0.3
        let dHidden = randomDoubles(batch.T * c.hiddenSize, seed: 90)
        let seed: UInt64 = 1234
        enc.dropoutStep = 5
        let hidden = try enc.forward(batch, training: true, dropoutSeed: seed)
        XCTAssertEqual(enc.dropoutStep, 6)
        try enc.backward(dHidden: f32(dHidden))
        // Reproducible: the same seed and step give the same hidden states, another step does not.
        enc.dropoutStep = 5
        let again = try enc.forward(batch, training: false)
        XCTAssertEqual(enc.dropoutStep, 5, "inference does not advance the step")
        XCTAssertNotEqual(again, hidden, "inference applies no dropout")
        XCTAssertEqual(try enc.forward(batch, training: true, dropoutSeed: seed), hidden)
        XCTAssertNotEqual(try enc.forward(batch, training: true, dropoutSeed: seed), hidden)

        // Directional derivative along a random direction over all parameters, float32 forward.
        let dirs = enc.parameters.enumerated().map { randomDoubles($0.element.count, seed: 900 + UInt64($0.offset)) }
        var analytic = 0.0
        for (p, d) in zip(enc.parameters, dirs) { for i in 0..<p.count { analytic += Double(p.grad[i]) * d[i] } }
        let originals = enc.parameters.map(\.values)
        func loss(_ eps: Double) throws -> Double {
            for ((p, d), v) in zip(zip(enc.parameters, dirs), originals) {
                try p.setValues(zip(v, d).map { Float(Double($0) + eps * $1) })
            }
            enc.dropoutStep = 5
            return dot(dHidden, f64(try enc.forward(batch, training: true, dropoutSeed: seed)))
        }
        let h = 1e-3
        let numeric = (try loss(h) - loss(-h)) / (2 * h)
        _ = try loss(0)
        print("BERT dropout directional derivative: backward \(analytic), finite differences \(numeric)")
        XCTAssertEqual(analytic, numeric, accuracy: 2e-3 * abs(numeric))
        // And the same gradient without the masks is clearly different (the check has teeth).
        let enc0 = try Self.tinyEncoder(seed: 9)
        _ = try enc0.forward(batch, training: true)
        try enc0.backward(dHidden: f32(dHidden))
        var unmasked = 0.0
        for (p, d) in zip(enc0.parameters, dirs) { for i in 0..<p.count { unmasked += Double(p.grad[i]) * d[i] } }
        XCTAssertGreaterThan(abs(unmasked - numeric), 0.05 * abs(numeric))
    }

    func testDropoutKernel() {
        let N = 100_000, p: Float = 0.25
        var x = [Float](repeating: 1, count: N)
        dropoutForward(x: &x, N: N, p: p, seed: 5)
        let dropped = x.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / Double(N), 0.25, accuracy: 0.01)
        XCTAssertTrue(x.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        var g = [Float](repeating: 2, count: N)
        dropoutBackward(dx: &g, N: N, p: p, seed: 5)
        for i in stride(from: 0, to: N, by: 997) { XCTAssertEqual(g[i], 2 * x[i]) }
    }

    func testBertSequencesAreIndependentInABatch() throws {
        let enc = try Self.tinyEncoder(seed: 11), C = Self.tiny.hiddenSize
        let seqs: [([Int32], [Int32])] = [([1, 5, 9, 33, 2], [0, 0, 0, 0, 0]), ([1, 8, 2], [0, 1, 1]),
                                          ([1, 4, 4, 4, 17, 21, 2], [0, 0, 0, 1, 1, 1, 1]), ([3], [0])]
        let batch = try EncoderBatch(tokens: seqs.flatMap(\.0), tokenTypes: seqs.flatMap(\.1), lengths: seqs.map(\.0.count))
        let all = try enc.forward(batch, training: false)
        var worst: Float = 0, o = 0
        for s in seqs {
            let alone = try enc.forward(try EncoderBatch(tokens: s.0, tokenTypes: s.1, lengths: [s.0.count]), training: false)
            for i in 0..<alone.count { worst = max(worst, abs(alone[i] - all[o * C + i])) }
            o += s.0.count
        }
        XCTAssertLessThan(worst, 1e-5)
        // Training and inference forwards agree without dropout.
        XCTAssertEqual(try enc.forward(batch, training: true), all)
    }

    func testBertMatchesNumpyTinyFixture() throws {
        let dir = Self.fixtures.appendingPathComponent("tiny-bert").path
        let enc = try BertEncoder(directory: dir, trainable: false)
        XCTAssertEqual(enc.config, BertConfig(vocabSize: 40, hiddenSize: 16, layers: 2, heads: 4, intermediateSize: 24,
                                              maxPositions: 12, typeVocabSize: 2, eps: 1e-12))
        // The fixture stores `bert.`-prefixed names and a pooler, as a classification checkpoint does.
        XCTAssertEqual(enc.parameters.count, 5 + 2 * 16)
        XCTAssertEqual(enc.parameters[0].name, "embeddings.word_embeddings.weight")
        XCTAssertFalse(enc.parameters.contains { $0.name.hasPrefix("bert.") || $0.name.hasPrefix("pooler") })
        for p in enc.parameters {
            XCTAssertEqual(p.weightDecay, !(p.name.hasSuffix(".bias") || p.name.hasSuffix("LayerNorm.weight")), p.name)
            XCTAssertNil(p.gradPointer)
        }
        XCTAssertEqual(enc.checkpointHiddenDropout, 0.1)
        XCTAssertEqual(enc.hiddenDropout, 0)
        XCTAssertTrue(enc.parameter(named: "encoder.layer.1.output.LayerNorm.bias") === enc.parameters.last)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("tiny-bert/expected.json"))) as! [String: Any]
        let seqs = json["sequences"] as! [[String: Any]]
        let toks = seqs.map { ($0["tokens"] as! [Int]).map(Int32.init) }, types = seqs.map { ($0["types"] as! [Int]).map(Int32.init) }
        let want = seqs.flatMap { $0["hidden"] as! [Double] }
        let batch = try EncoderBatch(tokens: toks.flatMap { $0 }, tokenTypes: types.flatMap { $0 }, lengths: toks.map(\.count))
        let got = try enc.forward(batch, training: false)
        XCTAssertEqual(got.count, want.count)
        let diff = zip(got, want).map { abs(Double($0) - $1) }.max()!
        print("tiny BERT vs numpy: \(got.count) values, max |Δ| = \(diff)")
        XCTAssertLessThan(diff, 1e-4)
    }

    func testBertMatchesNumpyMiniLM() throws {
        let dir = TestPaths.models + "/all-MiniLM-L6-v2"
        guard FileManager.default.fileExists(atPath: dir) else { throw XCTSkip("\(dir) not present") }
        let enc = try BertEncoder(directory: dir, trainable: false)
        XCTAssertEqual(enc.config, BertConfig(vocabSize: 30522, hiddenSize: 384, layers: 6, heads: 12, intermediateSize: 1536,
                                              maxPositions: 512, typeVocabSize: 2, eps: 1e-12))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("minilm-reference.json"))) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        let toks = cases.map { ($0["tokens"] as! [Int]).map(Int32.init) }, types = cases.map { ($0["types"] as! [Int]).map(Int32.init) }
        let batch = try EncoderBatch(tokens: toks.flatMap { $0 }, tokenTypes: types.flatMap { $0 }, lengths: toks.map(\.count))
        let got = try enc.forward(batch, training: false)
        let C = 384
        var worst = 0.0, n = 0, o = 0
        func compare(_ a: [Float], _ b: [Double]) {
            XCTAssertEqual(a.count, b.count)
            for (x, y) in zip(a, b) { worst = max(worst, abs(Double(x) - y)); n += 1 }
        }
        for (c, t) in zip(cases, toks) {
            let h = (0..<t.count).map { Array(got[((o + $0) * C)..<((o + $0 + 1) * C)]) }
            compare(h[0], c["cls"] as! [Double])
            compare((0..<C).map { j in Float(h.reduce(0.0) { $0 + Double($1[j]) } / Double(t.count)) }, c["mean"] as! [Double])
            for (r, want) in c["rows"] as! [String: [Double]] { compare(h[Int(r)!], want) }
            o += t.count
        }
        print("all-MiniLM-L6-v2 vs numpy: \(n) values, max |Δ| = \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    /// Forward time of all-MiniLM-L6-v2 on 32 sequences of 64 tokens (and a training step's
    /// forward + backward); only with DISTLAB_BERT_BENCH=1 (meaningful in release builds).
    func testBertMiniLMSpeed() throws {
        guard ProcessInfo.processInfo.environment["DISTLAB_BERT_BENCH"] == "1" else { throw XCTSkip("set DISTLAB_BERT_BENCH=1") }
        let dir = TestPaths.models + "/all-MiniLM-L6-v2"
        let enc = try BertEncoder(directory: dir)
        var rng = SplitMix64(seed: 1)
        let B = 32, L = 64
        let tokens = (0..<(B * L)).map { _ in Int32(1000 + rng.next() % 20000) }
        let batch = try EncoderBatch(tokens: tokens, tokenTypes: [Int32](repeating: 0, count: B * L), lengths: [Int](repeating: L, count: B))
        _ = try enc.forward(batch, training: false)
        var t0 = Date()
        _ = try enc.forward(batch, training: false)
        let fwd = Date().timeIntervalSince(t0)
        enc.hiddenDropout = 0.1
        try enc.backward(dHidden: try enc.forward(batch, training: true))   // allocates the training buffers
        t0 = Date()
        let h = try enc.forward(batch, training: true)
        let tf = Date().timeIntervalSince(t0)
        t0 = Date()
        try enc.backward(dHidden: h)
        let tb = Date().timeIntervalSince(t0)
        print(String(format: "MiniLM 32×64: inference forward %.3f s; training forward %.3f s, backward %.3f s", fwd, tf, tb))
    }

    func testBertSaveLoadRoundTrip() throws {
        let a = try Self.tinyEncoder(seed: 3), b = try BertEncoder(config: Self.tiny, seed: 4)
        let path = NSTemporaryDirectory() + "bert-roundtrip-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.save(path: path, metadata: ["step": "12"])
        XCTAssertEqual(try SafetensorsFile(path: path).metadata["step"], "12")
        let batch = try Self.tinyBatch()
        XCTAssertNotEqual(try b.forward(batch, training: false), try a.forward(batch, training: false))
        try b.load(path: path)
        XCTAssertEqual(try b.forward(batch, training: false), try a.forward(batch, training: false))
        // A file for another size names the tensor and the shapes.
        let other = try BertEncoder(config: BertConfig(vocabSize: 50, hiddenSize: 8, layers: 2, heads: 2, intermediateSize: 32,
                                                       maxPositions: 10, typeVocabSize: 2, eps: 1e-12), seed: 1)
        XCTAssertThrowsError(try other.load(path: path)) { e in
            XCTAssertTrue("\(e)".contains("embeddings.word_embeddings.weight") && "\(e)".contains(path), "\(e)")
        }
        // Random init is deterministic and BERT-like.
        let c = try BertEncoder(config: Self.tiny, seed: 4)
        for (p, q) in zip(b.parameters, c.parameters) where p.name.hasPrefix("encoder.layer.1") { XCTAssertNotEqual(p.values, q.values) }
        let d = try BertEncoder(config: Self.tiny, seed: 4)
        XCTAssertEqual(c.parameters.map(\.values), d.parameters.map(\.values))
        let w = c.parameters[0].values.map(Double.init)
        let std = (w.reduce(0) { $0 + $1 * $1 } / Double(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.002)
        XCTAssertTrue(c.parameters[3].values.allSatisfy { $0 == 1 } && c.parameters[4].values.allSatisfy { $0 == 0 })
    }

    func testBertErrors() throws {
        // Batches.
        XCTAssertThrowsError(try EncoderBatch(tokens: [1, 2], tokenTypes: [0], lengths: [2]))
        XCTAssertThrowsError(try EncoderBatch(tokens: [1, 2], tokenTypes: [0, 0], lengths: [1]))
        XCTAssertThrowsError(try EncoderBatch(tokens: [1, 2], tokenTypes: [0, 0], lengths: [2, 0]))
        let enc = try BertEncoder(config: Self.tiny, seed: 1)
        func expect(_ batch: EncoderBatch, _ text: String) {
            XCTAssertThrowsError(try enc.forward(batch, training: false)) { XCTAssertTrue("\($0)".contains(text), "\($0)") }
        }
        expect(try EncoderBatch(tokens: [1, 50], tokenTypes: [0, 0], lengths: [2]), "id 50 outside the vocabulary")
        expect(try EncoderBatch(tokens: [1, 2, 3], tokenTypes: [0, 0, 2], lengths: [1, 2]), "sequence 1 token 1: token type 2")
        expect(try EncoderBatch(tokens: [Int32](repeating: 1, count: 11), tokenTypes: [Int32](repeating: 0, count: 11), lengths: [11]),
               "max_position_embeddings 10")
        XCTAssertThrowsError(try enc.backward(dHidden: [])) { XCTAssertTrue("\($0)".contains("without a training forward")) }
        _ = try enc.forward(try Self.tinyBatch(), training: true)
        XCTAssertThrowsError(try enc.backward(dHidden: [1, 2])) { XCTAssertTrue("\($0)".contains("dHidden has 2 values")) }
        XCTAssertThrowsError(try BertEncoder(config: BertConfig(vocabSize: 50, hiddenSize: 15, layers: 2, heads: 2, intermediateSize: 32,
                                                                maxPositions: 10, typeVocabSize: 2, eps: 1e-12), seed: 1))

        // Configs: the file and the key are named.
        func config(_ json: String) throws -> BertConfig {
            try BertConfig(hf: try HFConfig.parse(Data(json.utf8), path: "cfg.json"), file: "cfg.json")
        }
        let good = #""vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 10"#
        XCTAssertEqual(try config("{\"model_type\": \"bert\", \(good)}").typeVocabSize, 2)
        for (json, text) in [("{\"model_type\": \"gpt2\", \(good)}", "model_type \"gpt2\""),
                             ("{\"model_type\": \"bert\", \"hidden_act\": \"gelu_new\", \(good)}", "hidden_act \"gelu_new\""),
                             ("{\"model_type\": \"bert\", \"position_embedding_type\": \"relative_key\", \(good)}", "position_embedding_type"),
                             (#"{"model_type": "bert", "vocab_size": 50}"#, "missing hidden_size")] {
            XCTAssertThrowsError(try config(json)) { XCTAssertTrue("\($0)".contains(text) && "\($0)".contains("cfg.json"), "\($0)") }
        }

        // A folder with a tensor missing / of the wrong shape: the file and the tensor are named.
        let src = Self.fixtures.appendingPathComponent("tiny-bert").path
        let tmp = NSTemporaryDirectory() + "bert-bad-\(getpid())"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.copyItem(atPath: src + "/config.json", toPath: tmp + "/config.json")
        let full = try SafetensorsFile(path: src + "/model.safetensors")
        var tensors = try full.tensorNames.filter { $0 != "bert.encoder.layer.1.output.dense.bias" }.map {
            SafetensorsWriter.Tensor(name: $0, shape: try full.shape(of: $0), values: try full.floats($0))
        }
        try SafetensorsWriter.write(tensors, to: tmp + "/model.safetensors")
        XCTAssertThrowsError(try BertEncoder(directory: tmp)) {
            XCTAssertTrue("\($0)".contains("missing tensor bert.encoder.layer.1.output.dense.bias") && "\($0)".contains("model.safetensors"), "\($0)")
        }
        tensors.append(.init(name: "bert.encoder.layer.1.output.dense.bias", shape: [15], values: [Float](repeating: 0, count: 15)))
        try SafetensorsWriter.write(tensors, to: tmp + "/model.safetensors")
        XCTAssertThrowsError(try BertEncoder(directory: tmp)) {
            XCTAssertTrue("\($0)".contains("bert.encoder.layer.1.output.dense.bias: shape [15], expected [16]") && "\($0)".contains("model.safetensors"), "\($0)")
        }
    }
}
