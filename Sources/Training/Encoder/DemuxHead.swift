import Foundation
import Numerics

/// Demux's classifier (Chochlakis et al. 2023, paper A's "Supervised BERT"): the label names are
/// the encoder's first input segment, each label is represented by the mean of its tokens' final
/// hidden states, and one small network shared by all labels turns a representation into a logit:
///
///     r_l = mean_{t ∈ span(l)} h_t          [H]
///     z_l = tanh(W1 · r_l + b1)             [H]
///     logit_l = w2 · dropout(z_l) + b2      scalar
///
/// Forward and backward over flat buffers, llm.c style; the backward returns the gradient of the
/// encoder's hidden states so the encoder's own backward can continue from it.
public final class DemuxHead {
    public let hidden: Int
    public let w1: Parameter, b1: Parameter, w2: Parameter, b2: Parameter
    public var parameters: [Parameter] { [w1, b1, w2, b2] }
    /// Dropout before the last linear layer (Demux's `dropout_prob`); 0 turns it off.
    public var dropout: Float

    // Saved by the training forward for the backward.
    private var savedSpans: [[Int]] = []
    private var savedReps: [Float] = []      // [R, H], R = rows (example × label)
    private var savedZ: [Float] = []         // tanh output [R, H]
    private var savedDropped: [Float] = []   // dropout(z) [R, H]
    private var savedMask: [Float] = []      // dropout scale per element (0 or 1/(1 − p)), empty without dropout
    private var savedT = 0

    /// PyTorch's `nn.Linear` initialisation (uniform in ±1/√fan_in for weights and biases), from a
    /// seeded generator so a run is reproducible.
    public init(hidden: Int, dropout: Float, seed: UInt64) throws {
        guard hidden > 0 else { throw TrainingError("Demux head: hidden size must be positive") }
        guard dropout >= 0 && dropout < 1 else { throw TrainingError("Demux head: dropout \(dropout) must be in [0, 1)") }
        self.hidden = hidden; self.dropout = dropout
        var rng = SplitMix64(seed: SplitMix64.hash(seed ^ 0xDE_40C5))
        let bound = 1 / Float(hidden).squareRoot()
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in (rng.nextUniform() * 2 - 1) * bound } }
        w1 = try Parameter(name: "classifier.0.weight", shape: [hidden, hidden], value: uniform(hidden * hidden))
        b1 = try Parameter(name: "classifier.0.bias", shape: [hidden], value: uniform(hidden), weightDecay: false)
        w2 = try Parameter(name: "classifier.3.weight", shape: [1, hidden], value: uniform(hidden))
        b2 = try Parameter(name: "classifier.3.bias", shape: [1], value: uniform(1), weightDecay: false)
    }

    /// Logits [R] of the label spans: `spans[r]` lists the rows of `hiddenStates` ([T, H]) that
    /// make up representation r (one per example and label, in the caller's order). `training`
    /// keeps what the backward needs and applies dropout with masks drawn from `dropoutSeed`.
    public func forward(hiddenStates: [Float], T: Int, spans: [[Int]], training: Bool, dropoutSeed: UInt64 = 0) throws -> [Float] {
        let H = hidden, R = spans.count
        guard hiddenStates.count == T * H else { throw TrainingError("Demux head: \(hiddenStates.count) hidden values for T = \(T), H = \(H)") }
        for (r, s) in spans.enumerated() {
            guard !s.isEmpty, s.allSatisfy({ $0 >= 0 && $0 < T }) else {
                throw TrainingError("Demux head: span \(r) \(s) is empty or outside the \(T) rows")
            }
        }
        var reps = [Float](repeating: 0, count: R * H)
        hiddenStates.withUnsafeBufferPointer { h in
            for (r, s) in spans.enumerated() {
                let inv = 1 / Float(s.count)
                for t in s { for c in 0..<H { reps[r * H + c] += h[t * H + c] } }
                for c in 0..<H { reps[r * H + c] *= inv }
            }
        }
        var z = [Float](repeating: 0, count: R * H)
        z.withUnsafeMutableBufferPointer { zp in
            reps.withUnsafeBufferPointer { rp in
                linearForward(out: zp.baseAddress!, inp: rp.baseAddress!, weight: w1.valuePointer, bias: b1.valuePointer,
                              T: R, inDim: H, outDim: H)
            }
        }
        for i in z.indices { z[i] = tanhf(z[i]) }
        var dropped = z, mask: [Float] = []
        if training && dropout > 0 {
            // The encoder's counter-based masks (`dropoutMultiplier`), on a stream of this head's own.
            let stream = SplitMix64.hash(dropoutSeed ^ 0x5EED_D12)
            mask = (0..<(R * H)).map { dropoutMultiplier(seed: stream, index: $0, p: dropout) }
            for i in dropped.indices { dropped[i] *= mask[i] }
        }
        var logits = [Float](repeating: 0, count: R)
        let w = w2.valuePointer, b = b2.value[0]
        for r in 0..<R {
            var acc: Float = 0
            for c in 0..<H { acc += w[c] * dropped[r * H + c] }
            logits[r] = acc + b
        }
        if training {
            savedSpans = spans; savedReps = reps; savedZ = z; savedDropped = dropped; savedMask = mask; savedT = T
        }
        return logits
    }

    /// Backward of the last training forward: accumulates the head's gradients and returns
    /// d(loss)/d(hidden states) [T, H] (zero on rows no span uses).
    public func backward(dLogits: [Float]) throws -> [Float] {
        let H = hidden, R = savedSpans.count
        guard R > 0, dLogits.count == R else { throw TrainingError("Demux head: backward of \(dLogits.count) logits after a forward of \(R)") }
        // logit = w2 · d + b2
        var dd = [Float](repeating: 0, count: R * H)
        let w = w2.valuePointer
        for r in 0..<R {
            let g = dLogits[r]
            if let gw = w2.gradPointer { for c in 0..<H { gw[c] += g * savedDropped[r * H + c] } }
            if let gb = b2.gradPointer { gb[0] += g }
            for c in 0..<H { dd[r * H + c] = g * w[c] }
        }
        // d = mask ∘ z;  z = tanh(u): du = dz · (1 − z²)
        var du = dd
        for i in du.indices {
            let m: Float = savedMask.isEmpty ? 1 : savedMask[i]
            let zi = savedZ[i]
            du[i] = dd[i] * m * (1 - zi * zi)
        }
        // u = W1 · r + b1
        var dr = [Float](repeating: 0, count: R * H)
        du.withUnsafeBufferPointer { dup in
            savedReps.withUnsafeBufferPointer { rp in
                dr.withUnsafeMutableBufferPointer { drp in
                    linearBackward(dinp: drp.baseAddress!, dweight: w1.gradPointer, dbias: b1.gradPointer, dout: dup.baseAddress!,
                                   inp: rp.baseAddress!, weight: w1.valuePointer, T: R, inDim: H, outDim: H)
                }
            }
        }
        // r = mean of the span's rows.
        var dh = [Float](repeating: 0, count: savedT * H)
        for (r, s) in savedSpans.enumerated() {
            let inv = 1 / Float(s.count)
            for t in s { for c in 0..<H { dh[t * H + c] += dr[r * H + c] * inv } }
        }
        return dh
    }
}
