import Foundation
import Numerics
import ModelIO

/// A BERT encoder (post-LN) with forward and backward over flat buffers, for fine-tuning:
///
///   x = LN(word[tok] + pos[p] + type[tt]),  p restarting at 0 in every sequence
///   per layer:  a = LN(x + Wo·attn(x)),  x = LN(a + W2·gelu(W1·a))     (gelu = exact erf GELU)
///
/// Every matmul is one sgemm over all T stacked rows; only attention runs per sequence (each
/// token sees all tokens of its own sequence and none of the others), which for many short
/// sequences is far cheaper than one T×T masked attention.
///
/// Dropout: BERT's hidden dropout after the embedding LN, the attention output dense and the
/// FFN output dense. Attention-probability dropout (`attention_probs_dropout_prob`) is not
/// implemented: it would have to go inside the attention kernel, between softmax and P·V.
public final class BertEncoder {
    public let config: BertConfig
    /// Every weight, HF names without the "bert." prefix; weightDecay false for biases and LayerNorm weights.
    public let parameters: [Parameter]
    /// Hidden dropout probability, as BERT's hidden_dropout_prob; 0 = off. Only training forwards apply it.
    public var hiddenDropout: Float = 0
    /// Training forwards run so far. A training forward's masks are a hash of (dropoutSeed,
    /// dropoutStep, site, element), then the step counts up, so a run is reproducible from its
    /// seed; set it when resuming from a checkpoint to continue the same mask sequence.
    public var dropoutStep: UInt64 = 0
    /// `hidden_dropout_prob` of the loaded config.json, if it has one (0.1 for BERT checkpoints).
    /// `hiddenDropout` does not take it over by itself: set it for BERT-style fine-tuning.
    public private(set) var checkpointHiddenDropout: Float? = nil

    let wordEmb, posEmb, typeEmb, embLnW, embLnB: Parameter
    let layers: [BertLayerWeights]

    // Activations: the training set keeps every layer for the backward; inference alternates two
    // layer sets, so an evaluation forward between a training forward and its backward is harmless.
    private let trainActs: BertActivations
    private let inferActs: BertActivations
    /// What the last training forward saw (nil until one ran).
    private var saved: SavedForward?
    private var onesMask: [UInt8] = []
    // Gradient scratch of the backward.
    private let gY = Scratch(), gR = Scratch(), gA = Scratch(), gF1 = Scratch(), gF2 = Scratch()
    private let gQ = Scratch(), gK = Scratch(), gV = Scratch()

    private struct SavedForward {
        let batch: EncoderBatch
        let positions: [Int32]
        let dropout: Float
        let stream: UInt64
    }

    /// Loads an HF BERT folder (config.json + safetensors). `trainable` false: no gradient buffers.
    public convenience init(directory: String, trainable: Bool = true) throws {
        let dir = try HFModelDirectory(path: directory)
        let config = try BertConfig(hf: dir.config, file: dir.configPath)
        try self.init(config: config, parameters: try bertLoadParameters(dir, config: config, trainable: trainable))
        checkpointHiddenDropout = (dir.config.raw["hidden_dropout_prob"] as? NSNumber).map { $0.floatValue }
    }

    /// Random init for tests (BERT's N(0, 0.02) matrices, LN weight 1, biases 0), deterministic in `seed`.
    public convenience init(config: BertConfig, seed: UInt64) throws {
        try config.validate()
        try self.init(config: config, parameters: try bertRandomInit(config, seed: seed, trainable: true))
    }

