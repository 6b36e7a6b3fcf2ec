import Foundation
import Numerics

/// The shape of a decoder-only transformer as the trainer needs it (Llama family incl. SmolLM2,
/// Qwen2 (Llama blocks with q/k/v biases, NeoX RoPE), and Gemma 3). Plain data: the Models module (or a test)
/// fills it from a model file's metadata.
public struct DecoderConfig: Sendable, Equatable {
    public enum Family: String, Sendable { case llama, qwen2, gemma3 }

    public var family: Family
    public var vocab: Int
    public var dim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var ffnDim: Int
    public var normEps: Float
    /// RoPE base of global layers (all layers for llama).
    public var ropeBase: Double
    /// RoPE base of Gemma 3 sliding-window layers (10 000; not stored in GGUF metadata).
    public var ropeLocalBase: Double
    public var ropeScaling: RopeScaling
    public var ropeLayout: RopeLayout
    /// Sliding window of Gemma 3 local layers (0 = none).
    public var slidingWindow: Int
    /// Gemma 3: layer l is global iff (l + 1) % slidingPattern == 0 (6 for Gemma 3).
    public var slidingPattern: Int
    /// Multiplies q·k (1/sqrt(headDim), or query_pre_attn_scalar^-1/2 for Gemma).
    public var attentionScale: Float
    /// Multiplies the token embeddings (Gemma: sqrt(dim), rounded as the reference does).
    public var embeddingScale: Float
    /// Output projection shares the token-embedding matrix.
    public var tiedEmbeddings: Bool

    public init(family: Family, vocab: Int, dim: Int, layers: Int, heads: Int, kvHeads: Int, headDim: Int,
                ffnDim: Int, normEps: Float, ropeBase: Double, ropeLocalBase: Double = 10_000,
                ropeScaling: RopeScaling = .none, ropeLayout: RopeLayout, slidingWindow: Int = 0,
                slidingPattern: Int = 0, attentionScale: Float? = nil, embeddingScale: Float? = nil,
                tiedEmbeddings: Bool) throws {
        guard vocab > 0, dim > 0, layers > 0, heads > 0, kvHeads > 0, headDim > 0, ffnDim > 0,
              heads % kvHeads == 0, headDim % 2 == 0 else {
            throw TrainingError("decoder config: invalid sizes (vocab \(vocab), dim \(dim), layers \(layers), heads \(heads)/\(kvHeads), headDim \(headDim), ffn \(ffnDim))")
        }
        self.family = family; self.vocab = vocab; self.dim = dim; self.layers = layers
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim; self.ffnDim = ffnDim
        self.normEps = normEps; self.ropeBase = ropeBase; self.ropeLocalBase = ropeLocalBase
        self.ropeScaling = ropeScaling; self.ropeLayout = ropeLayout
        self.slidingWindow = slidingWindow; self.slidingPattern = slidingPattern
        self.attentionScale = attentionScale ?? 1 / Float(headDim).squareRoot()
        self.embeddingScale = embeddingScale ?? (family == .gemma3 ? Float(dim).squareRoot() : 1)
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Whether layer l uses the sliding window (and the local RoPE base).
    public func isSliding(_ l: Int) -> Bool {
        family == .gemma3 && slidingWindow > 0 && slidingPattern > 0 && (l + 1) % slidingPattern != 0
    }
    /// Qwen2 adds biases to the q, k and v projections.
    public var hasQKVBias: Bool { family == .qwen2 }
    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }
}
