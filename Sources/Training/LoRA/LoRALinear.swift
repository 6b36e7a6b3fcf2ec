import CBLAS
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
        a = try Parameter(name: "\(name).lora_A", shape: [rank, inDim], value: aInit, weightDecay: true)
        b = try Parameter(name: "\(name).lora_B", shape: [outDim, rank],
                          value: [Float](repeating: 0, count: outDim * rank), weightDecay: true)
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
                a.value.withUnsafeBufferPointer { A in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(rank), Int32(inDim),
                                1, xd.baseAddress, Int32(inDim), A.baseAddress, Int32(inDim), 0, hh.baseAddress, Int32(rank))
                }
                b.value.withUnsafeBufferPointer { B in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(outDim), Int32(rank),
                                scaling, hh.baseAddress, Int32(rank), B.baseAddress, Int32(rank), 1, out, Int32(outDim))
                }
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
            b.grad.withUnsafeMutableBufferPointer { dB in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outDim), Int32(rank), Int32(T),
                            scaling, dout, Int32(outDim), hh.baseAddress, Int32(rank), 1, dB.baseAddress, Int32(rank))
            }
        }
        b.value.withUnsafeBufferPointer { B in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(rank), Int32(outDim),
                        scaling, dout, Int32(outDim), B.baseAddress, Int32(rank), 0, dh, Int32(rank))
        }
        xDrop.withUnsafeBufferPointer { xd in
            a.grad.withUnsafeMutableBufferPointer { dA in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rank), Int32(inDim), Int32(T),
                            1, dh, Int32(rank), xd.baseAddress, Int32(inDim), 1, dA.baseAddress, Int32(inDim))
            }
        }
        guard let dinp else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(inDim), Int32(outDim),
                    1, dout, Int32(outDim), weight, Int32(inDim), 1, dinp, Int32(inDim))
        // Adapter path: d(dropout(x)) = dh·A, then through the same dropout multiplier.
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: T * inDim)
        defer { tmp.deallocate() }
        a.value.withUnsafeBufferPointer { A in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(inDim), Int32(rank),
                        1, dh, Int32(rank), A.baseAddress, Int32(inDim), 0, tmp, Int32(inDim))
        }
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
            b.value.withUnsafeBufferPointer { B in
                a.value.withUnsafeBufferPointer { A in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outDim), Int32(inDim), Int32(rank),
                                scaling, B.baseAddress, Int32(rank), A.baseAddress, Int32(inDim), 1, W.baseAddress, Int32(inDim))
                }
            }
        }
        return w
    }
}
