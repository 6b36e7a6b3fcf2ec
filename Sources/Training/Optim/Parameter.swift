/// A trainable tensor: its values, its gradient (same size, accumulated by the backward kernels)
/// and whether decoupled weight decay applies to it (HF convention: not to biases and norms).
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var grad: [Float]
    public var weightDecay: Bool

    public init(name: String, shape: [Int], value: [Float], weightDecay: Bool = true) throws {
        let n = shape.reduce(1, *)
        guard value.count == n else {
            throw TrainingError("parameter \(name): \(value.count) values for shape \(shape)")
        }
        self.name = name; self.shape = shape; self.value = value
        self.grad = [Float](repeating: 0, count: n); self.weightDecay = weightDecay
    }

    public var count: Int { value.count }
    public func zeroGrad() { for i in grad.indices { grad[i] = 0 } }
}

/// Zeroes every parameter's gradient (call after each optimiser step; between the
/// micro-batches of one step the gradients keep accumulating).
public func zeroGrads(_ params: [Parameter]) { for p in params { p.zeroGrad() } }
