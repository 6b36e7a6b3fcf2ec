import Numerics

/// A LoRA adapter on one frozen linear layer W [outDim, inDim] (+ optional bias):
///   y = x·Wᵀ + b + s · dropout(x)·Aᵀ·Bᵀ,   s = alpha / r,
/// A [r, inDim] Kaiming-uniform (PEFT: kaiming_uniform_(a=√5) ⇒ U(−1/√in, 1/√in)), B [outDim, r] = 0,
/// so the adapted model starts equal to the base model. Only A and B are trained.
///
/// Dropout (inverted, kept values × 1/(1−p)) is counter-based: the mask of a forward call is a
/// hash of (seed, `dropoutKey`, element index), so a step is reproducible regardless of what
/// ran before it. The forward caches dropout(x) [T, in] and h = dropout(x)·Aᵀ [T, r] for the
/// backward of the same call.
public final class LoRALinear {
    public let inDim: Int, outDim: Int, rank: Int
    public let scaling: Float, dropout: Float
    public let a: Parameter
    public let b: Parameter
    private let seed: UInt64
    private var xDrop: [Float] = []
    private var dropMul: [Float] = []     // 0 or 1/(1−p) per element of the last forward's input
    private var dropped = false           // whether the last forward applied dropout
    private var h: [Float] = []
    private var cachedT = -1

    /// - Parameter seed: seeds A's initialisation and the dropout stream (derive one per layer,
    ///   e.g. config.seed ^ layerIndex hashed, so layers differ).
    public init(name: String, inDim: Int, outDim: Int, rank: Int, alpha: Float, dropout: Float, seed: UInt64) throws {
        guard rank > 0, inDim > 0, outDim > 0 else {
            throw TrainingError("LoRA \(name): bad sizes in \(inDim) out \(outDim) rank \(rank)")
        }
        guard dropout >= 0 && dropout < 1 else { throw TrainingError("LoRA \(name): dropout \(dropout) not in [0, 1)") }
        self.inDim = inDim; self.outDim = outDim; self.rank = rank
        self.scaling = alpha / Float(rank); self.dropout = dropout; self.seed = seed
        var rng = SplitMix64(seed: seed)
        let bound = 1 / Float(inDim).squareRoot()
        let aInit = (0..<(rank * inDim)).map { _ in (2 * rng.nextUniform() - 1) * bound }
        a = try Parameter(name: "\(name).lora_A", shape: [rank, inDim], value: aInit)
        b = try Parameter(name: "\(name).lora_B", shape: [outDim, rank],
                          value: [Float](repeating: 0, count: outDim * rank))
    }

    /// Forward over T rows. `dropoutKey` identifies the call (e.g. global micro-batch index);
    /// pass nil at evaluation time (no dropout).
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, T: Int, dropoutKey: UInt64?) {
        if T == 0 { cachedT = 0; return }
        // Base layer.
        linearForward(out: out, inp: inp, weight: weight, bias: bias, T: T, inDim: inDim, outDim: outDim)
        // Adapter path.
        if xDrop.count < T * inDim { xDrop = [Float](repeating: 0, count: T * inDim) }
        if h.count < T * rank { h = [Float](repeating: 0, count: T * rank) }
        let p = dropout, keepScale = 1 / (1 - dropout), n = T * inDim
        let streamSeed = SplitMix64.mix(seed ^ SplitMix64.mix(dropoutKey ?? 0))
        dropped = dropoutKey != nil && p > 0
        if dropped && dropMul.count < n { dropMul = [Float](repeating: 0, count: n) }
        xDrop.withUnsafeMutableBufferPointer { xd in
            if dropped {
                dropMul.withUnsafeMutableBufferPointer { dm in
                    for i in 0..<n {
                        let u = Float(SplitMix64.mix(streamSeed &+ UInt64(i)) >> 40) * 0x1p-24
                        dm[i] = u < p ? 0 : keepScale
                        xd[i] = inp[i] * dm[i]
                    }
                }
            } else {
                for i in 0..<n { xd[i] = inp[i] }
            }
            h.withUnsafeMutableBufferPointer { hh in
                sgemm(transB: true, M: T, N: rank, K: inDim, A: xd.baseAddress!, lda: inDim,
                      B: a.valuePointer, ldb: inDim, C: hh.baseAddress!, ldc: rank)
                sgemm(transB: true, M: T, N: outDim, K: rank, alpha: scaling, A: hh.baseAddress!, lda: rank,
                      B: b.valuePointer, ldb: rank, beta: 1, C: out, ldc: outDim)
            }
        }
        cachedT = T
    }

    /// Backward of the last `forward` (same T). Accumulates into `a.grad`, `b.grad` and, if
    /// given, dinp [T, inDim] (through both the frozen W and the adapter). W gets no gradient.
    ///   dB += s·doutᵀ·h,  dh = s·dout·B,  dA += dhᵀ·dropout(x),  dinp += dout·W + (dh·A) ∘ dropmask
    public func backward(dinp: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, T: Int) throws {
        guard T == cachedT else { throw TrainingError("LoRA \(a.name): backward for T=\(T) after forward for T=\(cachedT)") }
        if T == 0 { return }
        let dh = UnsafeMutablePointer<Float>.allocate(capacity: T * rank)
        defer { dh.deallocate() }
        h.withUnsafeBufferPointer { hh in
            sgemm(transA: true, M: outDim, N: rank, K: T, alpha: scaling, A: dout, lda: outDim,
                  B: hh.baseAddress!, ldb: rank, beta: 1, C: b.grad.baseAddress!, ldc: rank)
        }
        sgemm(M: T, N: rank, K: outDim, alpha: scaling, A: dout, lda: outDim, B: b.valuePointer, ldb: rank, C: dh, ldc: rank)
        xDrop.withUnsafeBufferPointer { xd in
            sgemm(transA: true, M: rank, N: inDim, K: T, A: dh, lda: rank, B: xd.baseAddress!, ldb: inDim,
                  beta: 1, C: a.grad.baseAddress!, ldc: inDim)
        }
        guard let dinp else { return }
        sgemm(M: T, N: inDim, K: outDim, A: dout, lda: outDim, B: weight, ldb: inDim, beta: 1, C: dinp, ldc: inDim)
        // Adapter path: d(dropout(x)) = dh·A, then through the same dropout multiplier.
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: T * inDim)
        defer { tmp.deallocate() }
        sgemm(M: T, N: inDim, K: rank, A: dh, lda: rank, B: a.valuePointer, ldb: inDim, C: tmp, ldc: inDim)
        let n = T * inDim
        if dropped {
            dropMul.withUnsafeBufferPointer { dm in for i in 0..<n { dinp[i] += tmp[i] * dm[i] } }
        } else {
            for i in 0..<n { dinp[i] += tmp[i] }
        }
    }

    /// W + s·B·A: the merged weight to save (merge-on-save), same [outDim, inDim] layout.
    public func mergedWeight(_ weight: UnsafePointer<Float>) -> [Float] {
        var w = Array(UnsafeBufferPointer(start: weight, count: outDim * inDim))
        w.withUnsafeMutableBufferPointer { W in
            sgemm(M: outDim, N: inDim, K: rank, alpha: scaling, A: b.valuePointer, lda: rank, B: a.valuePointer, ldb: inDim,
                  beta: 1, C: W.baseAddress!, ldc: inDim)
        }
        return w
    }
}
