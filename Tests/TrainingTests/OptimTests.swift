import XCTest
import Numerics
import Training

final class OptimTests: XCTestCase {
    /// Two AdamW steps by hand, lr 0.1, β = (0.9, 0.999), ε = 1e-8, λ = 0.01, gradients 0.5 then −0.25, p₀ = 1.
    /// Step 1: p = 1·(1 − 0.001) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25;
    ///         p = 0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899000002
    /// Step 2: p = 0.899000002·0.999 = 0.898101002; m = 0.02, v = 0.00031225;
    ///         m̂ = 0.02/0.19 = 0.105263158, v̂ = 0.00031225/0.001999 = 0.156203102, √v̂ = 0.395225382;
    ///         p = 0.898101002 − 0.1·0.266337033 = 0.871467299
    /// Without decay (second parameter): 0.900000002, then 0.900000002 − 0.0266337033 = 0.873366299.
    func testAdamWTwoStepsByHand() throws {
        let p = try Parameter(name: "w", shape: [1], value: [1], weightDecay: true)
        let q = try Parameter(name: "b", shape: [1], value: [1], weightDecay: false)
        let opt = AdamW(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01)
        try p.setGradient([0.5]); try q.setGradient([0.5])
        try opt.step([p, q], lr: 0.1)
        XCTAssertEqual(p.value[0], 0.899000002, accuracy: 1e-6)
        XCTAssertEqual(q.value[0], 0.900000002, accuracy: 1e-6)
        try p.setGradient([-0.25]); try q.setGradient([-0.25])
        try opt.step([p, q], lr: 0.1)
        XCTAssertEqual(p.value[0], 0.871467299, accuracy: 1e-6)
        XCTAssertEqual(q.value[0], 0.873366299, accuracy: 1e-6)
        XCTAssertEqual(opt.t, 2)
        XCTAssertEqual(opt.m[0][0], 0.02, accuracy: 1e-7)
        XCTAssertEqual(opt.v[0][0], 0.00031225, accuracy: 1e-10)
        // A different parameter list is an error, not a silent mix-up.
        XCTAssertThrowsError(try opt.step([p], lr: 0.1))
    }

    func testAdamWIsDeterministicAndResumable() throws {
        func run(split: Bool) throws -> [Float] {
            let p = try Parameter(name: "w", shape: [3], value: [0.1, -0.2, 0.3])
            var opt = AdamW(weightDecay: 0.1)
            for s in 0..<4 {
                if split && s == 2 {   // save and restore the optimiser mid-run
                    let fresh = AdamW(weightDecay: 0.1)
                    try fresh.restore(t: opt.t, m: opt.m, v: opt.v)
                    opt = fresh
                }
                try p.setGradient(p.values.map { $0 * 2 + Float(s) * 0.1 })
                try opt.step([p], lr: 0.01)
            }
            return p.values
        }
        XCTAssertEqual(try run(split: false), try run(split: true))
    }

