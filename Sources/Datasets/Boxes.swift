import Numerics

/// A generator of the "Boxes" entity-tracking task (Kim & Schuster 2023, described there; written
/// from that description): boxes hold objects, a text states the initial contents and a series of
/// operations (put, move, remove), and the question is what one box holds at the end. Paper A uses
/// it as its objective multi-label task (§4): the answer is every object in the box, or none.
///
/// Every draw uses NumPy's legacy RandomState(seed), in the order documented on `generate`.
public enum Boxes {
    /// The objects (labels). Short, common nouns with distinct first letters, so that their first
    /// tokens differ in any reasonable vocabulary.
    public static let objects = ["apple", "book", "clock", "drum", "egg", "flag", "guitar", "hat", "ink", "jar",
                                 "key", "lamp", "map", "nail", "orange", "pen"]

    /// `count` items over `boxes` boxes with up to `maxOperations` operations each. Per item:
    /// number of operations = randint(0, maxOperations + 1); per box, its initial objects: a
    /// count randint(0, 3), then that many objects drawn from those not yet placed (randint over
    /// the remaining list, in order); then each operation: kind = randint(0, 3) over (put, move,
    /// remove), re-drawn (up to 10 times, else skipped) while it has nothing to act on, its object
    /// and box(es) by randint over the valid choices; the queried box = randint(0, boxes).
    public static func generate(count: Int, boxes: Int = 7, maxOperations: Int = 7, seed: UInt32) -> LabeledDataset {
        var rng = NumpyRandomState(seed: seed)
        var items: [LabeledItem] = []
        for n in 0..<count {
            var contents = [[String]](repeating: [], count: boxes)
            var free = objects
            var text = ""
            let nOps = rng.randint(low: 0, high: maxOperations + 1)
            for b in 0..<boxes {
                let k = rng.randint(low: 0, high: 3)
                for _ in 0..<min(k, free.count) { contents[b].append(free.remove(at: rng.randint(low: 0, high: free.count))) }
                text += contents[b].isEmpty ? "Box \(b) is empty. "
                    : "Box \(b) contains the \(contents[b].joined(separator: " and the ")). "
            }
            for _ in 0..<nOps {
                for _ in 0..<10 {
                    let kind = rng.randint(low: 0, high: 3)
                    let placed = contents.indices.flatMap { b in contents[b].map { (b, $0) } }
                    if kind == 0, !free.isEmpty {
                        let o = free.remove(at: rng.randint(low: 0, high: free.count))
                        let b = rng.randint(low: 0, high: boxes)
                        contents[b].append(o)
                        text += "Put the \(o) in Box \(b). "
                        break
                    } else if kind == 1, !placed.isEmpty, boxes > 1 {
                        let (from, o) = placed[rng.randint(low: 0, high: placed.count)]
                        var to = rng.randint(low: 0, high: boxes - 1)
                        if to >= from { to += 1 }
                        contents[from].removeAll { $0 == o }
                        contents[to].append(o)
                        text += "Move the \(o) from Box \(from) to Box \(to). "
                        break
                    } else if kind == 2, !placed.isEmpty {
                        let (b, o) = placed[rng.randint(low: 0, high: placed.count)]
                        contents[b].removeAll { $0 == o }
                        free.append(o)
                        text += "Remove the \(o) from Box \(b). "
                        break
                    }
                }
            }
            let q = rng.randint(low: 0, high: boxes)
            text += "What is in Box \(q)?"
            let inBox = Set(contents[q])
            items.append(LabeledItem(id: "boxes-\(n)", text: text, proportions: objects.map { inBox.contains($0) ? 1 : 0 },
                                     annotators: nil, line: n + 1))
        }
        return LabeledDataset(name: "boxes", labels: objects, multiLabel: true, items: items)
    }
}