    private init(config: BertConfig, parameters: [Parameter]) throws {
        try config.validate()
        self.config = config
        self.parameters = parameters
        let p = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
        wordEmb = p["embeddings.word_embeddings.weight"]!
        posEmb = p["embeddings.position_embeddings.weight"]!
        typeEmb = p["embeddings.token_type_embeddings.weight"]!
        embLnW = p["embeddings.LayerNorm.weight"]!
        embLnB = p["embeddings.LayerNorm.bias"]!
        layers = (0..<config.layers).map { l in
            func w(_ s: String) -> Parameter { p["encoder.layer.\(l).\(s)"]! }
            return BertLayerWeights(
                q: w("attention.self.query.weight"), qb: w("attention.self.query.bias"),
                k: w("attention.self.key.weight"), kb: w("attention.self.key.bias"),
                v: w("attention.self.value.weight"), vb: w("attention.self.value.bias"),
                o: w("attention.output.dense.weight"), ob: w("attention.output.dense.bias"),
                ln1w: w("attention.output.LayerNorm.weight"), ln1b: w("attention.output.LayerNorm.bias"),
                w1: w("intermediate.dense.weight"), b1: w("intermediate.dense.bias"),
                w2: w("output.dense.weight"), b2: w("output.dense.bias"),
                ln2w: w("output.LayerNorm.weight"), ln2b: w("output.LayerNorm.bias"))
        }
        trainActs = BertActivations(layers: config.layers)
        inferActs = BertActivations(layers: min(2, config.layers))
    }

    /// The parameter with this HF name (without the `bert.` prefix), if there is one.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Throws naming the sequence and token if an id is outside the vocabularies or a sequence
    /// is longer than the position table.
    public func validate(_ batch: EncoderBatch) throws {
        var t = 0
        for (s, n) in batch.lengths.enumerated() {
            guard n <= config.maxPositions else {
                throw TrainingError("BERT: sequence \(s) has \(n) tokens, more than max_position_embeddings \(config.maxPositions)")
            }
            for i in 0..<n {
                let id = batch.tokens[t], ty = batch.tokenTypes[t]
                guard id >= 0, Int(id) < config.vocabSize else {
                    throw TrainingError("BERT: sequence \(s) token \(i): id \(id) outside the vocabulary (0..<\(config.vocabSize))")
                }
                guard ty >= 0, Int(ty) < config.typeVocabSize else {
                    throw TrainingError("BERT: sequence \(s) token \(i): token type \(ty) outside 0..<\(config.typeVocabSize)")
                }
                t += 1
            }
        }
    }

    /// Forward: final hidden states [T * hiddenSize] row-major. If `training` is true, keeps the
    /// activations needed by `backward` and applies dropout.
    public func forward(_ batch: EncoderBatch, training: Bool, dropoutSeed: UInt64 = 0) throws -> [Float] {
        try validate(batch)
        guard hiddenDropout >= 0, hiddenDropout < 1 else { throw TrainingError("BERT: hiddenDropout \(hiddenDropout) not in [0, 1)") }
        let T = batch.T, C = config.hiddenSize
        var positions = [Int32](); positions.reserveCapacity(T)
        for n in batch.lengths { positions += (0..<n).map { Int32($0) } }
        let p: Float = training ? hiddenDropout : 0
        let stream = SplitMix64.mix(dropoutSeed ^ SplitMix64.mix(dropoutStep))
        if training {
            dropoutStep &+= 1
            saved = SavedForward(batch: batch, positions: positions, dropout: p, stream: stream)
        }
        if T == 0 { return [] }
        let acts = training ? trainActs : inferActs
        let maxLen = batch.lengths.max()!
        if onesMask.count < maxLen * maxLen { onesMask = [UInt8](repeating: 1, count: maxLen * maxLen) }

        // Embeddings: word + position + token type, LayerNorm, dropout (site 0).
        let e = acts.emb.get(T * C)
        embeddingForward(out: e, tokens: batch.tokens, table: wordEmb.valuePointer, T: T, C: C)
        addPositionEmbedding(out: e, positions: positions, table: posEmb.valuePointer, T: T, C: C)
        addPositionEmbedding(out: e, positions: batch.tokenTypes, table: typeEmb.valuePointer, T: T, C: C)
        var x = acts.layer(0).xIn.get(T * C)
        layernormForward(out: x, mean: acts.embMean.get(T), rstd: acts.embRstd.get(T), inp: e,
                         weight: embLnW.valuePointer, bias: embLnB.valuePointer, T: T, C: C, eps: config.eps)
        dropoutForward(x: x, N: T * C, p: p, seed: siteSeed(stream, 0))

        for l in 0..<config.layers {
            let y = l + 1 < config.layers ? acts.layer(l + 1).xIn.get(T * C) : acts.final.get(T * C)
            layerForward(l, a: acts.layer(l), x: x, out: y, batch: batch, p: p, stream: stream)
            x = y
        }
        return Array(UnsafeBufferPointer(start: x, count: T * C))
    }

