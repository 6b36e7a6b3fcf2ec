import Foundation
import XCTest
import Training

final class LossTests: XCTestCase {
    /// float64 reference: −Σ w log softmax(logits[row])[token].
    private func refLoss(_ logits: [Double], _ targets: [TokenTarget], V: Int) -> Double {
        var loss = 0.0
        for t in targets {
            let row = logits[(t.row * V)..<(t.row * V + V)]
            let mx = row.max()!
            let lse = mx + log(row.reduce(0) { $0 + exp($1 - mx) })
            loss -= Double(t.weight) * (logits[t.row * V + Int(t.token)] - lse)
        }
        return loss
    }

    func testSoftTargetCrossEntropyValueAndGradient() throws {
        let T = 3, V = 7
        let logits = randomDoubles(T * V, seed: 70, scale: 3)
        // Row 0: a soft target over three tokens; row 2: a hard label; row 1: no target.
        let targets = [TokenTarget(row: 0, token: 2, weight: 0.5), TokenTarget(row: 2, token: 6, weight: 1),
                       TokenTarget(row: 0, token: 5, weight: 0.3), TokenTarget(row: 0, token: 0, weight: 0.2)]
        var dl = [Float](repeating: 0, count: T * V)
        let lps = try crossEntropyForwardBackward(logits: f32(logits), dlogits: &dl, targets: targets, T: T, V: V, dlossScale: 0.5)
        XCTAssertEqual(weightedNegativeLogLikelihood(lps, targets), refLoss(logits, targets, V: V), accuracy: 1e-5)
        let ref = numericGradient(logits) { 0.5 * self.refLoss($0, targets, V: V) }
        assertGradient(dl, ref, tol: 1e-4, "cross-entropy dlogits")
        XCTAssertEqual(Array(dl[V..<(2 * V)]), [Float](repeating: 0, count: V), "row without target untouched")
        // Each row's gradient sums to 0 (softmax − target, both of mass W_r).
        XCTAssertEqual(dl[0..<V].reduce(0, +), 0, accuracy: 1e-6)
    }

    func testCrossEntropyRejectsBadTargets() {
        let logits = [Float](repeating: 0, count: 6)
        XCTAssertThrowsError(try crossEntropyForwardBackward(logits: logits, dlogits: nil,
                                                             targets: [TokenTarget(row: 0, token: 3)], T: 2, V: 3)) {
            XCTAssertTrue("\($0)".contains("token 3"), "\($0)")
        }
        XCTAssertThrowsError(try crossEntropyForwardBackward(logits: logits, dlogits: nil,
                                                             targets: [TokenTarget(row: 2, token: 0)], T: 2, V: 3))
        XCTAssertThrowsError(try crossEntropyForwardBackward(logits: logits, dlogits: nil,
                                                             targets: [TokenTarget(row: 0, token: 0, weight: -1)], T: 2, V: 3))
    }

