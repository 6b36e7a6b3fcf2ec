import XCTest
import Foundation
import Numerics

/// Deterministic test data: a small LCG so every run sees the same numbers.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    /// Uniform in [-scale, scale).
    mutating func float(_ scale: Float = 1) -> Float { (Float(next() % 1_000_000) / 500_000 - 1) * scale }
    mutating func floats(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in float(scale) } }
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

final class BLASTests: XCTestCase {
    func testSgemmAllTranspositionsMatchNaiveProduct() {
        var rng = TestRNG(seed: 1)
        let M = 7, N = 5, K = 9
        for transA in [false, true] {
            for transB in [false, true] {
                let a = rng.floats(M * K), b = rng.floats(K * N), c0 = rng.floats(M * N)
                // Element accessors for the stored layouts.
                func A(_ i: Int, _ k: Int) -> Double { Double(transA ? a[k * M + i] : a[i * K + k]) }
                func B(_ k: Int, _ j: Int) -> Double { Double(transB ? b[j * K + k] : b[k * N + j]) }
                var ref = [Double](repeating: 0, count: M * N)
                for i in 0..<M { for j in 0..<N {
                    var s = 0.0
                    for k in 0..<K { s += A(i, k) * B(k, j) }
                    ref[i * N + j] = 0.5 * s + 2 * Double(c0[i * N + j])
                } }
                var c = c0
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5,
                          A: ap.baseAddress!, lda: transA ? M : K, B: bp.baseAddress!, ldb: transB ? K : N,
                          beta: 2, C: cp.baseAddress!, ldc: N)
                } } }
                XCTAssertLessThan(maxAbsDiff(c, ref), 1e-5, "transA \(transA) transB \(transB)")
            }
        }
    }

    func testSgemvBothDirections() {
        var rng = TestRNG(seed: 2)
        let M = 6, N = 4
        let a = rng.floats(M * N), xN = rng.floats(N), xM = rng.floats(M)
        var y1 = [Float](repeating: 0, count: M), y2 = [Float](repeating: 0, count: N)
        sgemv(M: M, N: N, A: a, lda: N, x: xN, y: &y1)
        sgemv(trans: true, M: M, N: N, A: a, lda: N, x: xM, y: &y2)
        let r1 = (0..<M).map { i in (0..<N).reduce(0.0) { $0 + Double(a[i * N + $1]) * Double(xN[$1]) } }
        let r2 = (0..<N).map { j in (0..<M).reduce(0.0) { $0 + Double(a[$1 * N + j]) * Double(xM[$1]) } }
        XCTAssertLessThan(maxAbsDiff(y1, r1), 1e-6)
        XCTAssertLessThan(maxAbsDiff(y2, r2), 1e-6)
    }
}

final class KernelTests: XCTestCase {
    func testLinearWithAndWithoutBias() {
        var rng = TestRNG(seed: 3)
        // T = 1: sgemv; T = 3, 9: the skinny kernel (inDim 75 = 9 SIMD blocks + a tail,
        // outDim 130 split across cores); T = 20: sgemm.
        for T in [1, 3, 9, 20] {
        let I = 75, O = 130
        let x = rng.floats(T * I), w = rng.floats(O * I), b = rng.floats(O)
        for useBias in [false, true] {
            var y = [Float](repeating: 9, count: T * O)  // garbage in the output must not leak through
            y.withUnsafeMutableBufferPointer { yp in
                b.withUnsafeBufferPointer { bp in
                    linearForward(out: yp.baseAddress!, inp: x, weight: w, bias: useBias ? bp.baseAddress! : nil, T: T, inDim: I, outDim: O)
                }
            }
            var ref = [Double](repeating: 0, count: T * O)
            for t in 0..<T { for o in 0..<O {
                var s = useBias ? Double(b[o]) : 0
                for i in 0..<I { s += Double(x[t * I + i]) * Double(w[o * I + i]) }
                ref[t * O + o] = s
            } }
            XCTAssertLessThan(maxAbsDiff(y, ref), 1e-5, "T \(T) bias \(useBias)")
        }
        }
    }

