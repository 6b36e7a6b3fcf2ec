import XCTest
import Models

final class PrefixCacheTests: XCTestCase {
    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    func testLongestPrefixReuseGivesSameLogits() throws {
        let (json, src) = tinyModel("gemma3", seed: 31)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<gemma3>")
        let pc = PrefixCache(model: m, maxEntries: 8)
        XCTAssertEqual(pc.lookup([1, 2, 3]).matched, 0)

        let a: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        let (la, _) = try pc.forward(tokens: a, logitRows: [7])
        XCTAssertLessThan(maxDiff(la, try m.forward(tokens: a, cache: m.makeCache(), logitRows: .last)), 1e-6)

        // Shares 4 tokens with a: only the rest is run, and the result equals a fresh run.
        let b: [Int32] = [1, 2, 3, 4, 9, 10]
        XCTAssertEqual(pc.lookup(b).matched, 4)
        let (lb, cb) = try pc.forward(tokens: b, logitRows: [4, 5])
        XCTAssertEqual(cb.count, b.count)
        XCTAssertLessThan(maxDiff(lb, try m.forward(tokens: b, cache: m.makeCache(), logitRows: .rows([4, 5]))), 1e-5)

        // The edge [5,6,7,8] was split at 4; a third sequence diverging inside b's edge.
        XCTAssertEqual(pc.lookup([1, 2, 3, 4, 9, 11]).matched, 5)
        XCTAssertEqual(pc.lookup([1, 2, 3, 4, 5, 6, 7, 8, 9]).matched, 8)
        // The whole sequence stored: forward still runs the last token to produce its logits.
        let (again, _) = try pc.forward(tokens: a, logitRows: [7])
        XCTAssertLessThan(maxDiff(again, la), 1e-5)
        XCTAssertEqual(pc.count, 2)
        XCTAssertThrowsError(try pc.insert([1, 2], cache: m.makeCache()))
    }

    func testBatchedPrefillOfPromptsWithACommonBeginning() throws {
        XCTAssertEqual(PrefixCache.sharedPrefixLength([[1, 2, 3, 4], [1, 2, 3, 9, 9], [1, 2, 3]]), 2, "short of the shortest prompt's last token")
        XCTAssertEqual(PrefixCache.sharedPrefixLength([[5, 6], [7, 6]]), 0)
        let (json, src) = tinyModel("gemma3", seed: 32)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<gemma3>")
        let pc = PrefixCache(model: m, maxEntries: 8)
        let prompts: [[Int32]] = [[1, 2, 3, 4, 5], [1, 2, 3, 7], [1, 2, 3, 4, 8, 9, 10]]
        let p = PrefixCache.sharedPrefixLength(prompts)
        XCTAssertEqual(p, 3)
        let (caches, logits) = try pc.prefill(batch: prompts, sharedPrefix: p)
        let V = m.vocabSize
        for (k, q) in prompts.enumerated() {
            XCTAssertEqual(caches[k].count, q.count, "the cache holds the whole prompt")
            let fresh = try m.forward(tokens: q, cache: m.makeCache(), logitRows: .last)
            XCTAssertLessThan(maxDiff(Array(logits[(k * V)..<((k + 1) * V)]), fresh), 1e-5, "prompt \(k)")
        }
        XCTAssertEqual(pc.lookup([1, 2, 3, 99]).matched, 3, "the shared prefix is stored for the next batch")
        XCTAssertThrowsError(try pc.prefill(batch: prompts, sharedPrefix: 4), "4 tokens are not shared")
    }

    func testLeastRecentlyUsedEviction() throws {
        let (json, src) = tinyModel("llama", seed: 32)
        let m = try loadModel(hfWeights: src, config: json, configPath: "<llama>")
        let pc = PrefixCache(model: m, maxEntries: 2)
        _ = try pc.forward(tokens: [1, 2, 3], logitRows: [2])
        _ = try pc.forward(tokens: [5, 6, 7], logitRows: [2])
        XCTAssertEqual(pc.lookup([1, 2, 3, 4]).matched, 3)  // touches [1,2,3]
        _ = try pc.forward(tokens: [9, 9], logitRows: [1])    // evicts [5,6,7], the least recently used
        XCTAssertEqual(pc.count, 2)
        XCTAssertEqual(pc.lookup([5, 6, 7, 8]).matched, 0)
        XCTAssertEqual(pc.lookup([1, 2, 3, 4]).matched, 3)
        XCTAssertEqual(pc.lookup([9, 9, 1]).matched, 2)
    }
}