    func testClipGradNorm() throws {
        let a = try Parameter(name: "a", shape: [2], value: [0, 0]), b = try Parameter(name: "b", shape: [1], value: [0])
        try a.setGradient([3, 4]); try b.setGradient([12])                       // global norm 13
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 6.5), 13, accuracy: 1e-5)
        let c: Float = 6.5 / (13 + 1e-6)
        XCTAssertEqual(a.grad[0], 3 * c, accuracy: 1e-6); XCTAssertEqual(a.grad[1], 4 * c, accuracy: 1e-6)
        XCTAssertEqual(b.grad[0], 12 * c, accuracy: 1e-6)
        // Below the threshold: untouched.
        try a.setGradient([3, 4]); try b.setGradient([12])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 20), 13, accuracy: 1e-5)
        XCTAssertEqual(a.gradient + b.gradient, [3, 4, 12])
        zeroGrads([a, b])
        XCTAssertEqual(a.gradient + b.gradient, [0, 0, 0])
    }

    /// Clipping fused into AdamW (gradScale) gives bit-identical parameters and moments to
    /// clipping the gradients in place and then stepping, over several steps and parameters
    /// large enough to be chunked across threads.
    func testFusedClippingEqualsClipThenStep() throws {
        func params() throws -> [Parameter] {
            let n = [300_001, 7]
            return try n.enumerated().map { i, c in
                try Parameter(name: "p\(i)", shape: [c], value: (0..<c).map { Float(sin(Double($0 * (i + 1)) * 0.37)) })
            }
        }
        func grads(_ step: Int, _ p: Parameter) -> [Float] { (0..<p.count).map { Float(cos(Double($0 + 13 * step) * 0.11)) * 0.01 } }
        let a = try params(), b = try params()
        let oa = AdamW(weightDecay: 0.01), ob = AdamW(weightDecay: 0.01)
        for step in 0..<3 {
            for p in a { try p.setGradient(grads(step, p)) }
            for p in b { try p.setGradient(grads(step, p)) }
            let norm = clipGradNorm(a, maxNorm: 1)
            try oa.step(a, lr: 1e-3)
            let nb = globalGradNorm(b)
            XCTAssertEqual(norm, nb)
            XCTAssertLessThan(clipCoefficient(norm: nb, maxNorm: 1), 1, "the test should clip")
            try ob.step(b, lr: 1e-3, gradScale: clipCoefficient(norm: nb, maxNorm: 1))
        }
        for (pa, pb) in zip(a, b) { XCTAssertEqual(pa.values, pb.values, pa.name) }
        XCTAssertEqual(oa.m, ob.m); XCTAssertEqual(oa.v, ob.v)
    }

    /// The chunked sum of squares does not depend on threads and matches a Double serial sum closely.
    func testSumOfSquaresChunked() {
        let x = (0..<200_003).map { Float(sin(Double($0))) }
        var serial = 0.0
        for v in x { serial += Double(v) * Double(v) }
        let s1 = x.withUnsafeBufferPointer { sumOfSquares($0.baseAddress!, $0.count) }
        let s2 = x.withUnsafeBufferPointer { sumOfSquares($0.baseAddress!, $0.count) }
        XCTAssertEqual(s1, s2)
        XCTAssertEqual(s1, serial, accuracy: 1e-9 * serial)
        XCTAssertEqual(x.withUnsafeBufferPointer { sumOfSquares($0.baseAddress!, 3) }, Double(x[0] * x[0]) + Double(x[1]) * Double(x[1]) + Double(x[2]) * Double(x[2]), accuracy: 1e-12)
    }

    /// The phase timer of a training step: every phase of `run(batch:)` and the loop is measured,
    /// in order, and a trainer without a timer runs the same.
    func testPhaseTimerCoversAStep() throws {
        let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: DecoderTrainerTests.tinyLlama(), seed: 3))
        let loop = TrainingLoop(trainer: tr, optimizer: AdamW(), schedule: LinearSchedule(peak: 1e-3, warmupSteps: 0, totalSteps: 10))
        let seq = TrainingSequence(tree: try TreeBatch(context: [1, 2, 3], words: [[4], [5, 6]], weights: [0.5, 0.5]))
        _ = try loop.step([seq])
        tr.phaseTimer = PhaseTimer()
        _ = try loop.step([seq, seq])
        XCTAssertEqual(tr.phaseTimer!.order, ["zero gradients", "blocks forward", "head forward", "cross-entropy", "head backward",
                                              "blocks backward", "gradient norm", "optimizer"])
        XCTAssertTrue(tr.phaseTimer!.seconds.values.allSatisfy { $0 >= 0 })
    }

    func testLinearWarmupDecaySchedule() {
        let s = LinearSchedule(peak: 1e-4, warmupSteps: 4, totalSteps: 12)
        let want: [Float] = [0, 0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]
        for (i, w) in want.enumerated() { XCTAssertEqual(s.lr(step: i), w * 1e-4, accuracy: 1e-10, "step \(i)") }
        XCTAssertEqual(LinearSchedule(peak: 2, warmupSteps: 0, totalSteps: 4).lr(step: 0), 2)
    }

    func testGradientAccumulationEqualsFullBatch() throws {
        // A linear layer's gradient over 4 rows equals the sum of two 2-row micro-batches
        // (each with the loss scaled by 1/2 to get the mean), since backward kernels accumulate.
        let inDim = 3, outDim = 2
        let x = f32(randomDoubles(4 * inDim, seed: 90)), w = f32(randomDoubles(outDim * inDim, seed: 91))
        let dout = f32(randomDoubles(4 * outDim, seed: 92))
        var full = [Float](repeating: 0, count: outDim * inDim)
        linearBackward(dinp: nil, dweight: &full, dbias: nil, dout: dout.map { $0 / 2 }, inp: x, weight: w, T: 4, inDim: inDim, outDim: outDim)
        var acc = [Float](repeating: 0, count: outDim * inDim)
        for mb in 0..<2 {
            let xs = Array(x[(mb * 2 * inDim)..<((mb + 1) * 2 * inDim)])
            let ds = Array(dout[(mb * 2 * outDim)..<((mb + 1) * 2 * outDim)]).map { $0 / 2 }
            linearBackward(dinp: nil, dweight: &acc, dbias: nil, dout: ds, inp: xs, weight: w, T: 2, inDim: inDim, outDim: outDim)
        }
        for i in full.indices { XCTAssertEqual(acc[i], full[i], accuracy: 1e-6) }
    }
}
