import Datasets
import Foundation
import XCTest

/// The Boxes generator: every item's labels are what replaying its text's operations leaves in the
/// queried box; the text never puts an object in two places; generation is seeded.
final class BoxesTests: XCTestCase {
    /// Replays a generated text sentence by sentence; fails on a sentence it cannot read or an
    /// operation that is impossible in the current state.
    func replay(_ text: String) throws -> (contents: [Int: Set<String>], query: Int) {
        var contents: [Int: Set<String>] = [:]
        var query = -1
        func box(_ s: Substring) throws -> Int { guard let b = Int(s) else { throw XCTSkip("bad box \(s)") }; return b }
        for raw in text.split(separator: ".", omittingEmptySubsequences: true) {
            let s = raw.trimmingCharacters(in: .whitespaces)
            let w = s.split(separator: " ")
            if s.hasPrefix("What is in Box ") {
                query = Int(s.dropFirst("What is in Box ".count).dropLast())!
            } else if s.hasSuffix("is empty") {
                contents[try box(w[1])] = []
            } else if w.count > 2 && w[0] == "Box" && w[2] == "contains" {
                let objs = s.components(separatedBy: " contains the ")[1].components(separatedBy: " and the ")
                for o in objs { XCTAssertFalse(contents.values.contains { $0.contains(o) }, "\(o) placed twice: \(text)") }
                contents[try box(w[1])] = Set(objs)
            } else if w[0] == "Put" {
                let o = String(w[2]), b = try box(w[5])
                XCTAssertFalse(contents.values.contains { $0.contains(o) }, "put of a placed \(o): \(text)")
                contents[b, default: []].insert(o)
            } else if w[0] == "Move" {
                let o = String(w[2]), a = try box(w[5]), b = try box(w[8])
                XCTAssertNotNil(contents[a]?.remove(o), "move of \(o) not in Box \(a): \(text)")
                contents[b, default: []].insert(o)
            } else if w[0] == "Remove" {
                let o = String(w[2]), b = try box(w[5])
                XCTAssertNotNil(contents[b]?.remove(o), "remove of \(o) not in Box \(b): \(text)")
            } else {
                XCTFail("unreadable sentence '\(s)' in \(text)")
            }
        }
        return (contents, query)
    }

    func testLabelsAreTheReplayedContents() throws {
        let d = Boxes.generate(count: 400, seed: 3)
        XCTAssertEqual(d.labels, Boxes.objects)
        XCTAssertTrue(d.multiLabel)
        var sizes = Set<Int>()
        for item in d.items {
            let (contents, q) = try replay(item.text)
            XCTAssertTrue((0..<7).contains(q))
            let expected = contents[q] ?? []
            let labels = Set(d.labels.indices.filter { item.proportions[$0] == 1 }.map { d.labels[$0] })
            XCTAssertEqual(labels, expected, item.text)
            sizes.insert(labels.count)
        }
        XCTAssertTrue(sizes.isSuperset(of: [0, 1, 2, 3]), "empty, single and multi-label answers: \(sizes)")
        XCTAssertEqual(Boxes.generate(count: 50, seed: 3).items, Array(d.items.prefix(50)), "seeded, item by item")
        XCTAssertNotEqual(Boxes.generate(count: 50, seed: 4).items.map(\.text), Array(d.items.prefix(50)).map(\.text))
    }
}