    /// The dropout stream of one site: 0 = embeddings, 1 + 2l = layer l's attention output, 2 + 2l = its FFN output.
    private func siteSeed(_ stream: UInt64, _ site: Int) -> UInt64 { SplitMix64.mix(stream &+ UInt64(site)) }

    /// Layer l on x [T, C] (= a.xIn), writing out [T, C].
    private func layerForward(_ l: Int, a: BertLayerActivations, x: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                              batch: EncoderBatch, p: Float, stream: UInt64) {
        let T = batch.T, C = config.hiddenSize, F = config.intermediateSize, w = layers[l]
        let q = a.q.get(T * C), k = a.k.get(T * C), v = a.v.get(T * C)
        linearForward(out: q, inp: x, weight: w.q.valuePointer, bias: w.qb.valuePointer, T: T, inDim: C, outDim: C)
        linearForward(out: k, inp: x, weight: w.k.valuePointer, bias: w.kb.valuePointer, T: T, inDim: C, outDim: C)
        linearForward(out: v, inp: x, weight: w.v.valuePointer, bias: w.vb.valuePointer, T: T, inDim: C, outDim: C)
        let att = a.att.get(T * C)
        attention(out: att, q: q, k: k, v: v, batch: batch)
        // a = LN(x + dropout(Wo·att + bo))
        let o = a.o.get(T * C)
        linearForward(out: o, inp: att, weight: w.o.valuePointer, bias: w.ob.valuePointer, T: T, inDim: C, outDim: C)
        dropoutForward(x: o, N: T * C, p: p, seed: siteSeed(stream, 1 + 2 * l))
        let r1 = a.r1.get(T * C)
        r1.update(from: x, count: T * C)
        residualAdd(x: r1, y: o, N: T * C)
        let h = a.h.get(T * C)
        layernormForward(out: h, mean: a.mean1.get(T), rstd: a.rstd1.get(T), inp: r1,
                         weight: w.ln1w.valuePointer, bias: w.ln1b.valuePointer, T: T, C: C, eps: config.eps)
        // out = LN(h + dropout(W2·gelu(W1·h + b1) + b2))
        let u = a.u.get(T * F), g = a.g.get(T * F)
        linearForward(out: u, inp: h, weight: w.w1.valuePointer, bias: w.b1.valuePointer, T: T, inDim: C, outDim: F)
        geluErfForward(out: g, inp: u, N: T * F)
        let m = a.m.get(T * C)
        linearForward(out: m, inp: g, weight: w.w2.valuePointer, bias: w.b2.valuePointer, T: T, inDim: F, outDim: C)
        dropoutForward(x: m, N: T * C, p: p, seed: siteSeed(stream, 2 + 2 * l))
        let r2 = a.r2.get(T * C)
        r2.update(from: h, count: T * C)
        residualAdd(x: r2, y: m, N: T * C)
        layernormForward(out: out, mean: a.mean2.get(T), rstd: a.rstd2.get(T), inp: r2,
                         weight: w.ln2w.valuePointer, bias: w.ln2b.valuePointer, T: T, C: C, eps: config.eps)
    }

    /// Bidirectional attention inside each sequence (rows offset..<offset+n see exactly those rows).
    private func attention(out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                           v: UnsafePointer<Float>, batch: EncoderBatch) {
        let C = config.hiddenSize, hd = config.headDim, scale = 1 / Float(hd).squareRoot()
        onesMask.withUnsafeBufferPointer { mask in
            for (o, n) in zip(batch.offsets, batch.lengths) {
                attentionForward(out: out + o * C, q: q + o * C, T: n, k: k + o * C, v: v + o * C, S: n,
                                 mask: mask.baseAddress!, nHeads: config.heads, nKVHeads: config.heads, headDim: hd, scale: scale)
            }
        }
    }

