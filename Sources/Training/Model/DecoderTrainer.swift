import Foundation
import Models
import Numerics

/// Training forward and backward of a whole decoder (llm.c style): the forward keeps every
/// block's activations (`BlockActivations`), the backward walks the blocks top to bottom and
/// accumulates into the trainable parameters' gradients (all weights for full fine-tuning, or
/// only the LoRA adapters when the base weights are frozen).
///
/// One call scores one sequence — a plain causal batch (`AttentionMask.causal`) or a packed
/// `TreeBatch` — against a list of `TokenTarget`s. Logits are only computed for rows that carry
/// a target (a prompt of 60 tokens with a 2-token answer needs 2 rows of the [V, C] LM head).
///
/// Block (llama): h = rmsnorm(x); q,k,v = h·Wᵀ (+ b for qwen2); rope(q,k); a = attn(q,k,v); x += a·Woᵀ;
///                h = rmsnorm(x); x += (silu(h·Wgᵀ) ∘ h·Wuᵀ)·Wdᵀ.
/// Gemma 3 adds per-head rmsnorm on q and k before RoPE, rmsnorm on the attention and MLP
/// outputs before each residual add, gelu-tanh gating, √C embedding scale, sliding-window
/// local layers with their own RoPE base.
/// GPT-2: x = wte[token] + wpe[position]; LayerNorm (with bias) in place of rmsnorm; no RoPE;
///        biases on every linear; MLP x += gelu(h·Wuᵀ + bu)·Wdᵀ + bd; head tied to wte.
public final class DecoderTrainer {
    public let config: ModelConfig
    public let weights: DecoderWeights
    /// LoRA adapters per block, by target (empty dictionaries for full fine-tuning).
    public let lora: [[LoRATarget: LoRALinear]]

    private let acts: [BlockActivations]
    /// RoPE inverse frequencies per layer (Gemma 3's local and global layers differ in base).
    private let invFreq: [[Double]]
    /// RoPE cos/sin per layer for the positions of the current call (layers with the same
    /// frequencies share one table); rebuilt when a call reaches a larger position.
    private var ropeTables: [RopeTable] = []
    private let x0 = Scratch(), xL = Scratch(), hF = Scratch(), rstdF = Scratch(), meanF = Scratch()
    private let hSel = Scratch(), logits = Scratch(), dlogits = Scratch(), dhSel = Scratch()
    private let dx = Scratch(), dx2 = Scratch(), dtmp = Scratch(), dh = Scratch()
    private let dF1 = Scratch(), dF2 = Scratch(), dF3 = Scratch()
    private let kvScratchK = Scratch(), kvScratchV = Scratch(), kvScratchDK = Scratch(), kvScratchDV = Scratch()
    private let dq = Scratch(), dk = Scratch(), dv = Scratch(), dqk = Scratch()

    /// - Parameters:
    ///   - loraConfig: if given, adapters are created on `targets` of every block (seeded per
    ///     block and target) and the base weights must be frozen (`trainable: false`).
    /// Compute the leading rows that sequences of a batch share once (`StackedBatch`); off only
    /// to check that sharing changes nothing.
    public var sharePrefix = true
    /// Rows the last `run(batch:)` computed (shared rows once): what prefix sharing saved.
    public private(set) var lastRunRows = 0
    /// Per-phase wall time of `run(batch:)` (nil: not measured).
    public var phaseTimer: PhaseTimer?

    public init(weights: DecoderWeights, loraConfig: LoRAConfig? = nil) throws {
        let c = weights.config
        self.config = c
        self.weights = weights
        if let lc = loraConfig {
            if let p = weights.all.first(where: { $0.trainable }) {
                throw TrainingError("LoRA needs frozen base weights, but \(p.name) is trainable")
            }
            lora = try weights.layers.enumerated().map { (l, w) in
                var d: [LoRATarget: LoRALinear] = [:]
                for (ti, t) in lc.targets.enumerated() {
                    guard let base = w.weight(for: t) else {
                        throw TrainingError("LoRA target \(t) does not exist in \(c.architecture)")
                    }
                    let seed = SplitMix64.mix(lc.seed ^ SplitMix64.mix(UInt64(l * 16 + ti + 1)))
                    d[t] = try LoRALinear(name: "blk.\(l).\(t.ggufName)", inDim: base.shape[1], outDim: base.shape[0],
                                          rank: lc.rank, alpha: lc.alpha, dropout: lc.dropout, seed: seed)
                }
                return d
            }
        } else {
            lora = Array(repeating: [:], count: c.nLayers)
        }
        acts = (0..<c.nLayers).map { _ in BlockActivations() }
        invFreq = (0..<c.nLayers).map {
            ropeInverseFrequencies(rotaryDim: c.rotaryDim, base: c.layerRopeBase[$0], scaling: c.layerRopeScaling[$0])
        }
    }

