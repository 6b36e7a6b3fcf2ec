import Foundation
import ModelIO

/// A fine-tuned model folder written by `finetune run` (`<output>/model/`):
///
///     finetuned.json       {"format": "distlab-finetuned", "base_model": "/abs/path/base.gguf",
///                           "weights": "model.safetensors", ...}
///     model.safetensors    every tensor under its GGUF name, float32, in the runtime's layouts
///                          (LoRA adapters merged into the base weights)
///
/// The base model file gives the architecture/config and the tokenizer; the weights come from
/// the folder. `loadModel(path:)` and `Tokenizer.load(path:)` recognise such a folder by its
/// manifest.
public enum FineTunedModel {
    public static let manifestFile = "finetuned.json"
    public static let weightsFile = "model.safetensors"
    public static let format = "distlab-finetuned"

    /// The manifest's fields (extra keys such as the method or target are kept for humans).
    public struct Manifest: Codable, Sendable, Equatable {
        public var format: String
        /// Absolute path of the base model (GGUF file or Hugging Face directory).
        public var base_model: String
        /// The weights file, relative to the folder.
        public var weights: String
        public var method: String?
        public var target: String?
        public init(baseModel: String, weights: String = FineTunedModel.weightsFile, method: String? = nil, target: String? = nil) {
            self.format = FineTunedModel.format; self.base_model = baseModel; self.weights = weights
            self.method = method; self.target = target
        }
    }

    /// Whether `path` is a folder with a fine-tuned model manifest.
    public static func isFineTunedFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(manifestFile))
    }

    public static func readManifest(folder: String) throws -> Manifest {
        let p = (folder as NSString).appendingPathComponent(manifestFile)
        guard let data = FileManager.default.contents(atPath: p) else { throw ModelFileError(path: p, message: "cannot read manifest") }
        let m: Manifest
        do { m = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw ModelFileError(path: p, message: "bad fine-tuned model manifest: \(error)")
        }
        guard m.format == format else { throw ModelFileError(path: p, message: "format is '\(m.format)', expected '\(format)'") }
        return m
    }

    public static func writeManifest(_ m: Manifest, folder: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let p = (folder as NSString).appendingPathComponent(manifestFile)
        do { try enc.encode(m).write(to: URL(fileURLWithPath: p), options: .atomic) } catch {
            throw ModelFileError(path: p, message: "cannot write manifest (\(error.localizedDescription))")
        }
    }

    /// The runtime config of a model file or HF directory without loading its weights.
    public static func config(ofBase path: String) throws -> ModelConfig {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ModelFileError(path: path, message: "base model not found")
        }
        if isDir.boolValue {
            let dir = try HFModelDirectory(path: path)
            return try ModelConfig(hf: dir.config.raw, path: path + "/config.json")
        }
        return try ModelConfig(gguf: GGUFFile(path: path))
    }

    /// Loads the fine-tuned model: the base model's config, the folder's merged weights.
    public static func load(folder: String) throws -> Transformer {
        let m = try readManifest(folder: folder)
        let config = try config(ofBase: m.base_model)
        let weights = try SafetensorsFile(path: (folder as NSString).appendingPathComponent(m.weights))
        return try loadModel(weights: weights, config: config, naming: .gguf)
    }
}
