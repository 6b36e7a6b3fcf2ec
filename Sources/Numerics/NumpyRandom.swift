// NumPy-compatible random numbers: MT19937 and the legacy `numpy.random.RandomState` draws that
// sklearn and the papers' Python code used (permutation, randint, random_sample).
//
// Why bit-compatible with NumPy: paper B splits Provo with sklearn's `train_test_split(...,
// random_state=42)`, which is `RandomState(42).permutation(n)`. Reproducing that split as a method
// (not as a hard-coded list) needs the same generator and the same integer-sampling algorithm.
// Every other seeded procedure in the project (oracle halves, bootstrap) uses this generator too, so
// a few lines of Python with NumPy can re-run it and get the same numbers.
//
// Algorithms (as in NumPy's C sources, re-expressed here):
//  - MT19937 with `init_genrand(seed)`: the seeding NumPy's legacy `RandomState(int)` uses.
//  - 53-bit doubles: (a >> 5, b >> 6) from two 32-bit outputs, (a * 2^26 + b) / 2^53.
//  - bounded integers in [0, max]: masked rejection sampling. The mask is the smallest all-ones
//    value >= max; draw 32-bit outputs (64-bit = hi << 32 | lo when max > 2^32 - 1), AND with the
//    mask, reject while > max. Used by legacy `shuffle`/`permutation` and legacy `randint`.
//  - permutation(n): arange(n), then for i = n-1 down to 1: j = bounded(i), swap a[i], a[j].

/// The 32-bit Mersenne Twister (MT19937), seeded like NumPy's legacy `RandomState(seed)`.
public struct MT19937 {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// Seeds with Matsumoto & Nishimura's `init_genrand(seed)`.
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let prev = state[i - 1]
            state[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// Regenerates all 624 words of state (the "twist").
    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        state.withUnsafeMutableBufferPointer { mt in
            for i in 0..<624 {
                let y = (mt[i] & upper) | (mt[(i + 1) % 624] & lower)
                var next = mt[(i + 397) % 624] ^ (y >> 1)
                if y & 1 != 0 { next ^= matrixA }
                mt[i] = next
            }
        }
        index = 0
    }

    /// The next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }
}

/// Draws compatible with NumPy's legacy `numpy.random.RandomState(seed)` for an integer seed.
///
/// Same seed and same sequence of calls ⇒ the same numbers as NumPy (tested against sequences
/// generated with NumPy 2.4).
public struct NumpyRandomState {
    private var mt: MT19937

    /// `RandomState(seed)` for 0 <= seed < 2^32.
    public init(seed: UInt32) { mt = MT19937(seed: seed) }

    /// One raw 32-bit output (NumPy: `randint(0, 2**32, dtype=np.uint32)` consumes exactly one).
    public mutating func nextUInt32() -> UInt32 { mt.nextUInt32() }

    /// One raw 64-bit output: the first 32-bit draw is the high half (NumPy's `next_uint64`).
    public mutating func nextUInt64() -> UInt64 {
        let hi = UInt64(mt.nextUInt32())
        let lo = UInt64(mt.nextUInt32())
        return (hi << 32) | lo
    }

    /// `random_sample()`: a double in [0, 1) with 53 random bits.
    public mutating func randomSample() -> Double {
        let a = mt.nextUInt32() >> 5, b = mt.nextUInt32() >> 6
        return (Double(a) * 67_108_864.0 + Double(b)) / 9_007_199_254_740_992.0
    }

    /// A uniform integer in [0, max] by masked rejection sampling (NumPy's `random_interval`,
    /// also what legacy `randint` does for 64-bit integer output).
    public mutating func boundedUInt64(max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xffff_ffff {
            let mask32 = UInt32(truncatingIfNeeded: mask), max32 = UInt32(truncatingIfNeeded: max)
            while true {
                let value = mt.nextUInt32() & mask32
                if value <= max32 { return UInt64(value) }
            }
        }
        while true {
            let value = nextUInt64() & mask
            if value <= max { return value }
        }
    }

    /// Legacy `randint(low, high)`: a uniform integer in [low, high). Returns `low` without consuming
    /// a draw when high - low == 1, as NumPy does. Requires low < high.
    public mutating func randint(low: Int, high: Int) -> Int {
        precondition(low < high, "randint: low (\(low)) must be < high (\(high))")
        let range = UInt64(bitPattern: Int64(high) &- Int64(low)) &- 1
        return low &+ Int(truncatingIfNeeded: boundedUInt64(max: range))
    }

    /// Legacy `shuffle(a)` for a 1-D array: Fisher-Yates from the end.
    public mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i >= 1 {
            let j = Int(boundedUInt64(max: UInt64(i)))
            a.swapAt(i, j)
            i -= 1
        }
    }

    /// Legacy `permutation(n)`: a shuffled `arange(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<max(n, 0))
        shuffle(&a)
        return a
    }
}