    func testEmbeddingAndPositions() {
        let table: [Float] = [0, 1, 10, 11, 20, 21]  // vocab 3, C 2
        let pos: [Float] = [100, 200, 300, 400]      // 2 positions
        var y = [Float](repeating: 0, count: 4)
        embeddingForward(out: &y, tokens: [2, 0], table: table, T: 2, C: 2, scale: 2)
        XCTAssertEqual(y, [40, 42, 0, 2])
        addPositionEmbedding(out: &y, positions: [1, 0], table: pos, T: 2, C: 2)
        XCTAssertEqual(y, [340, 442, 100, 202])
    }

    func testRMSNorm() {
        var rng = TestRNG(seed: 4)
        let T = 3, C = 16
        let x = rng.floats(T * C, 3), w = rng.floats(C)
        var y = [Float](repeating: 0, count: T * C), rstd = [Float](repeating: 0, count: T)
        rmsnormForward(out: &y, rstd: &rstd, inp: x, weight: w, T: T, C: C, eps: 1e-5)
        var ref = [Double](repeating: 0, count: T * C)
        for t in 0..<T {
            let ms = (0..<C).reduce(0.0) { $0 + Double(x[t * C + $1]) * Double(x[t * C + $1]) } / Double(C)
            let r = 1 / (ms + 1e-5).squareRoot()
            XCTAssertEqual(Double(rstd[t]), r, accuracy: 1e-6 * r)
            for c in 0..<C { ref[t * C + c] = Double(x[t * C + c]) * r * Double(w[c]) }
        }
        XCTAssertLessThan(maxAbsDiff(y, ref), 1e-5)
    }

    func testLayerNorm() {
        var rng = TestRNG(seed: 5)
        let T = 3, C = 10
        let x = rng.floats(T * C, 3).map { $0 + 5 }, w = rng.floats(C), b = rng.floats(C)
        var y = [Float](repeating: 0, count: T * C), mean = [Float](repeating: 0, count: T), rstd = mean
        layernormForward(out: &y, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, T: T, C: C, eps: 1e-5)
        var ref = [Double](repeating: 0, count: T * C)
        for t in 0..<T {
            let row = (0..<C).map { Double(x[t * C + $0]) }
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            XCTAssertEqual(Double(mean[t]), m, accuracy: 1e-5)
            XCTAssertEqual(Double(rstd[t]), 1 / (v + 1e-5).squareRoot(), accuracy: 1e-4)
            for c in 0..<C { ref[t * C + c] = (row[c] - m) / (v + 1e-5).squareRoot() * Double(w[c]) + Double(b[c]) }
        }
        XCTAssertLessThan(maxAbsDiff(y, ref), 1e-5)
    }

