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

    /// Throws unless `allowed` has T·T entries.
    public init(T: Int, allowed: [UInt8]) throws {
        guard T >= 0, allowed.count == T * T else {
            throw TrainingError("attention mask: \(allowed.count) entries for T = \(T) (need T·T)")
        }
        self.T = T; self.allowed = allowed
    }

    /// Callers that built `allowed` themselves with T·T entries.
    init(checkedT T: Int, allowed: [UInt8]) { self.T = T; self.allowed = allowed }

    /// Causal mask; with `window` w, query i also only sees keys with i − j < w (a Gemma-3 local
    /// layer's sliding window, in the Hugging Face convention: the query plus w − 1 keys before it).
    public static func causal(T: Int, window: Int? = nil) -> AttentionMask {
        var a = [UInt8](repeating: 0, count: T * T)
        for i in 0..<T {
            let lo = window.map { max(0, i - $0 + 1) } ?? 0
            for j in lo...i { a[i * T + j] = 1 }
        }
        return AttentionMask(checkedT: T, allowed: a)
    }

    /// This mask with a sliding window applied on *positions* (not row indices): key j stays
    /// visible to query i only if positions[i] − positions[j] < window. For a causal batch this
    /// equals `causal(T:window:)`; for a tree batch it is the right thing because a word's rows
    /// continue the context's positions.
    /// Throws unless there is one position per row.
    public func windowed(positions: [Int32], window: Int) throws -> AttentionMask {
        guard positions.count == T else { throw TrainingError("attention mask: \(positions.count) positions for \(T) rows") }
        var m = self
        for i in 0..<T {
            for j in 0..<T where Int(positions[i]) - Int(positions[j]) >= window { m.allowed[i * T + j] = 0 }
        }
        return m
    }
}

/// Multi-head attention with an explicit mask (training forward): Numerics' attention kernel,
/// the one the runtime uses, with the mask deciding visibility instead of positions.
/// q, out: [T, nHeads·headDim]; k, v: [T, nKVHeads·headDim] (GQA: query head h uses kv head
/// h / (nHeads / nKVHeads)). RoPE must already have been applied to q and k.
/// out_h = softmax(scale · Q_h K_gᵀ + mask) · V_g; `probs` ([nHeads, T, T]), if given, receives P.
public func maskedAttentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>? = nil,
                                   q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                   mask: AttentionMask, nHeads: Int, nKVHeads: Int, headDim: Int, scale: Float) {
    let T = mask.T
    if T == 0 { return }
    mask.allowed.withUnsafeBufferPointer { allowed in
        attentionForward(out: out, probs: probs, q: q, T: T, k: k, v: v, S: T, mask: allowed.baseAddress!,
                         nHeads: nHeads, nKVHeads: nKVHeads, headDim: headDim, scale: scale)
    }
}
