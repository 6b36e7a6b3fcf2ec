import Foundation
import ModelIO

/// Saving and resuming a training run, and exporting the fine-tuned weights.
///
/// A checkpoint is a directory with two safetensors files (float32, so a resume is exact):
/// - `trainable.safetensors`: every trainable parameter under its own name (the LoRA A/B
///   matrices as `blk.N.attn_q.lora_A` …, or all GGUF-named weights for full fine-tuning);
/// - `optimizer.safetensors`: AdamW's moments as `<name>.exp_avg` / `<name>.exp_avg_sq`, with
///   the step count in the metadata key `adam_step`.
/// Caller metadata (seed, epoch, position in the data order…) goes into the header of
/// `trainable.safetensors` and comes back from `load`.
public enum Checkpoint {
    public static let trainableFile = "trainable.safetensors"
    public static let optimizerFile = "optimizer.safetensors"

    public static func save(_ trainer: DecoderTrainer, optimizer: AdamW, directory: String,
                            metadata: [String: String] = [:]) throws {
        try save(parameters: trainer.trainableParameters, optimizer: optimizer, directory: directory, metadata: metadata)
    }

    /// The same for any list of trainable parameters (the decoder trainer's, or an encoder
    /// classifier's): names must be unique, the order is the optimiser's.
    public static func save(parameters params: [Parameter], optimizer: AdamW, directory: String,
                            metadata: [String: String] = [:]) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("checkpoint \(directory): cannot create directory (\(error.localizedDescription))")
        }
        let tensors = params.map { SafetensorsWriter.Tensor(name: $0.name, shape: $0.shape, values: $0.values) }
        try SafetensorsWriter.write(tensors, metadata: metadata, to: directory + "/" + trainableFile)
        var state: [SafetensorsWriter.Tensor] = []
        if !optimizer.m.isEmpty {
            guard optimizer.m.count == params.count else {
                throw TrainingError("checkpoint \(directory): optimiser has state for \(optimizer.m.count) parameters, trainer has \(params.count)")
            }
            for (i, p) in params.enumerated() {
                state.append(.init(name: p.name + ".exp_avg", shape: p.shape, values: optimizer.m[i]))
                state.append(.init(name: p.name + ".exp_avg_sq", shape: p.shape, values: optimizer.v[i]))
            }
        }
        try SafetensorsWriter.write(state, metadata: ["adam_step": String(optimizer.t)], to: directory + "/" + optimizerFile)
    }

    /// Saves a checkpoint as a whole in place of the one in `directory`: it is written to
    /// `<directory>.tmp` first (with the caller's further files, e.g. a training log, from
    /// `extraFiles`, which gets that folder); then the old one is renamed `<directory>.old`, the new
    /// one takes its place and the old one is removed. Renames are atomic, so a run killed at any
    /// point has a whole checkpoint to resume from (`exists` puts `.old` back when the kill came
    /// between the two renames).
    public static func replace(parameters params: [Parameter], optimizer: AdamW, directory: String,
                               metadata: [String: String] = [:], extraFiles: (String) throws -> Void = { _ in }) throws {
        let fm = FileManager.default, tmp = directory + ".tmp", old = directory + ".old"
        try? fm.removeItem(atPath: tmp)
        try save(parameters: params, optimizer: optimizer, directory: tmp, metadata: metadata)
        try extraFiles(tmp)
        try? fm.removeItem(atPath: old)
        if fm.fileExists(atPath: directory) { try move(directory, to: old) }
        try move(tmp, to: directory)
        try? fm.removeItem(atPath: old)
    }

    /// Whether `directory` holds a checkpoint to resume from, once what a kill in the middle of
    /// `replace` left is sorted out: the previous checkpoint (`.old`) is put back if the new one
    /// was not yet in place, and removed if it was.
    public static func exists(directory: String) throws -> Bool {
        let fm = FileManager.default, old = directory + ".old"
        if fm.fileExists(atPath: old) {
            if fm.fileExists(atPath: directory) { try? fm.removeItem(atPath: old) } else { try move(old, to: directory) }
        }
        return fm.fileExists(atPath: directory + "/" + trainableFile)
    }

    private static func move(_ from: String, to: String) throws {
        do {
            try FileManager.default.moveItem(atPath: from, toPath: to)
        } catch {
            throw TrainingError("checkpoint: cannot move \(from) to \(to) (\(error.localizedDescription))")
        }
    }

    /// Writes the parameters' values alone (no optimiser state) to one safetensors file (through a
    /// temp file and a rename, SafetensorsWriter): e.g. the best epoch's weights of an early-stopped run.
    public static func saveWeights(_ params: [Parameter], to path: String, metadata: [String: String] = [:]) throws {
        try SafetensorsWriter.write(params.map { .init(name: $0.name, shape: $0.shape, values: $0.values) }, metadata: metadata, to: path)
    }

    /// Sets every parameter from a file written by `saveWeights` (or a checkpoint's trainable
    /// file); each must be there with its shape. Returns the file's metadata.
    @discardableResult
    public static func loadWeights(_ params: [Parameter], from path: String) throws -> [String: String] {
        let file = try SafetensorsFile(path: path)
        for p in params {
            guard file.has(p.name) else { throw ModelFileError(path: file.path, message: "missing tensor \(p.name)") }
            try p.setValues(try file.floats(p.name, shape: p.shape))
        }
        return file.metadata
    }

    /// Restores the trainable parameters and the optimiser state saved by `save`; returns the
    /// caller metadata. Every tensor must be present with the saved shape.
    @discardableResult
    public static func load(_ trainer: DecoderTrainer, optimizer: AdamW, directory: String) throws -> [String: String] {
        try load(parameters: trainer.trainableParameters, optimizer: optimizer, directory: directory)
    }

    /// `load` for the parameter list given to `save(parameters:…)`.
    @discardableResult
    public static func load(parameters params: [Parameter], optimizer: AdamW, directory: String) throws -> [String: String] {
        let metadata = try loadWeights(params, from: directory + "/" + trainableFile)
        let stateFile = try SafetensorsFile(path: directory + "/" + optimizerFile)
        guard let stepText = stateFile.metadata["adam_step"], let step = Int(stepText), step >= 0 else {
            throw ModelFileError(path: stateFile.path, message: "missing or bad metadata adam_step")
        }
        if step == 0 && stateFile.tensorNames.isEmpty {
            try optimizer.restore(t: 0, m: [], v: [])
        } else {
            var m: [[Float]] = [], v: [[Float]] = []
            for p in params {
                for (suffix, isM) in [(".exp_avg", true), (".exp_avg_sq", false)] {
                    let name = p.name + suffix
                    guard stateFile.has(name) else { throw ModelFileError(path: stateFile.path, message: "missing tensor \(name)") }
                    let values = try stateFile.floats(name, shape: p.shape)
                    if isM { m.append(values) } else { v.append(values) }
                }
            }
            try optimizer.restore(t: step, m: m, v: v)
        }
        return metadata
    }

    /// Writes the full model with every LoRA adapter merged into its base weight
    /// (W + (alpha/r)·B·A), under GGUF tensor names, as one safetensors file. `dtype` .bf16 or
    /// .f16 halves the size; .f32 keeps the weights exactly. Read it back for inference with the
    /// base model's config: `loadModel(weights: SafetensorsFile(path: p), config: trainer.config, naming: .gguf)`
    /// (the values are in the runtime's layouts, e.g. llama q/k rows in GGUF's interleaved order;
    /// GPT-2's q, k, v are fused back into `attn_qkv` [3C, C] rows q, k, v, as its GGUF loader expects).
    public static func saveMergedModel(_ trainer: DecoderTrainer, path: String, dtype: SafetensorsDType = .f32,
                                       metadata: [String: String] = [:]) throws {
        var tensors: [SafetensorsWriter.Tensor] = []
        let w = trainer.weights
        for p in [w.tokenEmbedding, w.outputNorm] + [w.outputNormBias, w.positionEmbedding, w.output].compactMap({ $0 }) {
            tensors.append(.init(name: p.name, shape: p.shape, dtype: dtype, values: p.values))
        }
        let fuseQKV = trainer.config.architecture == .gpt2
        for (l, layer) in w.layers.enumerated() {
            var merged: [String: [Float]] = [:]
            for p in layer.all {
                var values = p.values
                if let target = LoRATarget.allCases.first(where: { layer.weight(for: $0) === p }),
                   let adapter = trainer.lora[l][target] {
                    values = adapter.mergedWeight(p.valuePointer)
                }
                merged[p.name] = values
                if !(fuseQKV && [layer.wq, layer.wk, layer.wv, layer.bq, layer.bk, layer.bv].contains(where: { $0 === p })) {
                    tensors.append(.init(name: p.name, shape: p.shape, dtype: dtype, values: values))
                }
            }
            if fuseQKV, let bq = layer.bq, let bk = layer.bk, let bv = layer.bv {
                let qkv = [layer.wq, layer.wk, layer.wv].flatMap { merged[$0.name]! }
                let bias = [bq, bk, bv].flatMap { merged[$0.name]! }
                tensors.append(.init(name: "blk.\(l).attn_qkv.weight", shape: [bias.count, layer.wq.shape[1]],
                                     dtype: dtype, values: qkv))
                tensors.append(.init(name: "blk.\(l).attn_qkv.bias", shape: [bias.count], dtype: dtype, values: bias))
            }
        }
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
    }
}
