import Foundation
import Numerics
import ModelIO

/// The parameters of one BERT layer, under their Hugging Face names
/// (`encoder.layer.N.attention.self.query.weight` …). Linear weights are [out, in].
struct BertLayerWeights {
    let q, qb, k, kb, v, vb: Parameter          // attention.self.{query,key,value}
    let o, ob: Parameter                        // attention.output.dense
    let ln1w, ln1b: Parameter                   // attention.output.LayerNorm
    let w1, b1: Parameter                       // intermediate.dense [F, C]
    let w2, b2: Parameter                       // output.dense [C, F]
    let ln2w, ln2b: Parameter                   // output.LayerNorm
}

/// One tensor of the model: its HF name (without the `bert.` prefix), shape, and how it is
/// initialised / decayed.
struct BertTensorSpec {
    enum Kind { case matrix, bias, normWeight }
    let name: String
    let shape: [Int]
    let kind: Kind
}

extension BertConfig {
    /// Every tensor in checkpoint order: embeddings, then each layer as HF's BertLayer lists them.
    var tensorSpecs: [BertTensorSpec] {
        let C = hiddenSize, F = intermediateSize
        var s: [BertTensorSpec] = [
            .init(name: "embeddings.word_embeddings.weight", shape: [vocabSize, C], kind: .matrix),
            .init(name: "embeddings.position_embeddings.weight", shape: [maxPositions, C], kind: .matrix),
            .init(name: "embeddings.token_type_embeddings.weight", shape: [typeVocabSize, C], kind: .matrix),
            .init(name: "embeddings.LayerNorm.weight", shape: [C], kind: .normWeight),
            .init(name: "embeddings.LayerNorm.bias", shape: [C], kind: .bias),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for (name, out, inp) in [("attention.self.query", C, C), ("attention.self.key", C, C), ("attention.self.value", C, C),
                                     ("attention.output.dense", C, C)] {
                s.append(.init(name: p + name + ".weight", shape: [out, inp], kind: .matrix))
                s.append(.init(name: p + name + ".bias", shape: [out], kind: .bias))
            }
            s.append(.init(name: p + "attention.output.LayerNorm.weight", shape: [C], kind: .normWeight))
            s.append(.init(name: p + "attention.output.LayerNorm.bias", shape: [C], kind: .bias))
            s.append(.init(name: p + "intermediate.dense.weight", shape: [F, C], kind: .matrix))
            s.append(.init(name: p + "intermediate.dense.bias", shape: [F], kind: .bias))
            s.append(.init(name: p + "output.dense.weight", shape: [C, F], kind: .matrix))
            s.append(.init(name: p + "output.dense.bias", shape: [C], kind: .bias))
            s.append(.init(name: p + "output.LayerNorm.weight", shape: [C], kind: .normWeight))
            s.append(.init(name: p + "output.LayerNorm.bias", shape: [C], kind: .bias))
        }
        return s
    }
}

/// Makes the parameters from `values(spec)`; weight decay only on matrices (HF's no_decay:
/// biases and LayerNorm weights).
func makeBertParameters(_ config: BertConfig, trainable: Bool,
                        values: (BertTensorSpec) throws -> [Float]) throws -> [Parameter] {
    try config.tensorSpecs.map { spec in
        try Parameter(name: spec.name, shape: spec.shape, value: try values(spec), trainable: trainable,
                      weightDecay: spec.kind == .matrix)
    }
}

/// BERT's initialisation (`initializer_range` 0.02): matrices N(0, 0.02²), biases 0, LayerNorm
/// weights 1. Gaussians by Box–Muller from one SplitMix64 stream over the tensors in order.
func bertRandomInit(_ config: BertConfig, seed: UInt64, trainable: Bool) throws -> [Parameter] {
    var rng = SplitMix64(seed: seed)
    return try makeBertParameters(config, trainable: trainable) { spec in
        let n = spec.shape.reduce(1, *)
        switch spec.kind {
        case .bias: return [Float](repeating: 0, count: n)
        case .normWeight: return [Float](repeating: 1, count: n)
        case .matrix:
            return (0..<n).map { _ in
                let u1 = 1 - Double(rng.nextUniform()), u2 = Double(rng.nextUniform())   // u1 in (0, 1]
                return Float(0.02 * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
            }
        }
    }
}

/// Reads every tensor from an HF folder. Checkpoints saved from `BertForSequenceClassification`
/// & co. prefix the encoder's names with `bert.`; both spellings are accepted (not mixed).
/// `pooler.*`, heads and buffers such as `embeddings.position_ids` are ignored.
func bertLoadParameters(_ dir: HFModelDirectory, config: BertConfig, trainable: Bool) throws -> [Parameter] {
    let names = Set(dir.tensorNames)
    let prefix = names.contains("bert.embeddings.word_embeddings.weight") ? "bert." : ""
    let files = dir.files.map(\.path).joined(separator: ", ")
    return try makeBertParameters(config, trainable: trainable) { spec in
        let name = prefix + spec.name
        guard names.contains(name) else { throw ModelFileError(path: files, message: "missing tensor \(name)") }
        return try dir.file(of: name).floats(name, shape: spec.shape)   // names file, tensor and shapes
    }
}