    /// The parameters the optimiser updates: the LoRA A/B matrices, or every trainable weight.
    public var trainableParameters: [Parameter] {
        let adapters = lora.flatMap { d in LoRATarget.allCases.compactMap { d[$0] }.flatMap { [$0.a, $0.b] } }
        return adapters + weights.all.filter(\.trainable)
    }

    /// Forward (and, if `backward`, backward) over one sequence.
    /// Returns each target's log-probability (see `crossEntropyForwardBackward`); the loss is
    /// −Σ weight·logProb, and gradients of dlossScale × that loss are accumulated.
    /// - Parameter dropoutKey: identifies this micro-batch for LoRA dropout; nil disables dropout.
    public func run(tokens: [Int32], positions: [Int32], mask: AttentionMask, targets: [TokenTarget],
                    dlossScale: Float = 1, dropoutKey: UInt64? = nil, backward: Bool = true) throws -> [Double] {
        try run(batch: [TrainingSequence(tokens: tokens, positions: positions, mask: mask, targets: targets)],
                dlossScale: dlossScale, dropoutKey: dropoutKey, backward: backward)[0]
    }

    /// Forward (and backward) over several sequences at once: their rows are stacked so every
    /// linear (and the LM head) is one sgemm over all rows of the batch, while attention stays
    /// within each sequence (its own mask). Same result as one `run` per sequence with the same
    /// dlossScale (up to float summation order), but far faster: a 43-row matmul wastes most of
    /// the BLAS kernel, and the [V, C] head is read once per batch instead of once per sequence.
    /// Returns each sequence's target log-probabilities, in the order of its targets.
    /// LoRA dropout draws one stream for the whole call (keyed by `dropoutKey`).
    public func run(batch: [TrainingSequence], dlossScale: Float = 1, dropoutKey: UInt64? = nil,
                    backward: Bool = true) throws -> [[Double]] {
        let c = config, C = c.dModel
        guard !batch.isEmpty else { throw TrainingError("empty batch") }
        for (si, s) in batch.enumerated() {
            let where_ = batch.count > 1 ? "sequence \(si): " : ""
            let Ts = s.tokens.count
            guard Ts > 0 else { throw TrainingError("\(where_)empty sequence") }
            guard s.positions.count == Ts, s.mask.T == Ts else {
                throw TrainingError("\(where_)sequence of \(Ts) tokens with \(s.positions.count) positions and a \(s.mask.T)-row mask")
            }
            for (i, t) in s.tokens.enumerated() where t < 0 || Int(t) >= c.vocabSize {
                throw TrainingError("\(where_)token \(i): id \(t) outside vocabulary 0..<\(c.vocabSize)")
            }
            for (i, p) in s.positions.enumerated() where p < 0 {
                throw TrainingError("\(where_)token \(i): negative position \(p)")
            }
            if let pe = weights.positionEmbedding, let i = s.positions.firstIndex(where: { Int($0) >= pe.shape[0] }) {
                throw TrainingError("\(where_)token \(i): position \(s.positions[i]) beyond the \(pe.shape[0]) learned positions")
            }
            for t in s.targets where t.row < 0 || t.row >= Ts {
                throw TrainingError("\(where_)target row \(t.row) outside 0..<\(Ts)")
            }
        }
        // Rows several sequences start with (a chat template and instruction, a passage's earlier
        // words) are laid out once: see StackedBatch.
        let stacked = try StackedBatch(batch, share: sharePrefix, windows: Set(c.layerWindow))
        let tokens = stacked.tokens, positions = stacked.positions, targets = stacked.targets
        let segments = stacked.segments
        lastRunRows = tokens.count
        let T = tokens.count
        if c.rotaryDim > 0, let maxPos = positions.max(), ropeTables.first.map({ $0.count <= Int(maxPos) }) ?? true {
            // Positions up to at least 512 at once, so short batches do not rebuild the tables.
            let count = max(512, Int(maxPos) + 1)
            var distinct: [[Double]: RopeTable] = [:]
            ropeTables = invFreq.map { f in
                if let t = distinct[f] { return t }
                let t = RopeTable(invFreq: f, positions: count)
                distinct[f] = t
                return t
            }
        }

        // Embedding.
        let x = x0.get(T * C)
        embeddingForward(out: x, tokens: tokens, table: weights.tokenEmbedding.valuePointer, T: T, C: C, scale: c.embeddingScale)
        if let pe = weights.positionEmbedding {
            addPositionEmbedding(out: x, positions: positions, table: pe.valuePointer, T: T, C: C)
        }
        var cur = UnsafePointer(x)
        phaseTimer.measure("blocks forward") {
            for l in 0..<c.nLayers {
                cur = blockForward(l, inp: cur, T: T, positions: positions, segments: segments, dropoutKey: dropoutKey)
            }
        }
        let xl = xL.get(T * C)          // the last block wrote its output here
        precondition(UnsafePointer(xl) == cur)

        // Final norm and the LM head on the target rows only.
        let hf = hF.get(T * C)
        normForward(weights.outputNorm, weights.outputNormBias, out: hf, mean: meanF, rstd: rstdF, inp: xl, T: T)
        let rows = Array(Set(targets.map(\.row))).sorted()
        var compact = [Int: Int]()
        for (i, r) in rows.enumerated() { compact[r] = i }
        let R = rows.count, V = c.vocabSize
        let hs = hSel.get(max(1, R) * C)
        for (i, r) in rows.enumerated() { (hs + i * C).update(from: hf + r * C, count: C) }
        let head = weights.output ?? weights.tokenEmbedding
        let lg = logits.get(max(1, R) * V)
        phaseTimer.measure("head forward") {
            linearForward(out: lg, inp: hs, weight: head.valuePointer, bias: nil, T: R, inDim: C, outDim: V)
        }
        let local = targets.map { TokenTarget(row: compact[$0.row]!, token: $0.token, weight: $0.weight) }
        let dl: UnsafeMutablePointer<Float>? = backward ? dlogits.zeroed(max(1, R) * V) : nil
        let logProbs = try phaseTimer.measure("cross-entropy") {
            try crossEntropyForwardBackward(logits: lg, dlogits: dl, targets: local, T: R, V: V, dlossScale: dlossScale)
        }
        var perSequence: [[Double]] = [], next = 0
        for s in batch { perSequence.append(Array(logProbs[next..<(next + s.targets.count)])); next += s.targets.count }
        guard backward, let dl else { return perSequence }

        // LM head backward, scatter back to all rows, final norm backward.
        let dhs = dhSel.zeroed(max(1, R) * C)
        phaseTimer.measure("head backward") {
            linearBackward(dinp: dhs, dweight: head.gradPointer, dbias: nil, dout: dl, inp: hs, weight: head.valuePointer,
                           T: R, inDim: C, outDim: V)
        }
        let dhf = dh.zeroed(T * C)
        for (i, r) in rows.enumerated() { (dhf + r * C).update(from: dhs + i * C, count: C) }
        var g = dx.zeroed(T * C)
        normBackward(weights.outputNorm, weights.outputNormBias, dinp: g, dout: dhf, inp: xl, mean: meanF, rstd: rstdF, T: T)
        try phaseTimer.measure("blocks backward") {
            for l in stride(from: c.nLayers - 1, through: 0, by: -1) {
                g = try blockBackward(l, dout: g, T: T, positions: positions, segments: segments)
            }
        }
        if let dwte = weights.tokenEmbedding.gradPointer {
            embeddingBackward(dwte: dwte, dout: g, tokens: tokens, T: T, C: C, scale: c.embeddingScale)
        }
        if let dwpe = weights.positionEmbedding?.gradPointer {
            // wpe is a lookup table indexed by position: the same scatter-add as the token embedding.
            embeddingBackward(dwte: dwpe, dout: g, tokens: positions, T: T, C: C)
        }
        return perSequence
    }

