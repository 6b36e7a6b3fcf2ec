import ModelIO

/// The sizes of a BERT encoder (post-LN, learned absolute positions, token types, exact GELU),
/// as in Hugging Face's `BertModel` config.json.
public struct BertConfig: Equatable, Sendable {
    public var vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize: Int
    /// LayerNorm epsilon (`layer_norm_eps`, 1e-12 for BERT).
    public var eps: Float

    public init(vocabSize: Int, hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int, maxPositions: Int,
                typeVocabSize: Int, eps: Float) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.layers = layers; self.heads = heads
        self.intermediateSize = intermediateSize; self.maxPositions = maxPositions; self.typeVocabSize = typeVocabSize
        self.eps = eps
    }

    public var headDim: Int { hiddenSize / heads }

    /// From a parsed config.json (`file` names it in errors). Only plain BERT is accepted:
    /// model_type "bert", hidden_act "gelu" (exact erf GELU), absolute position embeddings.
    public init(hf: HFConfig, file: String) throws {
        func fail(_ m: String) -> ModelFileError { ModelFileError(path: file, message: m) }
        guard let type = hf.modelType else { throw fail("missing model_type (need \"bert\")") }
        guard type == "bert" else { throw fail("model_type \"\(type)\" is not supported by the BERT encoder (need \"bert\")") }
        func int(_ v: Int?, _ key: String) throws -> Int {
            guard let v else { throw fail("missing \(key)") }
            guard v > 0 else { throw fail("\(key) \(v) must be positive") }
            return v
        }
        let act = hf.hiddenAct ?? "gelu"   // BertConfig's default
        guard act == "gelu" else {
            throw fail("hidden_act \"\(act)\" is not supported (the BERT encoder implements exact \"gelu\")")
        }
        if let pos = hf.raw["position_embedding_type"] {
            guard let s = pos as? String, s == "absolute" else {
                throw fail("position_embedding_type \(pos) is not supported (need \"absolute\")")
            }
        }
        let eps = hf.layerNormEps ?? 1e-12
        guard eps > 0, eps < 1 else { throw fail("layer_norm_eps \(eps) must be in (0, 1)") }
        self.init(vocabSize: try int(hf.vocabSize, "vocab_size"), hiddenSize: try int(hf.hiddenSize, "hidden_size"),
                  layers: try int(hf.numHiddenLayers, "num_hidden_layers"), heads: try int(hf.numAttentionHeads, "num_attention_heads"),
                  intermediateSize: try int(hf.intermediateSize, "intermediate_size"),
                  maxPositions: try int(hf.maxPositionEmbeddings, "max_position_embeddings"),
                  typeVocabSize: try int(hf.typeVocabSize ?? 2, "type_vocab_size"), eps: Float(eps))
        guard hiddenSize % heads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(heads)")
        }
    }

    /// Throws unless every size is positive and the hidden size splits evenly into heads.
    func validate() throws {
        let sizes = [("vocabSize", vocabSize), ("hiddenSize", hiddenSize), ("layers", layers), ("heads", heads),
                     ("intermediateSize", intermediateSize), ("maxPositions", maxPositions), ("typeVocabSize", typeVocabSize)]
        for (name, v) in sizes where v <= 0 { throw TrainingError("BERT config: \(name) \(v) must be positive") }
        guard hiddenSize % heads == 0 else {
            throw TrainingError("BERT config: hiddenSize \(hiddenSize) is not a multiple of heads \(heads)")
        }
        guard eps > 0 else { throw TrainingError("BERT config: eps \(eps) must be positive") }
    }
}

/// A batch of sequences stacked as rows; each token attends to every token of its own sequence
/// (bidirectional, block-diagonal), positions restart at 0 per sequence.
public struct EncoderBatch: Sendable {
    public var tokens: [Int32]        // [T] all sequences concatenated
    public var tokenTypes: [Int32]    // [T] segment ids (0/1)
    public var lengths: [Int]         // per sequence, sum == T

    /// Throws unless there is one token type per token, every length is positive and the lengths
    /// add up to the token count. Ids are checked by the encoder (against its vocabularies and
    /// maximum position).
    public init(tokens: [Int32], tokenTypes: [Int32], lengths: [Int]) throws {
        guard tokenTypes.count == tokens.count else {
            throw TrainingError("encoder batch: \(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        if let i = lengths.firstIndex(where: { $0 <= 0 }) {
            throw TrainingError("encoder batch: sequence \(i) has length \(lengths[i]) (must be positive)")
        }
        let total = lengths.reduce(0, +)
        guard total == tokens.count else {
            throw TrainingError("encoder batch: lengths add up to \(total), but there are \(tokens.count) tokens")
        }
        self.tokens = tokens; self.tokenTypes = tokenTypes; self.lengths = lengths
    }

    /// A batch of single-segment sequences (token type 0 everywhere).
    public init(sequences: [[Int32]]) throws {
        try self.init(tokens: sequences.flatMap { $0 }, tokenTypes: [Int32](repeating: 0, count: sequences.reduce(0) { $0 + $1.count }),
                      lengths: sequences.map(\.count))
    }

    public var T: Int { tokens.count }

    /// Row offset of each sequence in the stacked rows.
    public var offsets: [Int] {
        var o: [Int] = [], s = 0
        for n in lengths { o.append(s); s += n }
        return o
    }
}
