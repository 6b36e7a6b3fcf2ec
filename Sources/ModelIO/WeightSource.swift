/// Where a model's weights come from: a GGUF file or a Hugging Face safetensors directory.
/// Shapes are row-major, outermost dimension first, as PyTorch prints them: a linear layer's
/// weight is `[out, in]`. `floats` returns the tensor dequantised to float32 in that order.
/// Tensor names are the file's own (GGUF: `blk.0.attn_q.weight`; HF: `model.layers.0.self_attn.q_proj.weight`);
/// each architecture maps its parameters to these names.
public protocol WeightSource: AnyObject {
    var path: String { get }
    var tensorNames: [String] { get }
    func shape(of name: String) throws -> [Int]
    func floats(_ name: String) throws -> [Float]
}

extension WeightSource {
    public func has(_ name: String) -> Bool { tensorNames.contains(name) }

    /// Loads a tensor and checks its shape, so a wrong model file fails with the tensor's name.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        let s = try shape(of: name)
        guard s == expected else {
            throw ModelFileError(path: path, message: "tensor \(name): shape \(s), expected \(expected)")
        }
        return try floats(name)
    }
}

/// Weights held in memory under whatever names the caller gives them: for models built in code
/// (tests, tiny random models) rather than read from a file. Shapes are row-major as above.
public final class InMemoryWeights: WeightSource {
    public let path: String
    /// name → (row-major shape, values).
    public var tensors: [String: ([Int], [Float])] = [:]
    public init(path: String = "<memory>") { self.path = path }
    public var tensorNames: [String] { tensors.keys.sorted() }
    public func shape(of name: String) throws -> [Int] { try entry(name).0 }
    public func floats(_ name: String) throws -> [Float] { try entry(name).1 }
    private func entry(_ name: String) throws -> ([Int], [Float]) {
        guard let t = tensors[name] else { throw ModelFileError(path: path, message: "missing tensor \(name)") }
        return t
    }
}
