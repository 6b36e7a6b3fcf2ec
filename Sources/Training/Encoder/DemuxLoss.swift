import Foundation

/// The losses of paper A's supervised BERT baseline (Demux, appendix A.5) over a batch of E
/// examples × L labels, each returning the mean loss and d(loss)/d(logits) [E·L].
///
/// - Multi-label: binary cross-entropy with logits, averaged over all E·L entries (PyTorch's
///   `BCEWithLogitsLoss`), plus `intraCoefficient` × Demux's intra-example correlation loss.
/// - Single-label: cross-entropy of the softmax over an example's L logits against one class,
///   averaged over the examples (`CrossEntropyLoss`).
/// Computed in Double: the result is one number per step and its gradient feeds Float kernels.
public enum DemuxLoss {
    /// `targets` [E·L] in [0, 1] (0/1 for hard labels; proportions work too).
    public static func multiLabel(logits: [Float], targets: [Double], labels L: Int, intraCoefficient: Double) throws -> (loss: Double, dLogits: [Float]) {
        guard L > 0, logits.count == targets.count, logits.count % L == 0, !logits.isEmpty else {
            throw TrainingError("Demux loss: \(logits.count) logits, \(targets.count) targets for \(L) labels")
        }
        guard targets.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw TrainingError("Demux loss: a target is outside [0, 1]") }
        let n = Double(logits.count), E = logits.count / L
        var loss = 0.0
        var grad = [Double](repeating: 0, count: logits.count)
        for i in logits.indices {
            let x = Double(logits[i]), y = targets[i]
            // max(x, 0) − x·y + log(1 + e^−|x|): BCE with logits without overflow.
            loss += max(x, 0) - x * y + log1p(exp(-abs(x)))
            grad[i] = (sigmoid(x) - y) / n
        }
        loss /= n
        if intraCoefficient != 0 {
            var intra = 0.0
            for e in 0..<E {
                let range = (e * L)..<((e + 1) * L)
                let (l, g) = intraCorrelation(logits: range.map { Double(logits[$0]) }, present: range.map { targets[$0] >= 0.5 })
                intra += l
                for (k, i) in range.enumerated() { grad[i] += intraCoefficient * g[k] / Double(E) }
            }
            loss += intraCoefficient * intra / Double(E)
        }
        return (loss, grad.map { Float($0) })
    }

    /// `classes` [E]: each example's class index in 0..<L.
    public static func singleLabel(logits: [Float], classes: [Int], labels L: Int) throws -> (loss: Double, dLogits: [Float]) {
        guard L > 1, logits.count == classes.count * L, !classes.isEmpty else {
            throw TrainingError("Demux loss: \(logits.count) logits for \(classes.count) examples of \(L) classes")
        }
        let E = classes.count
        var loss = 0.0
        var grad = [Float](repeating: 0, count: logits.count)
        for e in 0..<E {
            guard classes[e] >= 0 && classes[e] < L else { throw TrainingError("Demux loss: class \(classes[e]) of example \(e) is not in 0..<\(L)") }
            let x = (0..<L).map { Double(logits[e * L + $0]) }
            let m = x.max()!
            let z = x.reduce(0) { $0 + exp($1 - m) }
            loss += m + log(z) - x[classes[e]]
            for k in 0..<L {
                let p = exp(x[k] - m) / z
                grad[e * L + k] = Float((p - (k == classes[e] ? 1 : 0)) / Double(E))
            }
        }
        return (loss / Double(E), grad)
    }

    /// Demux's intra-example correlation loss for one example: it pushes the logits of the absent
    /// labels down together and those of the present labels up together. For a group x of n
    /// logits (the absent ones, or minus the present ones) the paper's code takes the mean over
    /// the n×n matrix whose upper triangle (i < j) holds exp(x_i + x_j) and whose other entries
    /// are exp(0) = 1:  g(x) = (Σ_{i<j} exp(x_i + x_j) + n(n + 1)/2) / n².
    /// The example's loss is g(absent) + g(−present), halved when both groups are non-empty.
    /// Returns the loss and its gradient with respect to the logits.
    public static func intraCorrelation(logits: [Double], present: [Bool]) -> (loss: Double, grad: [Double]) {
        var loss = 0.0
        var grad = [Double](repeating: 0, count: logits.count)
        let groups: [(indices: [Int], sign: Double)] = [
            (logits.indices.filter { !present[$0] }, 1),
            (logits.indices.filter { present[$0] }, -1),
        ]
        for (idx, sign) in groups where !idx.isEmpty {
            let n = Double(idx.count)
            var s = 0.0
            for a in 0..<idx.count {
                for b in (a + 1)..<idx.count {
                    let e = exp(sign * (logits[idx[a]] + logits[idx[b]]))
                    s += e
                    grad[idx[a]] += sign * e / (n * n)
                    grad[idx[b]] += sign * e / (n * n)
                }
            }
            loss += (s + n * (n + 1) / 2) / (n * n)
        }
        if groups.allSatisfy({ !$0.indices.isEmpty }) {
            loss /= 2
            for i in grad.indices { grad[i] /= 2 }
        }
        return (loss, grad)
    }

    @inline(__always) static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
}