    /// Backward of the last training forward: dHidden [T * hiddenSize]; accumulates (+=) into
    /// the parameters' grads (frozen parameters are skipped).
    public func backward(dHidden: [Float]) throws {
        guard let s = saved else { throw TrainingError("BERT: backward without a training forward") }
        let batch = s.batch, T = batch.T, C = config.hiddenSize, F = config.intermediateSize
        guard dHidden.count == T * C else {
            throw TrainingError("BERT: dHidden has \(dHidden.count) values, the last training forward produced \(T * C)")
        }
        if T == 0 { return }
        let acts = trainActs, hd = config.headDim, scale = 1 / Float(hd).squareRoot()
        // Three [T, C] gradient buffers rotate: dy (into the layer's output), r (scratch), a (into its input).
        var dy = gY.get(T * C), dx = gA.get(T * C)
        let dr = gR.get(T * C)
        dy.update(from: dHidden, count: T * C)
        let dF1 = gF1.get(T * F), dF2 = gF2.get(T * F)
        let dq = gQ.get(T * C), dk = gK.get(T * C), dv = gV.get(T * C)

        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = layers[l], a = acts.layer(l)
            let x = a.xIn.get(T * C), h = a.h.get(T * C)
            // out = LN2(r2), r2 = h + dropout(m): dr2 flows to h and, masked, to m.
            dr.initialize(repeating: 0, count: T * C)
            layernormBackward(dinp: dr, dweight: w.ln2w.gradPointer, dbias: w.ln2b.gradPointer, dout: dy,
                              inp: a.r2.get(T * C), weight: w.ln2w.valuePointer, mean: a.mean2.get(T), rstd: a.rstd2.get(T), T: T, C: C)
            dx.update(from: dr, count: T * C)   // dh (residual part)
            dropoutBackward(dx: dr, N: T * C, p: s.dropout, seed: siteSeed(s.stream, 2 + 2 * l))   // now dm
            dF1.initialize(repeating: 0, count: T * F)
            linearBackward(dinp: dF1, dweight: w.w2.gradPointer, dbias: w.b2.gradPointer, dout: dr, inp: a.g.get(T * F),
                           weight: w.w2.valuePointer, T: T, inDim: F, outDim: C)
            dF2.initialize(repeating: 0, count: T * F)
            geluErfBackward(dinp: dF2, dout: dF1, inp: a.u.get(T * F), N: T * F)
            linearBackward(dinp: dx, dweight: w.w1.gradPointer, dbias: w.b1.gradPointer, dout: dF2, inp: h,
                           weight: w.w1.valuePointer, T: T, inDim: C, outDim: F)
            // h = LN1(r1), r1 = x + dropout(o): dr1 flows to x and, masked, to o. (dy is free now.)
            dy.initialize(repeating: 0, count: T * C)
            layernormBackward(dinp: dy, dweight: w.ln1w.gradPointer, dbias: w.ln1b.gradPointer, dout: dx,
                              inp: a.r1.get(T * C), weight: w.ln1w.valuePointer, mean: a.mean1.get(T), rstd: a.rstd1.get(T), T: T, C: C)
            dx.update(from: dy, count: T * C)   // dx (residual part)
            dropoutBackward(dx: dy, N: T * C, p: s.dropout, seed: siteSeed(s.stream, 1 + 2 * l))   // now do
            dr.initialize(repeating: 0, count: T * C)
            linearBackward(dinp: dr, dweight: w.o.gradPointer, dbias: w.ob.gradPointer, dout: dy, inp: a.att.get(T * C),
                           weight: w.o.valuePointer, T: T, inDim: C, outDim: C)   // dr = datt
            dq.initialize(repeating: 0, count: T * C)
            dk.initialize(repeating: 0, count: T * C)
            dv.initialize(repeating: 0, count: T * C)
            let q = a.q.get(T * C), k = a.k.get(T * C), v = a.v.get(T * C)
            onesMask.withUnsafeBufferPointer { mask in
                for (o, n) in zip(batch.offsets, batch.lengths) {
                    attentionBackward(dq: dq + o * C, dk: dk + o * C, dv: dv + o * C, dout: dr + o * C,
                                      q: q + o * C, T: n, k: k + o * C, v: v + o * C, S: n, mask: mask.baseAddress!,
                                      nHeads: config.heads, nKVHeads: config.heads, headDim: hd, scale: scale)
                }
            }
            for (dproj, wt, b) in [(dq, w.q, w.qb), (dk, w.k, w.kb), (dv, w.v, w.vb)] {
                linearBackward(dinp: dx, dweight: wt.gradPointer, dbias: b.gradPointer, dout: dproj, inp: x,
                               weight: wt.valuePointer, T: T, inDim: C, outDim: C)
            }
            swap(&dy, &dx)   // the gradient into this layer's input is the gradient into the previous layer's output
        }

