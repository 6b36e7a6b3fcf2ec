import Foundation

/// One damped Newton step for minimising a smooth convex `objective` (the linear probes'
/// logistic regression, Bradley–Terry scores): the direction solves H d = g (Cholesky), and a
/// backtracking (Armijo) line search halves the step from 1 until the objective falls by at
/// least 1e-4 · t · gᵀd, or the step is below `minStep`. Returns the new point and its value.
/// Near the optimum that decrease is below the rounding of the objective (a sum of many terms),
/// and a test on the computed values alone would refuse the full step, which is then the best one
/// (the quadratic model is exact there), and stall at a gradient above the caller's tolerance:
/// where the predicted decrease gᵀd is itself below the rounding, a step whose value stays within
/// it is taken as no worse.
public func dampedNewtonStep(from x: [Double], value f: Double, gradient g: [Double], hessian h: [Double],
                             minStep: Double, objective: ([Double]) -> Double) throws -> (x: [Double], value: Double) {
    let d = try choleskySolve(h, g, x.count)
    let slope = zip(g, d).reduce(0.0) { $0 + $1.0 * $1.1 }
    var t = 1.0, next = x, fNext = f
    // The rounding of a value near f, with room for the terms summed into it.
    let rounding = 1e-12 * max(1, abs(f)), atRounding = slope <= rounding
    while true {
        for j in x.indices { next[j] = x[j] - t * d[j] }
        fNext = objective(next)
        if fNext <= f - 1e-4 * t * slope || (atRounding && fNext - f <= rounding) || t < minStep { return (next, fNext) }
        t *= 0.5
    }
}