    // MARK: blocks

    /// A [T, C] pre-norm: RMSNorm (llama, qwen2, gemma3) or LayerNorm with bias (GPT-2, which
    /// also keeps the row means for its backward).
    private func normForward(_ w: Parameter, _ b: Parameter?, out: UnsafeMutablePointer<Float>, mean: Scratch,
                             rstd: Scratch, inp: UnsafePointer<Float>, T: Int) {
        let C = config.dModel
        switch config.norm {
        case .rms:
            rmsnormForward(out: out, rstd: rstd.get(T), inp: inp, weight: w.valuePointer, T: T, C: C, eps: config.normEps)
        case .layer:
            layernormForward(out: out, mean: mean.get(T), rstd: rstd.get(T), inp: inp, weight: w.valuePointer,
                             bias: b?.valuePointer, T: T, C: C, eps: config.normEps)
        }
    }

    /// Backward of `normForward`; accumulates into dinp and the weight (and bias) gradients.
    private func normBackward(_ w: Parameter, _ b: Parameter?, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, mean: Scratch, rstd: Scratch, T: Int) {
        let C = config.dModel
        switch config.norm {
        case .rms:
            rmsnormBackward(dinp: dinp, dweight: w.gradPointer, dout: dout, inp: inp, weight: w.valuePointer,
                            rstd: rstd.pointer, T: T, C: C)
        case .layer:
            layernormBackward(dinp: dinp, dweight: w.gradPointer, dbias: b?.gradPointer, dout: dout, inp: inp,
                              weight: w.valuePointer, mean: mean.pointer, rstd: rstd.pointer, T: T, C: C)
        }
    }

