/// Per-layer float32 keys and values of the tokens a model has seen, with their positions.
/// `forward` appends; `truncate` drops a suffix (to reuse a shared prefix); `fork` copies.
/// Layout per layer: [capacity, kvDim] row-major, rows 0..<count valid.
public final class KVCache {
    public let nLayers: Int
    public let kvDim: Int
    public private(set) var count = 0
    public private(set) var capacity = 0
    /// Position of each cached row (normally 0, 1, 2, …).
    public private(set) var positions: [Int32] = []
    var keys: [UnsafeMutablePointer<Float>] = []
    var values: [UnsafeMutablePointer<Float>] = []

    public init(nLayers: Int, kvDim: Int, capacity: Int = 64) {
        self.nLayers = nLayers
        self.kvDim = kvDim
        reserve(max(capacity, 1))
    }
    deinit { for p in keys + values { p.deallocate() } }

    /// Makes room for `n` rows in total, keeping the contents (grows geometrically).
    public func reserve(_ n: Int) {
        if n <= capacity { return }
        let newCap = max(n, capacity * 2)
        for l in 0..<nLayers {
            let k = UnsafeMutablePointer<Float>.allocate(capacity: newCap * kvDim)
            let v = UnsafeMutablePointer<Float>.allocate(capacity: newCap * kvDim)
            if l < keys.count {
                k.update(from: keys[l], count: count * kvDim); keys[l].deallocate(); keys[l] = k
                v.update(from: values[l], count: count * kvDim); values[l].deallocate(); values[l] = v
            } else {
                keys.append(k); values.append(v)
            }
        }
        capacity = newCap
    }

    /// Keys of layer `l`: [capacity, kvDim]; rows 0..<count are valid.
    public func keys(layer l: Int) -> UnsafeMutablePointer<Float> { keys[l] }
    public func values(layer l: Int) -> UnsafeMutablePointer<Float> { values[l] }

    /// Declares rows count..<count+newPositions.count written (by the forward pass) and valid.
    func commit(_ newPositions: [Int32]) {
        precondition(count + newPositions.count <= capacity)
        positions += newPositions
        count += newPositions.count
    }

    /// Keeps only the first `n` tokens (n ≤ count), e.g. to score another continuation of a shared prefix.
    public func truncate(to n: Int) {
        precondition(n >= 0 && n <= count, "KVCache.truncate(to: \(n)) with \(count) cached tokens")
        count = n
        positions.removeSubrange(n...)
    }

    /// An independent copy (same contents, its own storage).
    public func fork() -> KVCache {
        let c = KVCache(nLayers: nLayers, kvDim: kvDim, capacity: max(count, 1))
        for l in 0..<nLayers {
            c.keys[l].update(from: keys[l], count: count * kvDim)
            c.values[l].update(from: values[l], count: count * kvDim)
        }
        c.count = count
        c.positions = positions
        return c
    }
}