    func testTreeBatchLayout() throws {
        let tree = try TreeBatch(context: [10, 11, 12], words: [[20, 21, 22], [30], [40, 41]],
                                 weights: [0.5, 0.3, 0.2], startPosition: 4)
        // Word tokens except each word's last (which is only a target).
        XCTAssertEqual(tree.tokens, [10, 11, 12, 20, 21, 40])
        XCTAssertEqual(tree.positions, [4, 5, 6, 7, 8, 7])
        XCTAssertEqual(tree.targets, [
            TokenTarget(row: 2, token: 20, weight: 0.5), TokenTarget(row: 3, token: 21, weight: 0.5),
            TokenTarget(row: 4, token: 22, weight: 0.5), TokenTarget(row: 2, token: 30, weight: 0.3),
            TokenTarget(row: 2, token: 40, weight: 0.2), TokenTarget(row: 5, token: 41, weight: 0.2),
        ])
        XCTAssertEqual(tree.wordTargets, [0..<3, 3..<4, 4..<6])
        let expected: [[UInt8]] = [
            [1, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [1, 1, 1, 1, 0, 0],
            [1, 1, 1, 1, 1, 0],
            [1, 1, 1, 0, 0, 1],   // word 3 sees the context and itself, not word 1
        ]
        XCTAssertEqual(tree.mask.allowed, expected.flatMap { $0 })

        let packed = TreeBatch(packing: [tree, try TreeBatch(context: [7], words: [[8]], weights: [1])])
        XCTAssertEqual(packed.tokens, tree.tokens + [7])
        XCTAssertEqual(packed.positions, tree.positions + [0])
        XCTAssertEqual(packed.targets.last, TokenTarget(row: 6, token: 8, weight: 1))
        XCTAssertEqual(packed.wordTargets.last, 6..<7)
        XCTAssertEqual(packed.mask.allowed[6 * 7 + 6], 1)
        XCTAssertEqual(packed.mask.allowed[6 * 7 ..< 6 * 7 + 6].reduce(0) { $0 + Int($1) }, 0, "trees don't see each other")
    }

    func testTreeBatchRejectsBadInput() {
        XCTAssertThrowsError(try TreeBatch(context: [], words: [[1]], weights: [1]))
        XCTAssertThrowsError(try TreeBatch(context: [1], words: [[1], []], weights: [0.5, 0.5])) {
            XCTAssertTrue("\($0)".contains("word 1"), "\($0)")
        }
        XCTAssertThrowsError(try TreeBatch(context: [1], words: [[1]], weights: [0.5, 0.5]))
        XCTAssertThrowsError(try TreeBatch(context: [1], words: [[1]], weights: [.nan]))
    }

    /// A one-layer toy transformer (token + position embeddings, one attention layer, residual,
    /// output projection) run in Float32 through the training kernels.
    private struct Toy {
        let V = 11, C = 8, nHeads = 2, hd = 4, maxPos = 16
        let wte: [Float], wpe: [Float], wq: [Float], wk: [Float], wv: [Float], wout: [Float]
        init() {
            wte = f32(randomDoubles(V * C, seed: 80)); wpe = f32(randomDoubles(maxPos * C, seed: 81))
            wq = f32(randomDoubles(C * C, seed: 82)); wk = f32(randomDoubles(C * C, seed: 83))
            wv = f32(randomDoubles(C * C, seed: 84)); wout = f32(randomDoubles(V * C, seed: 85, scale: 2))
        }
        func logits(tokens: [Int32], positions: [Int32], mask: AttentionMask) -> [Float] {
            let T = tokens.count
            var x = [Float](repeating: 0, count: T * C)
            for t in 0..<T { for c in 0..<C { x[t * C + c] = wte[Int(tokens[t]) * C + c] + wpe[Int(positions[t]) * C + c] } }
            func lin(_ inp: [Float], _ w: [Float], _ o: Int) -> [Float] {
                f32(refLinear(f64(inp), f64(w), nil, T: T, inDim: C, outDim: o))
            }
            let q = lin(x, wq, C), k = lin(x, wk, C), v = lin(x, wv, C)
            var att = [Float](repeating: 0, count: T * C)
            maskedAttentionForward(out: &att, q: q, k: k, v: v, mask: mask, nHeads: nHeads, nKVHeads: nHeads, headDim: hd,
                                   scale: 1 / Float(hd).squareRoot())
            for i in x.indices { x[i] += att[i] }
            return lin(x, wout, V)
        }
    }

    /// The tree batch must give every word exactly the log-probability it gets when the word is
    /// appended to the context alone in an ordinary causal sequence.
    func testTreeBatchWordLogProbsEqualSeparateSequences() throws {
        let toy = Toy()
        let context: [Int32] = [1, 2, 3, 4]
        let words: [[Int32]] = [[5, 6, 7], [8], [9, 10]]
        let tree = try TreeBatch(context: context, words: words, weights: [0.6, 0.3, 0.1])
        let logits = toy.logits(tokens: tree.tokens, positions: tree.positions, mask: tree.mask)
        let lps = try crossEntropyForwardBackward(logits: logits, dlogits: nil, targets: tree.targets, T: tree.T, V: toy.V)
        let wordLP = tree.wordLogProbs(lps)
        for (w, word) in words.enumerated() {
            let seq = context + word
            let T = seq.count
            let l = toy.logits(tokens: seq, positions: (0..<T).map { Int32($0) }, mask: .causal(T: T))
            let tg = TokenTarget.nextToken(seq, rows: (context.count - 1)..<(T - 1))
            let lp = try crossEntropyForwardBackward(logits: l, dlogits: nil, targets: tg, T: T, V: toy.V).reduce(0, +)
            XCTAssertEqual(wordLP[w], lp, accuracy: 1e-4, "word \(w)")
        }
        // And the L_Var loss is −Σ p(w) log q(w).
        XCTAssertEqual(weightedNegativeLogLikelihood(lps, tree.targets),
                       -(0.6 * wordLP[0] + 0.3 * wordLP[1] + 0.1 * wordLP[2]), accuracy: 1e-5)
    }
}
