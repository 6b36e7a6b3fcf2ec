import Foundation

/// A Hugging Face `config.json`: the fields the llama, mistral, qwen2, gemma3, gpt2 and bert
/// configs use, all optional (each architecture reads what it needs and reports what is
/// missing), plus the whole JSON object in `raw` for anything else.
/// Property names are the JSON keys in camel case (`num_hidden_layers` → `numHiddenLayers`).
public struct HFConfig: Decodable {
    public var modelType: String?
    public var architectures: [String]?
    public var torchDtype: String?

    // Sizes.
    public var hiddenSize: Int?
    public var intermediateSize: Int?
    public var numHiddenLayers: Int?
    public var numAttentionHeads: Int?
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var vocabSize: Int?
    public var maxPositionEmbeddings: Int?
    public var typeVocabSize: Int?

    // GPT-2 names.
    public var nEmbd: Int?
    public var nLayer: Int?
    public var nHead: Int?
    public var nPositions: Int?
    public var nInner: Int?
    public var nCtx: Int?
    public var activationFunction: String?

    // Norms and activations.
    public var rmsNormEps: Double?
    public var layerNormEpsilon: Double?
    public var layerNormEps: Double?
    public var hiddenAct: String?
    public var hiddenActivation: String?

    // Positions and attention.
    public var ropeTheta: Double?
    public var ropeScaling: RopeScaling?
    public var ropeLocalBaseFreq: Double?
    public var slidingWindow: Int?
    public var slidingWindowPattern: Int?
    public var useSlidingWindow: Bool?
    public var maxWindowLayers: Int?
    public var layerTypes: [String]?
    public var queryPreAttnScalar: Double?
    public var attentionBias: Bool?
    public var mlpBias: Bool?
    public var attnLogitSoftcapping: Double?
    public var finalLogitSoftcapping: Double?
    public var tieWordEmbeddings: Bool?

    // Special tokens (`eos_token_id` may be one id or a list).
    public var bosTokenId: [Int]?
    public var eosTokenId: [Int]?
    public var padTokenId: [Int]?

    /// The whole config object as parsed by JSONSerialization.
    public var raw: [String: Any] = [:]

    /// `rope_scaling`; llama3 uses `rope_type: "llama3"` with factor, low/high_freq_factor
    /// and original_max_position_embeddings. Older configs say `type` instead of `rope_type`.
    public struct RopeScaling: Decodable {
        public var ropeType: String?
        public var type: String?
        public var factor: Double?
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?
        public var originalMaxPositionEmbeddings: Int?
        /// `rope_type`, or the older `type`.
        public var kind: String? { ropeType ?? type }
    }

    /// The normalisation epsilon under whichever key the architecture uses.
    public var normEps: Double? { rmsNormEps ?? layerNormEpsilon ?? layerNormEps }

    enum CodingKeys: String, CodingKey {
        case modelType, architectures, torchDtype
        case hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim
        case vocabSize, maxPositionEmbeddings, typeVocabSize
        case nEmbd, nLayer, nHead, nPositions, nInner, nCtx, activationFunction
        case rmsNormEps, layerNormEpsilon, layerNormEps, hiddenAct, hiddenActivation
        case ropeTheta, ropeScaling, ropeLocalBaseFreq, slidingWindow, slidingWindowPattern, useSlidingWindow, maxWindowLayers
        case layerTypes, queryPreAttnScalar, attentionBias, mlpBias, attnLogitSoftcapping, finalLogitSoftcapping, tieWordEmbeddings
        case bosTokenId, eosTokenId, padTokenId
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func s(_ k: CodingKeys) throws -> String? { try c.decodeIfPresent(String.self, forKey: k) }
        func i(_ k: CodingKeys) throws -> Int? { try c.decodeIfPresent(Int.self, forKey: k) }
        func d(_ k: CodingKeys) throws -> Double? { try c.decodeIfPresent(Double.self, forKey: k) }
        func b(_ k: CodingKeys) throws -> Bool? { try c.decodeIfPresent(Bool.self, forKey: k) }
        /// One integer or a list of integers.
        func ids(_ k: CodingKeys) throws -> [Int]? {
            if try !c.contains(k) || c.decodeNil(forKey: k) { return nil }
            if let one = try? c.decode(Int.self, forKey: k) { return [one] }
            return try c.decode([Int].self, forKey: k)
        }
        modelType = try s(.modelType)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        torchDtype = try s(.torchDtype)
        hiddenSize = try i(.hiddenSize); intermediateSize = try i(.intermediateSize)
        numHiddenLayers = try i(.numHiddenLayers); numAttentionHeads = try i(.numAttentionHeads)
        numKeyValueHeads = try i(.numKeyValueHeads); headDim = try i(.headDim)
        vocabSize = try i(.vocabSize); maxPositionEmbeddings = try i(.maxPositionEmbeddings); typeVocabSize = try i(.typeVocabSize)
        nEmbd = try i(.nEmbd); nLayer = try i(.nLayer); nHead = try i(.nHead)
        nPositions = try i(.nPositions); nInner = try i(.nInner); nCtx = try i(.nCtx)
        activationFunction = try s(.activationFunction)
        rmsNormEps = try d(.rmsNormEps); layerNormEpsilon = try d(.layerNormEpsilon); layerNormEps = try d(.layerNormEps)
        hiddenAct = try s(.hiddenAct); hiddenActivation = try s(.hiddenActivation)
        ropeTheta = try d(.ropeTheta)
        ropeScaling = try c.decodeIfPresent(RopeScaling.self, forKey: .ropeScaling)
        ropeLocalBaseFreq = try d(.ropeLocalBaseFreq)
        slidingWindow = try i(.slidingWindow); slidingWindowPattern = try i(.slidingWindowPattern)
        useSlidingWindow = try b(.useSlidingWindow); maxWindowLayers = try i(.maxWindowLayers)
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
        queryPreAttnScalar = try d(.queryPreAttnScalar)
        attentionBias = try b(.attentionBias); mlpBias = try b(.mlpBias)
        attnLogitSoftcapping = try d(.attnLogitSoftcapping); finalLogitSoftcapping = try d(.finalLogitSoftcapping)
        tieWordEmbeddings = try b(.tieWordEmbeddings)
        bosTokenId = try ids(.bosTokenId); eosTokenId = try ids(.eosTokenId); padTokenId = try ids(.padTokenId)
    }

    /// Parses a config.json; a malformed file or a field of the wrong type throws a
    /// `ModelFileError` naming the file and the field.
    public static func load(path: String) throws -> HFConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, path: path)
    }

    /// Parses config.json bytes (`path` names the source in errors).
    public static func parse(_ data: Data, path: String) throws -> HFConfig {
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelFileError(path: path, message: "not a JSON object: \(error.localizedDescription)")
        }
        guard let dict = obj as? [String: Any] else { throw ModelFileError(path: path, message: "not a JSON object") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var config: HFConfig
        do {
            config = try decoder.decode(HFConfig.self, from: data)
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx),
                let DecodingError.dataCorrupted(ctx) {
            // Report the JSON key (snake case) rather than the Swift property name.
            let field = ctx.codingPath.map { key in
                key.stringValue.unicodeScalars.map { $0.properties.isUppercase ? "_" + String($0).lowercased() : String($0) }.joined()
            }.joined(separator: ".")
            throw ModelFileError(path: path, message: "field \(field): \(ctx.debugDescription)")
        } catch {
            throw ModelFileError(path: path, message: "\(error)")
        }
        config.raw = dict
        return config
    }
}
