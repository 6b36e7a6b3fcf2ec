import Foundation
import Numerics

/// Backward of `ropeForward` (in place on `dx`, same layout and positions as the forward).
///
/// RoPE rotates each channel pair (a, b) of every head by θ = pos · base^(−2i/headDim):
/// (a, b) ↦ (a cosθ − b sinθ, a sinθ + b cosθ). A rotation's Jacobian is the rotation itself,
/// so the gradient is rotated back by −θ. `layout` says which channels pair up:
/// `.interleaved` pairs (2i, 2i+1), `.neox` pairs (i, i + headDim/2).
public func ropeBackward(dx: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, T: Int,
                         nHeads: Int, headDim: Int, base: Float, layout: RopeLayout) {
    let half = headDim / 2
    // Inverse frequencies once per call, in Double so cos/sin of large positions stay accurate.
    var invFreq = [Double](repeating: 0, count: half)
    for i in 0..<half { invFreq[i] = pow(Double(base), -2.0 * Double(i) / Double(headDim)) }
    for t in 0..<T {
        let pos = Double(positions[t])
        for i in 0..<half {
            let theta = pos * invFreq[i]
            let c = Float(cos(theta)), s = Float(sin(theta))
            for h in 0..<nHeads {
                let row = dx + t * nHeads * headDim + h * headDim
                let ia = layout == .interleaved ? 2 * i : i
                let ib = layout == .interleaved ? 2 * i + 1 : i + half
                let ga = row[ia], gb = row[ib]
                row[ia] = ga * c + gb * s
                row[ib] = -ga * s + gb * c
            }
        }
    }
}