    private func project(_ l: Int, _ target: LoRATarget, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         T: Int, dropoutKey: UInt64?) {
        let w = weights.layers[l].weight(for: target)!   // LoRA init checked the target exists
        let b = weights.layers[l].bias(for: target)?.valuePointer
        if let ad = lora[l][target] {
            ad.forward(out: out, inp: inp, weight: w.valuePointer, bias: b, T: T, dropoutKey: dropoutKey)
        } else {
            linearForward(out: out, inp: inp, weight: w.valuePointer, bias: b, T: T, inDim: w.shape[1], outDim: w.shape[0])
        }
    }

    private func projectBackward(_ l: Int, _ target: LoRATarget, dinp: UnsafeMutablePointer<Float>,
                                 dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, T: Int) throws {
        let w = weights.layers[l].weight(for: target)!   // LoRA init checked the target exists
        if let ad = lora[l][target] {
            try ad.backward(dinp: dinp, dout: dout, weight: w.valuePointer, T: T)   // base (and its bias) frozen
        } else {
            linearBackward(dinp: dinp, dweight: w.gradPointer, dbias: weights.layers[l].bias(for: target)?.gradPointer,
                           dout: dout, inp: inp, weight: w.valuePointer, T: T, inDim: w.shape[1], outDim: w.shape[0])
        }
    }

