import Foundation
import XCTest
import Training
import Numerics

final class BackwardKernelTests: XCTestCase {
    func testLinearBackwardMatchesFiniteDifferencesAndAccumulates() {
        let T = 3, inDim = 4, outDim = 5
        let x = randomDoubles(T * inDim, seed: 1), w = randomDoubles(outDim * inDim, seed: 2)
        let b = randomDoubles(outDim, seed: 3), dout = randomDoubles(T * outDim, seed: 4)
        let refDx = numericGradient(x) { dot(dout, refLinear($0, w, b, T: T, inDim: inDim, outDim: outDim)) }
        let refDw = numericGradient(w) { dot(dout, refLinear(x, $0, b, T: T, inDim: inDim, outDim: outDim)) }
        let refDb = numericGradient(b) { dot(dout, refLinear(x, w, $0, T: T, inDim: inDim, outDim: outDim)) }
        // Start from non-zero buffers: the kernel must add, not overwrite.
        let pre = 0.25
        var dx = [Float](repeating: Float(pre), count: T * inDim)
        var dw = [Float](repeating: Float(pre), count: outDim * inDim)
        var db = [Float](repeating: Float(pre), count: outDim)
        linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: f32(dout), inp: f32(x), weight: f32(w),
                       T: T, inDim: inDim, outDim: outDim)
        assertGradient(dx, refDx.map { $0 + pre }, "linear dinp")
        assertGradient(dw, refDw.map { $0 + pre }, "linear dweight")
        assertGradient(db, refDb.map { $0 + pre }, "linear dbias")
        // nil gradients are skipped.
        var dx2 = [Float](repeating: 0, count: T * inDim)
        linearBackward(dinp: &dx2, dweight: nil, dbias: nil, dout: f32(dout), inp: f32(x), weight: f32(w),
                       T: T, inDim: inDim, outDim: outDim)
        assertGradient(dx2, refDx, "linear dinp only")
    }

    func testRMSNormBackward() {
        let T = 3, C = 6, eps = 1e-5
        let x = randomDoubles(T * C, seed: 5), w = randomDoubles(C, seed: 6).map { $0 + 1 }
        let dout = randomDoubles(T * C, seed: 7)
        let refDx = numericGradient(x) { dot(dout, refRMSNorm($0, w, T: T, C: C, eps: eps)) }
        let refDw = numericGradient(w) { dot(dout, refRMSNorm(x, $0, T: T, C: C, eps: eps)) }
        var dx = [Float](repeating: 0, count: T * C), dw = [Float](repeating: 0, count: C)
        var y = [Float](repeating: 0, count: T * C), rstd = [Float](repeating: 0, count: T)
        rmsnormForward(out: &y, rstd: &rstd, inp: f32(x), weight: f32(w), T: T, C: C, eps: Float(eps))
        rmsnormBackward(dinp: &dx, dweight: &dw, dout: f32(dout), inp: f32(x), weight: f32(w), rstd: rstd, T: T, C: C)
        assertGradient(dx, refDx, "rmsnorm dinp")
        assertGradient(dw, refDw, "rmsnorm dweight")
    }

    func testLayerNormBackward() {
        let T = 3, C = 6, eps = 1e-5
        let x = randomDoubles(T * C, seed: 8), w = randomDoubles(C, seed: 9).map { $0 + 1 }
        let b = randomDoubles(C, seed: 10), dout = randomDoubles(T * C, seed: 11)
        let refDx = numericGradient(x) { dot(dout, refLayerNorm($0, w, b, T: T, C: C, eps: eps).y) }
        let refDw = numericGradient(w) { dot(dout, refLayerNorm(x, $0, b, T: T, C: C, eps: eps).y) }
        let refDb = numericGradient(b) { dot(dout, refLayerNorm(x, w, $0, T: T, C: C, eps: eps).y) }
        let fwd = refLayerNorm(x, w, b, T: T, C: C, eps: eps)
        var dx = [Float](repeating: 0, count: T * C), dw = [Float](repeating: 0, count: C), db = dw
        layernormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: f32(dout), inp: f32(x), weight: f32(w),
                          mean: f32(fwd.mean), rstd: f32(fwd.rstd), T: T, C: C)
        assertGradient(dx, refDx, "layernorm dinp")
        assertGradient(dw, refDw, "layernorm dweight")
        assertGradient(db, refDb, "layernorm dbias")
    }

    func testRopeBackwardBothLayoutsAndPartialRotary() {
        let T = 3, nHeads = 2, hd = 8
        let positions: [Int32] = [0, 5, 11]
        let x = randomDoubles(T * nHeads * hd, seed: 12), dout = randomDoubles(T * nHeads * hd, seed: 13)
        for rotary in [hd, hd / 2] {
            let inv = ropeInverseFrequencies(rotaryDim: rotary, base: 10000)
            for (layout, interleaved) in [(RopeLayout.interleaved, true), (RopeLayout.neox, false)] {
                let ref = numericGradient(x) {
                    dot(dout, refRope($0, positions: positions, T: T, nHeads: nHeads, headDim: hd, rotaryDim: rotary,
                                      base: 10000, interleaved: interleaved))
                }
                var g = f32(dout)
                ropeBackward(dx: &g, positions: positions, T: T, nHeads: nHeads, headDim: hd, rotaryDim: rotary,
                             invFreq: inv, layout: layout)
                assertGradient(g, ref, "rope \(layout) rotary \(rotary)")
            }
        }
    }

    private func checkAttention(mask: AttentionMask, nHeads: Int, nKV: Int, hd: Int, seed: UInt64, what: String) {
        let T = mask.T, scale = 1 / Double(hd).squareRoot()
        let q = randomDoubles(T * nHeads * hd, seed: seed), k = randomDoubles(T * nKV * hd, seed: seed + 1)
        let v = randomDoubles(T * nKV * hd, seed: seed + 2), dout = randomDoubles(T * nHeads * hd, seed: seed + 3)
        func f(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
            dot(dout, refAttention(q: q, k: k, v: v, allowed: mask.allowed, T: T, nHeads: nHeads, nKV: nKV, hd: hd, scale: scale))
        }
        // Forward first.
        var out = [Float](repeating: 0, count: T * nHeads * hd)
        maskedAttentionForward(out: &out, q: f32(q), k: f32(k), v: f32(v), mask: mask,
                               nHeads: nHeads, nKVHeads: nKV, headDim: hd, scale: Float(scale))
        let refOut = refAttention(q: q, k: k, v: v, allowed: mask.allowed, T: T, nHeads: nHeads, nKV: nKV, hd: hd, scale: scale)
        assertGradient(out, refOut, tol: 1e-5, "\(what) forward")
        var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count), dv = dk
        maskedAttentionBackward(dq: &dq, dk: &dk, dv: &dv, dout: f32(dout), q: f32(q), k: f32(k), v: f32(v), mask: mask,
                                nHeads: nHeads, nKVHeads: nKV, headDim: hd, scale: Float(scale))
        assertGradient(dq, numericGradient(q) { f($0, k, v) }, "\(what) dq")
        assertGradient(dk, numericGradient(k) { f(q, $0, v) }, "\(what) dk")
        assertGradient(dv, numericGradient(v) { f(q, k, $0) }, "\(what) dv")
    }

    func testCausalGQAAttentionBackward() {
        checkAttention(mask: .causal(T: 5), nHeads: 4, nKV: 2, hd: 3, seed: 20, what: "causal GQA")
    }

    func testSlidingWindowAttentionBackward() {
        let m = AttentionMask.causal(T: 6, window: 2)
        // Window 2: each query sees itself and the one key before it.
        XCTAssertEqual(Array(m.allowed[(5 * 6)..<(6 * 6)]), [0, 0, 0, 0, 1, 1])
        XCTAssertEqual(m, AttentionMask.causal(T: 6).windowed(positions: (0..<6).map { Int32($0) }, window: 2))
        checkAttention(mask: m, nHeads: 2, nKV: 1, hd: 4, seed: 30, what: "sliding window")
    }

    func testTreeMaskAttentionBackward() throws {
        let tree = try TreeBatch(context: [1, 2, 3], words: [[4, 5, 6], [7], [8, 9]], weights: [0.5, 0.3, 0.2])
        checkAttention(mask: tree.mask, nHeads: 2, nKV: 2, hd: 3, seed: 40, what: "tree mask")
    }

    func testGatedActivationBackward() {
        let N = 12
        let gate = randomDoubles(N, seed: 50, scale: 3), up = randomDoubles(N, seed: 51, scale: 2)
        let dout = randomDoubles(N, seed: 52)
        let swiglu: ([Double], [Double]) -> [Double] = { g, u in zip(g, u).map { $0 * sigmoid($0) * $1 } }
        var dg = [Float](repeating: 0, count: N), du = dg
        swigluBackward(dgate: &dg, dup: &du, dout: f32(dout), gate: f32(gate), up: f32(up), N: N)
        assertGradient(dg, numericGradient(gate) { dot(dout, swiglu($0, up)) }, "swiglu dgate")
        assertGradient(du, numericGradient(up) { dot(dout, swiglu(gate, $0)) }, "swiglu dup")

        let gg: ([Double], [Double]) -> [Double] = { g, u in zip(g, u).map { refGeluTanh($0) * $1 } }
        var dg2 = [Float](repeating: 0, count: N), du2 = dg2
        gegluTanhBackward(dgate: &dg2, dup: &du2, dout: f32(dout), gate: f32(gate), up: f32(up), N: N)
        assertGradient(dg2, numericGradient(gate) { dot(dout, gg($0, up)) }, "gelu-gated dgate")
        assertGradient(du2, numericGradient(up) { dot(dout, gg(gate, $0)) }, "gelu-gated dup")

        var dx = [Float](repeating: 0, count: N)
        geluTanhBackward(dinp: &dx, dout: f32(dout), inp: f32(gate), N: N)
        assertGradient(dx, numericGradient(gate) { dot(dout, $0.map(refGeluTanh)) }, "gelu dinp")
    }

    func testEmbeddingBackwardScatterAddsWithScale() {
        let V = 5, C = 4, T = 4
        let tokens: [Int32] = [3, 1, 3, 0]        // token 3 twice: its gradient must sum both rows
        let wte = randomDoubles(V * C, seed: 60), dout = randomDoubles(T * C, seed: 61)
        let scale = Double(C).squareRoot()          // Gemma's embedding scale
        let fwd: ([Double]) -> [Double] = { w in tokens.flatMap { t in (0..<C).map { w[Int(t) * C + $0] * scale } } }
        var dw = [Float](repeating: 0, count: V * C)
        embeddingBackward(dwte: &dw, dout: f32(dout), tokens: tokens, T: T, C: C, scale: Float(scale))
        assertGradient(dw, numericGradient(wte) { dot(dout, fwd($0)) }, "embedding dwte")
        XCTAssertEqual(Array(dw[(2 * C)..<(3 * C)]), [0, 0, 0, 0], "unused token row stays 0")

        var dx = [Float](repeating: 0, count: T * C)
        scaleBackward(dinp: &dx, dout: f32(dout), scale: Float(scale), N: T * C)
        let x = randomDoubles(T * C, seed: 62)
        assertGradient(dx, numericGradient(x) { dot(dout, $0.map { $0 * scale }) }, "scale dinp")
    }
}