        // Embeddings: x0 = dropout(LN(e)), e = word[tok] + pos[p] + type[tt].
        dropoutBackward(dx: dy, N: T * C, p: s.dropout, seed: siteSeed(s.stream, 0))
        dr.initialize(repeating: 0, count: T * C)
        layernormBackward(dinp: dr, dweight: embLnW.gradPointer, dbias: embLnB.gradPointer, dout: dy, inp: acts.emb.get(T * C),
                          weight: embLnW.valuePointer, mean: acts.embMean.get(T), rstd: acts.embRstd.get(T), T: T, C: C)
        if let g = wordEmb.gradPointer { embeddingBackward(dwte: g, dout: dr, tokens: batch.tokens, T: T, C: C) }
        if let g = posEmb.gradPointer { embeddingBackward(dwte: g, dout: dr, tokens: s.positions, T: T, C: C) }
        if let g = typeEmb.gradPointer { embeddingBackward(dwte: g, dout: dr, tokens: batch.tokenTypes, T: T, C: C) }
    }

    /// Writes all parameters to a safetensors file (HF names, f32), for checkpoints.
    public func save(path: String, metadata: [String: String]) throws {
        try SafetensorsWriter.write(parameters.map { .init(name: $0.name, shape: $0.shape, values: $0.values) },
                                    metadata: metadata, to: path)
    }

    /// Reads all parameters back from a file written by `save` (or any safetensors file with the
    /// same HF names, with or without the `bert.` prefix); every tensor must be there with its shape.
    public func load(path: String) throws {
        let file = try SafetensorsFile(path: path)
        let names = Set(file.tensorNames)
        let prefix = !names.contains(parameters[0].name) && names.contains("bert." + parameters[0].name) ? "bert." : ""
        for p in parameters {
            let name = prefix + p.name
            guard names.contains(name) else { throw ModelFileError(path: path, message: "missing tensor \(name)") }
            try p.setValues(try file.floats(name, shape: p.shape))
        }
    }
}

/// One layer's saved activations ([T, C] unless noted).
final class BertLayerActivations {
    let xIn = Scratch(), q = Scratch(), k = Scratch(), v = Scratch(), att = Scratch(), o = Scratch()
    let r1 = Scratch(), mean1 = Scratch(), rstd1 = Scratch(), h = Scratch()
    let u = Scratch(), g = Scratch()          // [T, F]: W1·h + b1 and its GELU
    let m = Scratch(), r2 = Scratch(), mean2 = Scratch(), rstd2 = Scratch()
}

/// The activations of a forward: embeddings (sum before the LN and its statistics), the layers,
/// the final hidden states. With fewer layer sets than layers (inference) they are reused cyclically.
final class BertActivations {
    let emb = Scratch(), embMean = Scratch(), embRstd = Scratch(), final = Scratch()
    private let layers: [BertLayerActivations]
    init(layers n: Int) { layers = (0..<n).map { _ in BertLayerActivations() } }
    func layer(_ l: Int) -> BertLayerActivations { layers[l % layers.count] }
}