    /// Runs block l on inp [T, C]; returns its output (the block's own residual buffer).
    private func blockForward(_ l: Int, inp: UnsafePointer<Float>, T: Int, positions: [Int32], segments: [AttentionSegment],
                              dropoutKey: UInt64?) -> UnsafePointer<Float> {
        let c = config, C = c.dModel, F = c.ffnDim, w = weights.layers[l], a = acts[l]
        let x = a.xIn.get(T * C)
        if x != inp { x.update(from: inp, count: T * C) }   // block l−1 already wrote here
        let h1 = a.h1.get(T * C)
        normForward(w.attnNorm, w.attnNormBias, out: h1, mean: a.mean1, rstd: a.rstd1, inp: x, T: T)
        let q = a.q.get(T * c.qDim), k = a.k.get(T * c.kvDim), v = a.v.get(T * c.kvDim)
        let qPre = a.qPre.get(T * c.qDim), kPre = a.kPre.get(T * c.kvDim)
        project(l, .qProj, out: qPre, inp: h1, T: T, dropoutKey: dropoutKey)
        project(l, .kProj, out: kPre, inp: h1, T: T, dropoutKey: dropoutKey)
        project(l, .vProj, out: v, inp: h1, T: T, dropoutKey: dropoutKey)
        if let qNorm = w.qNorm, let kNorm = w.kNorm {
            rmsnormForward(out: q, rstd: a.qRstd.get(T * c.nHeads), inp: qPre, weight: qNorm.valuePointer,
                           T: T * c.nHeads, C: c.headDim, eps: c.normEps)
            rmsnormForward(out: k, rstd: a.kRstd.get(T * c.nKVHeads), inp: kPre, weight: kNorm.valuePointer,
                           T: T * c.nKVHeads, C: c.headDim, eps: c.normEps)
        } else {
            q.update(from: qPre, count: T * c.qDim)
            k.update(from: kPre, count: T * c.kvDim)
        }
        if c.rotaryDim > 0 {   // GPT-2 has learned positions instead
            ropeForward(x: q, positions: positions, T: T, nHeads: c.nHeads, headDim: c.headDim, rotaryDim: c.rotaryDim,
                        table: ropeTables[l], layout: c.ropeLayout)
            ropeForward(x: k, positions: positions, T: T, nHeads: c.nKVHeads, headDim: c.headDim, rotaryDim: c.rotaryDim,
                        table: ropeTables[l], layout: c.ropeLayout)
        }
        let att = a.att.get(T * c.qDim)
        for sg in segments {   // attention never crosses sequences (except into the shared prefix)
            let qo = sg.offset * c.qDim
            let (kk, vv) = sg.keys(k, v, kvDim: c.kvDim, scratchK: kvScratchK, scratchV: kvScratchV)
            sg.masks[c.layerWindow[l]]!.withUnsafeBufferPointer { m in
                attentionForward(out: att + qo, q: q + qo, T: sg.T, k: kk, v: vv, S: sg.S, mask: m.baseAddress!,
                                 nHeads: c.nHeads, nKVHeads: c.nKVHeads, headDim: c.headDim, scale: c.queryScale)
            }
        }
        let o = a.o.get(T * C)
        project(l, .oProj, out: o, inp: att, T: T, dropoutKey: dropoutKey)
        let x2 = a.x2.get(T * C)
        if let post = w.postAttnNorm {
            rmsnormForward(out: x2, rstd: a.oRstd.get(T), inp: o, weight: post.valuePointer, T: T, C: C, eps: c.normEps)
            residualAdd(x: x2, y: x, N: T * C)
        } else {
            x2.update(from: x, count: T * C)
            residualAdd(x: x2, y: o, N: T * C)
        }
        let h2 = a.h2.get(T * C)
        normForward(w.ffnNorm, w.ffnNormBias, out: h2, mean: a.mean2, rstd: a.rstd2, inp: x2, T: T)
        let up = a.up.get(T * F), act = a.act.get(T * F)
        project(l, .upProj, out: up, inp: h2, T: T, dropoutKey: dropoutKey)
        switch c.ffn {
        case .gelu:
            geluTanhForward(out: act, inp: up, N: T * F)
        case .geglu, .swiglu:
            let gate = a.gate.get(T * F)
            project(l, .gateProj, out: gate, inp: h2, T: T, dropoutKey: dropoutKey)
            if c.ffn == .geglu { gegluTanhForward(out: act, gate: gate, up: up, N: T * F) } else { swigluForward(out: act, gate: gate, up: up, N: T * F) }
        }
        let m = a.m.get(T * C)
        project(l, .downProj, out: m, inp: act, T: T, dropoutKey: dropoutKey)
        // out = x2 + post(m), written straight into the next block's input buffer.
        let y = blockOutput(l, T: T)
        if let post = w.postFfnNorm {
            rmsnormForward(out: y, rstd: a.mRstd.get(T), inp: m, weight: post.valuePointer, T: T, C: C, eps: c.normEps)
            residualAdd(x: y, y: x2, N: T * C)
        } else {
            y.update(from: x2, count: T * C)
            residualAdd(x: y, y: m, N: T * C)
        }
        return UnsafePointer(y)
    }

    /// Block l's output buffer: the next block's input buffer (copied there on entry), or xL.
    private func blockOutput(_ l: Int, T: Int) -> UnsafeMutablePointer<Float> {
        l + 1 < config.nLayers ? acts[l + 1].xIn.get(T * config.dModel) : xL.get(T * config.dModel)
    }

