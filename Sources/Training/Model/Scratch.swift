/// Owned float memory that is reused across calls and only grows: activation and gradient
/// buffers of the trainer are allocated once per sequence length, not per use.
final class Scratch {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private var capacity: Int

    init() { pointer = .allocate(capacity: 1); capacity = 1 }
    deinit { pointer.deallocate() }

    /// At least n floats (contents unspecified).
    func get(_ n: Int) -> UnsafeMutablePointer<Float> {
        if n > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: n)
            capacity = n
        }
        return pointer
    }

    /// At least n floats, the first n set to 0 (for gradients the kernels accumulate into).
    func zeroed(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = get(n)
        p.update(repeating: 0, count: n)
        return p
    }
}

/// The activations one block keeps from the forward pass for its backward pass.
final class BlockActivations {
    let xIn = Scratch(), h1 = Scratch(), rstd1 = Scratch(), mean1 = Scratch(), mean2 = Scratch()
    let qPre = Scratch(), qRstd = Scratch(), kPre = Scratch(), kRstd = Scratch()
    let q = Scratch(), k = Scratch(), v = Scratch(), att = Scratch()
    let o = Scratch(), oRstd = Scratch(), x2 = Scratch(), h2 = Scratch(), rstd2 = Scratch()
    let gate = Scratch(), up = Scratch(), act = Scratch(), m = Scratch(), mRstd = Scratch()
}
