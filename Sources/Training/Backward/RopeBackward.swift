import Numerics

/// Backward of `ropeForward` (in place on `dx`, same arguments as the forward).
///
/// RoPE rotates each channel pair by the angle pos·θ_i; a rotation's Jacobian is the rotation
/// itself, so the gradient is the same pairs rotated by −pos·θ_i. That is exactly the forward
/// kernel with `inverse: true`, so there is one implementation of the rotation.
public func ropeBackward(dx: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, T: Int, nHeads: Int,
                         headDim: Int, rotaryDim: Int, invFreq: UnsafePointer<Double>, layout: RopeLayout) {
    ropeForward(x: dx, positions: positions, T: T, nHeads: nHeads, headDim: headDim, rotaryDim: rotaryDim,
                invFreq: invFreq, layout: layout, inverse: true)
}