    /// Backward of block l given dout = ∂L/∂(block output); returns ∂L/∂(block input).
    private func blockBackward(_ l: Int, dout: UnsafeMutablePointer<Float>, T: Int, positions: [Int32],
                               segments: [AttentionSegment]) throws -> UnsafeMutablePointer<Float> {
        let c = config, C = c.dModel, F = c.ffnDim, w = weights.layers[l], a = acts[l]
        let x = a.xIn.pointer, x2 = a.x2.pointer
        // MLP branch. dx2 starts as the residual gradient.
        let dres = dx2.get(T * C)
        dres.update(from: dout, count: T * C)
        let dm: UnsafeMutablePointer<Float>
        if let post = w.postFfnNorm {
            dm = dtmp.zeroed(T * C)
            rmsnormBackward(dinp: dm, dweight: post.gradPointer, dout: dout, inp: a.m.pointer,
                            weight: post.valuePointer, rstd: a.mRstd.pointer, T: T, C: C)
        } else {
            dm = dout
        }
        let dact = dF1.zeroed(T * F)
        try projectBackward(l, .downProj, dinp: dact, dout: dm, inp: a.act.pointer, T: T)
        let dup = dF3.zeroed(T * F), dh2 = dh.zeroed(T * C)
        switch c.ffn {
        case .gelu:
            geluTanhBackward(dinp: dup, dout: dact, inp: a.up.pointer, N: T * F)
        case .geglu, .swiglu:
            let dgate = dF2.zeroed(T * F)
            if c.ffn == .geglu {
                gegluTanhBackward(dgate: dgate, dup: dup, dout: dact, gate: a.gate.pointer, up: a.up.pointer, N: T * F)
            } else {
                swigluBackward(dgate: dgate, dup: dup, dout: dact, gate: a.gate.pointer, up: a.up.pointer, N: T * F)
            }
            try projectBackward(l, .gateProj, dinp: dh2, dout: dgate, inp: a.h2.pointer, T: T)
        }
        try projectBackward(l, .upProj, dinp: dh2, dout: dup, inp: a.h2.pointer, T: T)
        normBackward(w.ffnNorm, w.ffnNormBias, dinp: dres, dout: dh2, inp: x2, mean: a.mean2, rstd: a.rstd2, T: T)

        // Attention branch. dout is reused as the block input's gradient (starts as the residual).
        let dxIn = dout
        dxIn.update(from: dres, count: T * C)
        let dO: UnsafeMutablePointer<Float>
        if let post = w.postAttnNorm {
            dO = dtmp.zeroed(T * C)
            rmsnormBackward(dinp: dO, dweight: post.gradPointer, dout: dres, inp: a.o.pointer,
                            weight: post.valuePointer, rstd: a.oRstd.pointer, T: T, C: C)
        } else {
            dO = dres
        }
        let datt = dF1.zeroed(T * c.qDim)
        try projectBackward(l, .oProj, dinp: datt, dout: dO, inp: a.att.pointer, T: T)
        let gq = dq.zeroed(T * c.qDim), gk = dk.zeroed(T * c.kvDim), gv = dv.zeroed(T * c.kvDim)
        for sg in segments {
            let qo = sg.offset * c.qDim, ko = sg.offset * c.kvDim, kv = c.kvDim
            let (kk, vv) = sg.keys(a.k.pointer, a.v.pointer, kvDim: kv, scratchK: kvScratchK, scratchV: kvScratchV)
            // dK/dV of the keys this segment saw: in place for a plain segment; via a scratch for a
            // segment that also saw the prefix, then added to the prefix rows and its own rows.
            let dkk = sg.prefix == 0 ? gk + ko : kvScratchDK.zeroed(sg.S * kv)
            let dvv = sg.prefix == 0 ? gv + ko : kvScratchDV.zeroed(sg.S * kv)
            sg.masks[c.layerWindow[l]]!.withUnsafeBufferPointer { m in
                attentionBackward(dq: gq + qo, dk: dkk, dv: dvv, dout: datt + qo, q: a.q.pointer + qo, T: sg.T, k: kk, v: vv,
                                  S: sg.S, mask: m.baseAddress!, nHeads: c.nHeads, nKVHeads: c.nKVHeads,
                                  headDim: c.headDim, scale: c.queryScale)
            }
            if sg.prefix > 0 { sg.scatter(dkk: dkk, dvv: dvv, into: gk, gv, kvDim: kv) }
        }
        if c.rotaryDim > 0 {
            ropeForward(x: gq, positions: positions, T: T, nHeads: c.nHeads, headDim: c.headDim, rotaryDim: c.rotaryDim,
                        table: ropeTables[l], layout: c.ropeLayout, inverse: true)   // the backward: see ropeBackward
            ropeForward(x: gk, positions: positions, T: T, nHeads: c.nKVHeads, headDim: c.headDim, rotaryDim: c.rotaryDim,
                        table: ropeTables[l], layout: c.ropeLayout, inverse: true)
        }
        var dqPre = gq, dkPre = gk
        if let qNorm = w.qNorm, let kNorm = w.kNorm {
            dqPre = dF2.zeroed(T * c.qDim)
            rmsnormBackward(dinp: dqPre, dweight: qNorm.gradPointer, dout: gq, inp: a.qPre.pointer,
                            weight: qNorm.valuePointer, rstd: a.qRstd.pointer, T: T * c.nHeads, C: c.headDim)
            dkPre = dqk.zeroed(T * c.kvDim)
            rmsnormBackward(dinp: dkPre, dweight: kNorm.gradPointer, dout: gk, inp: a.kPre.pointer,
                            weight: kNorm.valuePointer, rstd: a.kRstd.pointer, T: T * c.nKVHeads, C: c.headDim)
        }
        let dh1 = dh.zeroed(T * C)
        try projectBackward(l, .qProj, dinp: dh1, dout: dqPre, inp: a.h1.pointer, T: T)
        try projectBackward(l, .kProj, dinp: dh1, dout: dkPre, inp: a.h1.pointer, T: T)
        try projectBackward(l, .vProj, dinp: dh1, dout: gv, inp: a.h1.pointer, T: T)
        normBackward(w.attnNorm, w.attnNormBias, dinp: dxIn, dout: dh1, inp: x, mean: a.mean1, rstd: a.rstd1, T: T)
        return dxIn
    }
}

