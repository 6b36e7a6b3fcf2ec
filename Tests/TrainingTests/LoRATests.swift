import Foundation
import XCTest
import Training

final class LoRATests: XCTestCase {
    let T = 3, inDim = 5, outDim = 4, rank = 2

    private func makeLayer(dropout: Float = 0) throws -> LoRALinear {
        let l = try LoRALinear(name: "blk.0.attn_q", inDim: inDim, outDim: outDim, rank: rank, alpha: 4, dropout: dropout, seed: 7)
        try! l.b.setValues(f32(randomDoubles(outDim * rank, seed: 100)))   // B = 0 at init would hide dA
        return l
    }

    func testInitIsPEFTLike() throws {
        let l = try LoRALinear(name: "x", inDim: 64, outDim: 8, rank: 4, alpha: 16, dropout: 0.05, seed: 1)
        XCTAssertEqual(l.b.values, [Float](repeating: 0, count: 32), "B starts at 0")
        let bound = 1 / Float(64).squareRoot()
        XCTAssertTrue(l.a.values.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(l.a.values.map { abs($0) }.max()!, 0.9 * bound, "uses the whole Kaiming range")
        XCTAssertEqual(l.scaling, 4)
        let same = try LoRALinear(name: "x", inDim: 64, outDim: 8, rank: 4, alpha: 16, dropout: 0.05, seed: 1)
        let other = try LoRALinear(name: "x", inDim: 64, outDim: 8, rank: 4, alpha: 16, dropout: 0.05, seed: 2)
        XCTAssertEqual(l.a.values, same.a.values); XCTAssertNotEqual(l.a.values, other.a.values)
        XCTAssertThrowsError(try LoRALinear(name: "x", inDim: 4, outDim: 4, rank: 0, alpha: 1, dropout: 0, seed: 1))
    }

    /// No dropout: float64 reference y = xWᵀ + b + s·x·Aᵀ·Bᵀ, finite differences for x, A, B.
    func testLoRALinearGradientFloat64() throws {
        let l = try makeLayer()
        let x = randomDoubles(T * inDim, seed: 101), w = randomDoubles(outDim * inDim, seed: 102)
        let bias = randomDoubles(outDim, seed: 103), dout = randomDoubles(T * outDim, seed: 104)
        let a0 = f64(l.a.values), b0 = f64(l.b.values), s = Double(l.scaling)
        func ref(_ x: [Double], _ a: [Double], _ b: [Double]) -> Double {
            let h = refLinear(x, a, nil, T: T, inDim: inDim, outDim: rank)
            let lo = refLinear(h, b, nil, T: T, inDim: rank, outDim: outDim)
            let base = refLinear(x, w, bias, T: T, inDim: inDim, outDim: outDim)
            return dot(dout, zip(base, lo).map { $0 + s * $1 })
        }
        var y = [Float](repeating: 0, count: T * outDim)
        l.forward(out: &y, inp: f32(x), weight: f32(w), bias: f32(bias), T: T, dropoutKey: nil)
        XCTAssertEqual(dot(f64(y), dout), ref(x, a0, b0), accuracy: 1e-5)
        var dx = [Float](repeating: 0, count: T * inDim)
        try l.backward(dinp: &dx, dout: f32(dout), weight: f32(w), T: T)
        assertGradient(dx, numericGradient(x) { ref($0, a0, b0) }, "lora dinp")
        assertGradient(l.a.gradient, numericGradient(a0) { ref(x, $0, b0) }, "lora dA")
        assertGradient(l.b.gradient, numericGradient(b0) { ref(x, a0, $0) }, "lora dB")
    }

    /// With dropout the output is, for a fixed mask, bilinear in (A, B) and linear in x, so
    /// Float32 central differences with a large step are exact up to rounding.
    func testLoRALinearGradientWithDropout() throws {
        let l = try makeLayer(dropout: 0.4)
        let x = f32(randomDoubles(T * inDim, seed: 111)), w = f32(randomDoubles(outDim * inDim, seed: 112))
        let dout = f32(randomDoubles(T * outDim, seed: 113))
        func loss(_ x: [Float]) -> Double {
            var y = [Float](repeating: 0, count: T * outDim)
            l.forward(out: &y, inp: x, weight: w, bias: nil, T: T, dropoutKey: 42)
            return dot(f64(y), f64(dout))
        }
        func fd(_ v: [Float], _ f: ([Float]) -> Double) -> [Double] {
            (0..<v.count).map { i in
                var p = v, m = v; p[i] += 0.5; m[i] -= 0.5
                return f(p) - f(m)
            }
        }
        let a0 = l.a.values, b0 = l.b.values
        let refDx = fd(x, loss)
        let refDa = fd(a0) { try! l.a.setValues($0); defer { try! l.a.setValues(a0) }; return loss(x) }
        let refDb = fd(b0) { try! l.b.setValues($0); defer { try! l.b.setValues(b0) }; return loss(x) }
        _ = loss(x)
        var dx = [Float](repeating: 0, count: T * inDim)
        try l.backward(dinp: &dx, dout: dout, weight: w, T: T)
        assertGradient(dx, refDx, tol: 1e-4, "lora+dropout dinp")
        assertGradient(l.a.gradient, refDa, tol: 1e-4, "lora+dropout dA")
        assertGradient(l.b.gradient, refDb, tol: 1e-4, "lora+dropout dB")
        XCTAssertThrowsError(try l.backward(dinp: nil, dout: dout, weight: w, T: 2), "T mismatch is an error")
    }

    func testDropoutIsSeededAndHasTheRightRate() throws {
        let n = 64, rows = 256
        let l = try LoRALinear(name: "d", inDim: n, outDim: 1, rank: 1, alpha: 1, dropout: 0.25, seed: 9)
        try l.a.setValues([Float](repeating: 1, count: n)); try l.b.setValues([1])
        let x = [Float](repeating: 1, count: rows * n), w = [Float](repeating: 0, count: n)
        func out(_ key: UInt64?) -> [Float] {
            var y = [Float](repeating: 0, count: rows)
            l.forward(out: &y, inp: x, weight: w, bias: nil, T: rows, dropoutKey: key)
            return y
        }
        let y1 = out(1), y1b = out(1), y2 = out(2)
        XCTAssertEqual(y1, y1b, "same key, same mask")
        XCTAssertNotEqual(y1, y2, "different key, different mask")
        XCTAssertEqual(out(nil), [Float](repeating: Float(n), count: rows), "no dropout at eval")
        // y = Σ kept · 1/(1−p): kept fraction = mean(y)·(1−p)/n should be ≈ 0.75 over 16384 draws.
        let kept = Double(y1.reduce(0, +)) * 0.75 / Double(n * rows)
        XCTAssertEqual(kept, 0.75, accuracy: 0.015)
    }

    func testMergedWeightReproducesAdapterOutput() throws {
        let l = try makeLayer(dropout: 0.05)
        let x = f32(randomDoubles(T * inDim, seed: 120)), w = f32(randomDoubles(outDim * inDim, seed: 121))
        var y = [Float](repeating: 0, count: T * outDim)
        l.forward(out: &y, inp: x, weight: w, bias: nil, T: T, dropoutKey: nil)
        let merged = l.mergedWeight(w)
        let ym = refLinear(f64(x), f64(merged), nil, T: T, inDim: inDim, outDim: outDim)
        for i in y.indices { XCTAssertEqual(Double(y[i]), ym[i], accuracy: 1e-5) }
    }

    func testTargetNames() throws {
        XCTAssertEqual(try LoRATarget(name: "q_proj"), .qProj)
        XCTAssertEqual(try LoRATarget(name: "attn_output"), .oProj)
        XCTAssertEqual(LoRATarget.downProj.ggufName, "ffn_down")
        XCTAssertThrowsError(try LoRATarget(name: "qkv")) { XCTAssertTrue("\($0)".contains("qkv")) }
        let cfg = try LoRAConfig(seed: 0)
        XCTAssertEqual(cfg.scaling, 2)      // paper B: α 16 / r 8
        XCTAssertEqual(cfg.targets.count, 7)
        XCTAssertThrowsError(try LoRAConfig(dropout: 1, seed: 0))
    }

    /// End to end: a frozen random linear + LoRA, trained with AdamW on cross-entropy, learns to
    /// put its mass on the target tokens.
    func testLoRATrainingReducesLoss() throws {
        let C = 8, V = 6, T = 4
        let l = try LoRALinear(name: "head", inDim: C, outDim: V, rank: 2, alpha: 4, dropout: 0.05, seed: 3)
        let x = f32(randomDoubles(T * C, seed: 130)), w = f32(randomDoubles(V * C, seed: 131, scale: 0.1))
        let targets = [TokenTarget(row: 0, token: 1), TokenTarget(row: 1, token: 4),
                       TokenTarget(row: 2, token: 0), TokenTarget(row: 3, token: 5)]
        let opt = AdamW(weightDecay: 0.0)
        let sched = LinearSchedule(peak: 0.05, warmupSteps: 5, totalSteps: 100)
        var first = 0.0, last = 0.0
        for step in 0..<100 {
            var logits = [Float](repeating: 0, count: T * V)
            l.forward(out: &logits, inp: x, weight: w, bias: nil, T: T, dropoutKey: UInt64(step))
            var dl = [Float](repeating: 0, count: T * V)
            let lp = try crossEntropyForwardBackward(logits: logits, dlogits: &dl, targets: targets, T: T, V: V,
                                                     dlossScale: 1 / Float(T))
            let loss = weightedNegativeLogLikelihood(lp, targets) / Double(T)
            if step == 0 { first = loss }
            last = loss
            try l.backward(dinp: nil, dout: dl, weight: w, T: T)
            clipGradNorm([l.a, l.b], maxNorm: 1)
            try opt.step([l.a, l.b], lr: sched.lr(step: step))
            zeroGrads([l.a, l.b])
        }
        XCTAssertEqual(first, log(Double(V)), accuracy: 0.2, "starts near uniform")
        XCTAssertLessThan(last, 0.2 * first, "LoRA learned the targets (loss \(first) → \(last))")
    }
}
