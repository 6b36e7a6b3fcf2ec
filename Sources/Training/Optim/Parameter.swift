/// A trainable (or frozen) tensor: its values and, if trainable, its gradient (same size,
/// accumulated by the backward kernels), plus whether decoupled weight decay applies to it
/// (HF convention: not to biases and norms).
///
/// Storage is owned flat memory, so kernels take `valuePointer` / `gradPointer` directly (no
/// closure nesting per buffer, no array copy-on-write in hot paths). A frozen parameter (the
/// base weights under LoRA) has no gradient buffer at all: `gradPointer` is nil, which the
/// backward kernels read as "skip this gradient".
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public let count: Int
    public let trainable: Bool
    public var weightDecay: Bool
    /// The values (count floats).
    public let value: UnsafeMutableBufferPointer<Float>
    /// The gradient (count floats if trainable, empty if frozen).
    public let grad: UnsafeMutableBufferPointer<Float>

    public init(name: String, shape: [Int], value: [Float], trainable: Bool = true, weightDecay: Bool = true) throws {
        let n = shape.reduce(1, *)
        guard value.count == n, shape.allSatisfy({ $0 >= 0 }) else {
            throw TrainingError("parameter \(name): \(value.count) values for shape \(shape)")
        }
        self.name = name; self.shape = shape; self.count = n
        self.trainable = trainable; self.weightDecay = weightDecay
        self.value = .allocate(capacity: n)
        _ = self.value.initialize(from: value)
        self.grad = .allocate(capacity: trainable ? n : 0)
        self.grad.initialize(repeating: 0)
    }

    deinit { value.deallocate(); grad.deallocate() }

    public var valuePointer: UnsafeMutablePointer<Float> { value.baseAddress! }
    public var gradPointer: UnsafeMutablePointer<Float>? { trainable ? grad.baseAddress : nil }

    /// The values as an array (a copy).
    public var values: [Float] { Array(value) }
    /// The gradient as an array (a copy; empty if frozen).
    public var gradient: [Float] { Array(grad) }

    /// Overwrites the values; the count must match.
    public func setValues(_ v: [Float]) throws {
        guard v.count == count else { throw TrainingError("parameter \(name): \(v.count) values for \(count)") }
        _ = value.update(from: v)
    }
    /// Overwrites the gradient; the count must match (trainable parameters only).
    public func setGradient(_ g: [Float]) throws {
        guard trainable, g.count == count else { throw TrainingError("parameter \(name): cannot set \(g.count) gradient values") }
        _ = grad.update(from: g)
    }

    public func zeroGrad() { grad.update(repeating: 0) }
}

/// Zeroes every parameter's gradient (call after each optimiser step; between the
/// micro-batches of one step the gradients keep accumulating).
public func zeroGrads(_ params: [Parameter]) { for p in params { p.zeroGrad() } }