    /// RoPE against the textbook definition: channel pairs rotated by pos·base^(-2i/d).
    func testRopeBothLayoutsAndPartialRotary() {
        var rng = TestRNG(seed: 6)
        let T = 4, H = 3, D = 8
        let positions: [Int32] = [0, 5, 17, 1000]
        for layout in [RopeLayout.interleaved, .neox] {
            for rd in [8, 4] {
                let x0 = rng.floats(T * H * D)
                var x = x0
                let inv = ropeInverseFrequencies(rotaryDim: rd, base: 10000)
                ropeForward(x: &x, positions: positions, T: T, nHeads: H, headDim: D, rotaryDim: rd, invFreq: inv, layout: layout)
                var ref = x0.map(Double.init)
                for t in 0..<T { for h in 0..<H { for i in 0..<rd / 2 {
                    let theta = Double(positions[t]) * pow(10000, -2 * Double(i) / Double(rd))
                    let (a, b) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + rd / 2)
                    let base = t * H * D + h * D
                    let u = Double(x0[base + a]), w = Double(x0[base + b])
                    ref[base + a] = u * cos(theta) - w * sin(theta)
                    ref[base + b] = u * sin(theta) + w * cos(theta)
                } } }
                XCTAssertLessThan(maxAbsDiff(x, ref), 1e-5, "\(layout) rd \(rd)")
                // The inverse rotation restores the input (what the backward pass relies on).
                ropeForward(x: &x, positions: positions, T: T, nHeads: H, headDim: D, rotaryDim: rd, invFreq: inv, layout: layout, inverse: true)
                XCTAssertLessThan(maxAbsDiff(x, x0.map(Double.init)), 1e-5)
            }
        }
    }

    /// Llama-3 scaling: wavelengths shorter than ctx/high kept, longer than ctx/low divided by factor,
    /// in between the linear ramp (values worked out by hand from the formula).
    func testLlama3RopeScaling() {
        let d = 128, base = 500000.0
        let plain = ropeInverseFrequencies(rotaryDim: d, base: base)
        let scaled = ropeInverseFrequencies(rotaryDim: d, base: base,
                                            scaling: .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192))
        XCTAssertEqual(scaled[0], plain[0])          // wavelength 2π < 2048: unchanged
        XCTAssertEqual(scaled[63], plain[63] / 8, accuracy: 1e-20)  // very long wavelength: /8
        var sawRamp = false
        for i in 0..<64 {
            let wl = 2 * Double.pi / plain[i]
            if wl >= 2048 && wl <= 8192 {
                sawRamp = true
                let s = (8192 / wl - 1) / 3
                XCTAssertEqual(scaled[i], (1 - s) * plain[i] / 8 + s * plain[i], accuracy: 1e-12 * plain[i])
            }
        }
        XCTAssertTrue(sawRamp)
        let factors: [Float] = Array(repeating: 2, count: 64)
        XCTAssertEqual(ropeInverseFrequencies(rotaryDim: d, base: base, freqFactors: factors)[5], plain[5] / 2)
    }

    /// Attention against naive loops: GQA, a KV cache holding earlier tokens, a sliding window,
    /// and (T = 150) several 64-row query blocks.
    func checkAttention(H: Int, KVH: Int, D: Int, past: Int, T: Int, window: Int, seed: UInt64) {
        var rng = TestRNG(seed: seed)
        let S = past + T
        let q = rng.floats(T * H * D, 2), k = rng.floats(S * KVH * D, 2), v = rng.floats(S * KVH * D)
        let kvPos = (0..<S).map { Int32($0) }, qPos = (past..<S).map { Int32($0) }
        var out = [Float](repeating: 0, count: T * H * D), probs = [Float](repeating: 7, count: H * T * S)
        attentionForward(out: &out, probs: &probs, q: q, qPositions: qPos, T: T, k: k, v: v, kvPositions: kvPos, S: S,
                         nHeads: H, nKVHeads: KVH, headDim: D, scale: 0.3, window: window)
        var ref = [Double](repeating: 0, count: T * H * D)
        var probErr = 0.0
        for h in 0..<H { let g = h / (H / KVH)
            for t in 0..<T {
                var sc = [Double](repeating: -.infinity, count: S)
                for j in 0..<S where j <= past + t && (window == 0 || past + t - j < window) {
                    sc[j] = 0.3 * (0..<D).reduce(0.0) { $0 + Double(q[t * H * D + h * D + $1]) * Double(k[j * KVH * D + g * D + $1]) }
                }
                let m = sc.max()!
                let e = sc.map { exp($0 - m) }, z = e.reduce(0, +)
                for j in 0..<S { probErr = max(probErr, abs(Double(probs[h * T * S + t * S + j]) - e[j] / z)) }
                for d in 0..<D { ref[t * H * D + h * D + d] = (0..<S).reduce(0.0) { $0 + e[$1] / z * Double(v[$1 * KVH * D + g * D + d]) } }
            }
        }
        XCTAssertLessThan(probErr, 1e-6, "T \(T) window \(window)")
        XCTAssertLessThan(maxAbsDiff(out, ref), 1e-5, "T \(T) window \(window)")
        // Without a probs buffer the result is the same.
        var out2 = [Float](repeating: 0, count: T * H * D)
        attentionForward(out: &out2, q: q, qPositions: qPos, T: T, k: k, v: v, kvPositions: kvPos, S: S,
                         nHeads: H, nKVHeads: KVH, headDim: D, scale: 0.3, window: window)
        XCTAssertEqual(out, out2)
        // The same visibility as an explicit mask gives the same probabilities and output.
        var mask = [UInt8](repeating: 0, count: T * S)
        for t in 0..<T { for j in 0..<S where j <= past + t && (window == 0 || past + t - j < window) { mask[t * S + j] = 1 } }
        var out3 = [Float](repeating: 0, count: T * H * D), probs3 = [Float](repeating: 7, count: H * T * S)
        attentionForward(out: &out3, probs: &probs3, q: q, T: T, k: k, v: v, S: S, mask: mask,
                         nHeads: H, nKVHeads: KVH, headDim: D, scale: 0.3)
        XCTAssertEqual(out3, out, "mask vs positions, T \(T) window \(window)")
        XCTAssertEqual(probs3, probs)
    }

    /// A mask positions cannot express (a row seeing a later key, a row seeing nothing): checked
    /// against naive loops.
    func testMaskedAttentionArbitraryMask() {
        var rng = TestRNG(seed: 3)
        let H = 2, KVH = 1, D = 4, T = 7, S = 7
        let q = rng.floats(T * H * D, 2), k = rng.floats(S * KVH * D, 2), v = rng.floats(S * KVH * D)
        var mask = [UInt8](repeating: 0, count: T * S)
        for t in 0..<T { for j in 0..<S where (t * 7 + j * 3) % 4 != 0 && t != 5 { mask[t * S + j] = 1 } }
        var out = [Float](repeating: 9, count: T * H * D), probs = [Float](repeating: 9, count: H * T * S)
        attentionForward(out: &out, probs: &probs, q: q, T: T, k: k, v: v, S: S, mask: mask, nHeads: H, nKVHeads: KVH, headDim: D, scale: 0.5)
        for h in 0..<H {
            for t in 0..<T {
                let sc = (0..<S).map { j -> Double in
                    mask[t * S + j] == 0 ? -.infinity : 0.5 * (0..<D).reduce(0.0) { $0 + Double(q[t * H * D + h * D + $1]) * Double(k[j * D + $1]) }
                }
                let m = sc.max()!
                let e = m == -.infinity ? sc.map { _ in 0.0 } : sc.map { exp($0 - m) }
                let z = max(e.reduce(0, +), 1e-300)
                for j in 0..<S { XCTAssertEqual(Double(probs[h * T * S + t * S + j]), e[j] / z, accuracy: 1e-6) }
                for d in 0..<D {
                    let want = (0..<S).reduce(0.0) { $0 + e[$1] / z * Double(v[$1 * D + d]) }
                    XCTAssertEqual(Double(out[t * H * D + h * D + d]), want, accuracy: 1e-5, "t \(t) h \(h)")
                }
            }
        }
    }

    func testAttentionAgainstNaive() {
        for window in [0, 3] { checkAttention(H: 4, KVH: 2, D: 8, past: 6, T: 5, window: window, seed: 7) }
        for window in [0, 40] { checkAttention(H: 2, KVH: 1, D: 4, past: 20, T: 150, window: window, seed: 8) }
    }

    func testSoftmaxAndLogSoftmaxWithLargeLogits() {
        let x: [Float] = [1000, 1001, 999, -5, 1002, 998]  // exp would overflow without max subtraction
        var p = [Float](repeating: 0, count: 6), lp = p
        softmaxForward(out: &p, inp: x, rows: 2, cols: 3)
        logSoftmaxForward(out: &lp, inp: x, rows: 2, cols: 3)
        for r in 0..<2 {
            let row = (0..<3).map { Double(x[r * 3 + $0]) }
            let m = row.max()!, z = row.reduce(0) { $0 + exp($1 - m) }
            for c in 0..<3 {
                XCTAssertEqual(Double(p[r * 3 + c]), exp(row[c] - m) / z, accuracy: 1e-6)
                let want = row[c] - m - log(z)  // float32 ulp grows with magnitude
                XCTAssertEqual(Double(lp[r * 3 + c]), want, accuracy: 1e-6 + 1e-7 * abs(want))
            }
        }
        XCTAssertEqual(Double(logSumExp([0, 0, 0, 0], count: 4)), log(4.0), accuracy: 1e-6)
    }

    func testActivations() {
        var rng = TestRNG(seed: 8)
        let g = rng.floats(200, 6), u = rng.floats(200, 2)
        var s = [Float](repeating: 0, count: 200), ge = s, gl = s
        swigluForward(out: &s, gate: g, up: u, N: 200)
        gegluTanhForward(out: &ge, gate: g, up: u, N: 200)
        geluTanhForward(out: &gl, inp: g, N: 200)
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
        XCTAssertLessThan(maxAbsDiff(s, (0..<200).map { Double(g[$0]) / (1 + exp(-Double(g[$0]))) * Double(u[$0]) }), 1e-5)
        XCTAssertLessThan(maxAbsDiff(ge, (0..<200).map { gelu(Double(g[$0])) * Double(u[$0]) }), 1e-5)
        XCTAssertLessThan(maxAbsDiff(gl, g.map { gelu(Double($0)) }), 1e-5)
        XCTAssertEqual(Double(geluTanh(1)), 0.8411919906082768, accuracy: 1e-6)  // known value of gelu_new(1)
    }
}
