import Numerics
import Foundation

/// Which key rows each query row may attend to: `allowed[i*T + j] == 1` iff query i sees key j.
///
/// One mask type serves plain causal training batches (optionally with a sliding window) and
/// the tree batches of `TreeBatch` (several candidate words sharing one context), so the
/// training attention forward/backward have a single code path.
public struct AttentionMask: Sendable, Equatable {
    public let T: Int
    public var allowed: [UInt8]

    public init(T: Int, allowed: [UInt8]) {
        precondition(allowed.count == T * T, "mask must have T*T entries")
        self.T = T; self.allowed = allowed
    }

    /// Causal mask; with `window` w, query i also only sees keys with i − j < w (a Gemma-3 local
    /// layer's sliding window, in the Hugging Face convention: the query plus w − 1 keys before it).
    public static func causal(T: Int, window: Int? = nil) -> AttentionMask {
        var a = [UInt8](repeating: 0, count: T * T)
        for i in 0..<T {
            let lo = window.map { max(0, i - $0 + 1) } ?? 0
            for j in lo...i { a[i * T + j] = 1 }
        }
        return AttentionMask(T: T, allowed: a)
    }

    /// This mask with a sliding window applied on *positions* (not row indices): key j stays
    /// visible to query i only if positions[i] − positions[j] < window. For a causal batch this
    /// equals `causal(T:window:)`; for a tree batch it is the right thing because a word's rows
    /// continue the context's positions.
    public func windowed(positions: [Int32], window: Int) -> AttentionMask {
        precondition(positions.count == T)
        var m = self
        for i in 0..<T {
            for j in 0..<T where Int(positions[i]) - Int(positions[j]) >= window { m.allowed[i * T + j] = 0 }
        }
        return m
    }
}

/// P = softmax(scale · Q_h K_gᵀ) over the allowed keys of each row (masked entries are 0; a row
/// with no allowed key is all zeros). Q_h / K_g are strided views (leading dims ldq / ldkv).
func attentionProbabilities(p: UnsafeMutablePointer<Float>, qh: UnsafePointer<Float>, kg: UnsafePointer<Float>,
                            allowed: UnsafePointer<UInt8>, T: Int, headDim: Int, ldq: Int, ldkv: Int, scale: Float) {
    sgemm(transB: true, M: T, N: T, K: headDim, alpha: scale, A: qh, lda: ldq, B: kg, ldb: ldkv, C: p, ldc: T)
    for i in 0..<T {
        let row = p + i * T, m = allowed + i * T
        var mx = -Float.infinity
        for j in 0..<T where m[j] != 0 { mx = max(mx, row[j]) }
        if mx == -Float.infinity {
            for j in 0..<T { row[j] = 0 }
            continue
        }
        var sum: Float = 0
        for j in 0..<T {
            let e = m[j] != 0 ? expf(row[j] - mx) : 0
            row[j] = e; sum += e
        }
        let inv = 1 / sum
        for j in 0..<T { row[j] *= inv }
    }
}

/// Multi-head attention with an explicit mask (training forward; the inference kernels in
/// Numerics handle the causal case without building a T×T mask).
/// q, out: [T, nHeads·headDim]; k, v: [T, nKVHeads·headDim] (GQA: query head h uses kv head
/// h / (nHeads / nKVHeads)). RoPE must already have been applied to q and k.
/// out_h = softmax(scale · Q_h K_gᵀ + mask) · V_g.
public func maskedAttentionForward(out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>,
                                   k: UnsafePointer<Float>, v: UnsafePointer<Float>, mask: AttentionMask,
                                   nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    let T = mask.T
    if T == 0 { return }
    precondition(nHeads % nKVHeads == 0, "nHeads must be a multiple of nKVHeads")
    let ldq = nHeads * headDim, ldkv = nKVHeads * headDim
    let group = nHeads / nKVHeads
    let p = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
    defer { p.deallocate() }
    mask.allowed.withUnsafeBufferPointer { allowed in
        for h in 0..<nHeads {
            let g = h / group
            attentionProbabilities(p: p, qh: q + h * headDim, kg: k + g * headDim, allowed: allowed.baseAddress!,
                                   T: T, headDim: headDim, ldq: ldq, ldkv: ldkv, scale: scale)
            sgemm(M: T, N: headDim, K: T, A: p, lda: T, B: v + g * headDim, ldb: ldkv, C: out + h * headDim, ldc: ldq)
        }
    }
}
