import Foundation

/// Paper A §4 and appendix D: how the label distributions of consecutive label steps relate.
/// A step's distribution is the softmax over the candidates' first-token logits (the labels, then
/// "none"); "second" is the candidate with the second-highest probability there.
public struct LabelStepRecord: Equatable {
    public var example: Int
    /// 0-based step within the example's answer.
    public var step: Int
    /// The example's last label step (the model stops after this label).
    public var isLast: Bool
    public var top1: Double
    public var top2: Double
    /// Entropy of the step's distribution, nats.
    public var entropy: Double
    /// The candidate written at this step (-1: none of them).
    public var generated: Int
    public var second: Int
    /// Probability at step t+1 of the candidate that was second at step t (NaN on the last step).
    public var secondProbabilityNext: Double
    /// Probability at step t of the candidate written at step t+1 (NaN on the last step or when
    /// step t+1 wrote no candidate).
    public var nextGeneratedProbabilityHere: Double
    /// Whether the written label is one of the item's gold labels (nil for "none" or no candidate).
    public var generatedIsGold: Bool?

    public init(example: Int, step: Int, isLast: Bool, top1: Double, top2: Double, entropy: Double, generated: Int, second: Int,
                secondProbabilityNext: Double, nextGeneratedProbabilityHere: Double, generatedIsGold: Bool?) {
        self.example = example; self.step = step; self.isLast = isLast; self.top1 = top1; self.top2 = top2; self.entropy = entropy
        self.generated = generated; self.second = second; self.secondProbabilityNext = secondProbabilityNext
        self.nextGeneratedProbabilityHere = nextGeneratedProbabilityHere; self.generatedIsGold = generatedIsGold
    }
}

public enum LabelStepAnalysis {
    /// Records for one example: `steps[t]` the candidate logits of step t (labels then "none"),
    /// `generated[t]` what step t wrote, `gold` the item's labels (human share ≥ 0.5).
    public static func records(example: Int, steps: [[Double]], generated: [Int], gold: Set<Int>) throws -> [LabelStepRecord] {
        guard steps.count == generated.count else { throw MethodsError("\(steps.count) steps but \(generated.count) written labels") }
        let dists = try steps.map { try LabelDistributionMethod.labelSoftmax($0) }
        var out: [LabelStepRecord] = []
        for (t, p) in dists.enumerated() {
            let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
            let entropy = -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
            let last = t == dists.count - 1
            let second = order.count > 1 ? order[1] : -1
            let none = p.count - 1
            var nextHere = Double.nan
            if !last, generated[t + 1] >= 0 { nextHere = p[generated[t + 1]] }
            out.append(LabelStepRecord(example: example, step: t, isLast: last, top1: p[order[0]], top2: order.count > 1 ? p[order[1]] : 0,
                                       entropy: entropy, generated: generated[t], second: second,
                                       secondProbabilityNext: last || second < 0 ? .nan : dists[t + 1][second],
                                       nextGeneratedProbabilityHere: nextHere,
                                       generatedIsGold: generated[t] < 0 || generated[t] == none ? nil : gold.contains(generated[t])))
        }
        return out
    }

    /// Appendix D.3 (figure 10): for each step after which the model writes another label and whose
    /// second candidate it does write later, how many steps later (1: the very next step). Steps
    /// whose second candidate is never written are left out (Table 4 counts those). The written
    /// labels are read from the records themselves (each example's steps, in order).
    public static func secondLabelDelays(records: [LabelStepRecord]) -> [(step: Int, delay: Int)] {
        var written: [Int: [Int: Int]] = [:]
        for r in records { written[r.example, default: [:]][r.step] = r.generated }
        var out: [(step: Int, delay: Int)] = []
        for r in records where !r.isLast && r.second >= 0 {
            let w = written[r.example] ?? [:]
            var k = r.step + 1
            while let g = w[k] {
                if g == r.second { out.append((r.step, k - r.step)); break }
                k += 1
            }
        }
        return out
    }

    /// Appendix D.3 (Table 4): over steps after which the model writes another label and whose
    /// second candidate is not written next, the share (percent) whose second candidate is not
    /// written at any later step either. Returns (percent, number of such steps); nil percent
    /// when there are none. `generated` per example, in step order.
    public static func neverPredictedPercent(records: [LabelStepRecord], generated: [Int: [Int]]) -> (percent: Double?, count: Int) {
        var count = 0, never = 0
        for r in records where !r.isLast && r.second >= 0 {
            let written = generated[r.example] ?? []
            guard r.step + 1 < written.count, written[r.step + 1] != r.second else { continue }
            count += 1
            if !written[(r.step + 2)...].contains(r.second) { never += 1 }
        }
        return (count == 0 ? nil : 100 * Double(never) / Double(count), count)
    }
}
