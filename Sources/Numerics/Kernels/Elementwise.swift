import Foundation

/// Runs `body` over 0..<n split into fixed chunks spread over all cores.
///
/// Only for elementwise work, where each element's result is computed the same way whichever
/// chunk (and thread) it lands in, so results are bit-identical to a serial loop. Small inputs
/// (one chunk) run inline: the decode path of the runtime sees N of a few thousand.
@inlinable
public func forEachChunk(_ n: Int, chunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    if n <= chunk {
        if n > 0 { body(0..<n) }
        return
    }
    let chunks = (n + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body((c * chunk)..<min(n, (c + 1) * chunk))
    }
}

/// Σ x² over 0..<n in Double, deterministically: fixed chunks summed in parallel, then the chunk
/// sums added in chunk order (the result does not depend on the number of threads).
public func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int, chunk: Int = 1 << 16) -> Double {
    let chunks = (n + chunk - 1) / chunk
    if chunks <= 1 {
        var s = 0.0
        for i in 0..<n { s += Double(x[i]) * Double(x[i]) }
        return s
    }
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
    defer { partial.deallocate() }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        var s = 0.0
        for i in (c * chunk)..<min(n, (c + 1) * chunk) { s += Double(x[i]) * Double(x[i]) }
        partial[c] = s
    }
    var total = 0.0
    for c in 0..<chunks { total += partial[c] }
    return total
}
