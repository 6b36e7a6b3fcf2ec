import Foundation

/// A Hugging Face model directory: `config.json`, the weights in one `model.safetensors` or
/// in shards listed by `model.safetensors.index.json` (or, without either, every `*.safetensors`
/// file in the directory), and optionally `tokenizer.json`. All shards together are one
/// `WeightSource` with the checkpoint's own tensor names (`model.layers.0.self_attn.q_proj.weight`).
public final class HFModelDirectory: WeightSource, @unchecked Sendable {
    /// The directory.
    public let path: String
    public let config: HFConfig
    /// `config.json` in the directory (for error messages of code that reads `config.raw`).
    public let configPath: String
    /// The weight files, in the order their tensors appear in `tensorNames`.
    public let files: [SafetensorsFile]
    /// All tensor names: file by file, each in data order.
    public let tensorNames: [String]
    /// `tokenizer.json` in the directory, if present.
    public let tokenizerPath: String?
    /// Index into `files` of each tensor's file.
    private let fileOfTensor: [String: Int]

    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelFileError(path: path, message: "not a directory")
        }
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

        configPath = file("config.json")
        guard fm.fileExists(atPath: configPath) else { throw ModelFileError(path: configPath, message: "missing config.json") }
        config = try HFConfig.load(path: configPath)
        tokenizerPath = fm.fileExists(atPath: file("tokenizer.json")) ? file("tokenizer.json") : nil

        // Which files hold the weights, and (for a sharded checkpoint) which tensor each holds.
        let indexPath = file("model.safetensors.index.json")
        var weightMap: [String: String]? = nil
        let shardNames: [String]
        if fm.fileExists(atPath: indexPath) {
            let map = try Self.readWeightMap(indexPath)
            weightMap = map
            shardNames = Set(map.values).sorted()
        } else if fm.fileExists(atPath: file("model.safetensors")) {
            shardNames = ["model.safetensors"]
        } else {
            let all = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            shardNames = all.filter { $0.hasSuffix(".safetensors") }.sorted()
        }
        guard !shardNames.isEmpty else {
            throw ModelFileError(path: path, message: "no *.safetensors weights (nor model.safetensors.index.json)")
        }
        for s in shardNames where s.contains("/") || s == ".." {
            throw ModelFileError(path: indexPath, message: "shard name \(s) is not a file in the directory")
        }

        var files: [SafetensorsFile] = []
        var names: [String] = []
        var owner: [String: Int] = [:]
        for (i, shard) in shardNames.enumerated() {
            let st = try SafetensorsFile(path: file(shard))
            for name in st.tensorNames {
                if let prev = owner[name] {
                    throw ModelFileError(path: st.path, message: "tensor \(name) also in \(files[prev].path)")
                }
                owner[name] = i
                names.append(name)
            }
            files.append(st)
        }
        if let map = weightMap {
            for (name, shard) in map.sorted(by: { $0.key < $1.key }) {
                guard let i = owner[name], files[i].path == file(shard) else {
                    throw ModelFileError(path: file(shard), message: "missing tensor \(name) (listed in model.safetensors.index.json)")
                }
            }
        }
        self.files = files
        self.tensorNames = names
        self.fileOfTensor = owner
    }

    /// The `weight_map` of a safetensors index: tensor name → shard file name.
    private static func readWeightMap(_ indexPath: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw ModelFileError(path: indexPath, message: "cannot read: \(error.localizedDescription)")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw ModelFileError(path: indexPath, message: "not a JSON object")
        }
        guard let raw = dict["weight_map"] as? [String: Any] else {
            throw ModelFileError(path: indexPath, message: "missing or invalid weight_map")
        }
        var map: [String: String] = [:]
        for (name, v) in raw {
            guard let shard = v as? String else { throw ModelFileError(path: indexPath, message: "weight_map \(name): not a file name") }
            map[name] = shard
        }
        guard !map.isEmpty else { throw ModelFileError(path: indexPath, message: "weight_map is empty") }
        return map
    }

    /// The file that holds `name`.
    public func file(of name: String) throws -> SafetensorsFile {
        guard let i = fileOfTensor[name] else { throw ModelFileError(path: path, message: "missing tensor \(name)") }
        return files[i]
    }

    public func shape(of name: String) throws -> [Int] { try file(of: name).shape(of: name) }

    public func floats(_ name: String) throws -> [Float] { try file(of: name).floats(name) }
}