/// Query rows [offset, offset + T) of a stacked batch. Their keys are the rows of `prefixRows`
/// (shared rows laid out elsewhere in the batch, in path order) and then their own rows:
/// S = prefix + T keys. Masks [T, S] by window size (0 = no window).
struct AttentionSegment {
    let offset: Int, T: Int
    let prefixRows: [Range<Int>]
    let masks: [Int: [UInt8]]
    let prefix: Int
    var S: Int { prefix + T }

    init(offset: Int, T: Int, prefixRows: [Range<Int>], masks: [Int: [UInt8]]) {
        self.offset = offset; self.T = T; self.prefixRows = prefixRows; self.masks = masks
        prefix = prefixRows.reduce(0) { $0 + $1.count }
    }

    /// The segment's keys and values: its own rows in place, or (with a prefix) the prefix rows
    /// and its own rows copied next to each other into the scratch buffers.
    func keys(_ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, kvDim: Int, scratchK: Scratch, scratchV: Scratch)
        -> (UnsafePointer<Float>, UnsafePointer<Float>) {
        if prefix == 0 { return (k + offset * kvDim, v + offset * kvDim) }
        let kk = scratchK.get(S * kvDim), vv = scratchV.get(S * kvDim)
        var at = 0
        for r in prefixRows + [offset..<(offset + T)] {
            (kk + at * kvDim).update(from: k + r.lowerBound * kvDim, count: r.count * kvDim)
            (vv + at * kvDim).update(from: v + r.lowerBound * kvDim, count: r.count * kvDim)
            at += r.count
        }
        return (UnsafePointer(kk), UnsafePointer(vv))
    }

    /// Adds the gradients of the gathered keys (`dkk`, `dvv`, laid out as `keys` returns them)
    /// back to the rows they came from.
    func scatter(dkk: UnsafePointer<Float>, dvv: UnsafePointer<Float>, into gk: UnsafeMutablePointer<Float>,
                 _ gv: UnsafeMutablePointer<Float>, kvDim: Int) {
        var at = 0
        for r in prefixRows + [offset..<(offset + T)] {
            residualAdd(x: gk + r.lowerBound * kvDim, y: dkk + at * kvDim, N: r.count * kvDim)
            residualAdd(x: gv + r.lowerBound * kvDim, y: dvv + at * kvDim, N: r.count * kvDim)
            at += r.count
        }
    }
}
