import Foundation

/// One damped Newton step for minimising a smooth convex `objective` (the linear probes'
/// logistic regression, Bradley–Terry scores): the direction solves H d = g (Cholesky), and a
/// backtracking (Armijo) line search halves the step from 1 until the objective falls by at
/// least 1e-4 · t · gᵀd, or the step is below `minStep`. Returns the new point and its value.
public func dampedNewtonStep(from x: [Double], value f: Double, gradient g: [Double], hessian h: [Double],
                             minStep: Double, objective: ([Double]) -> Double) throws -> (x: [Double], value: Double) {
    let d = try choleskySolve(h, g, x.count)
    let slope = zip(g, d).reduce(0.0) { $0 + $1.0 * $1.1 }
    var t = 1.0, next = x, fNext = f
    while true {
        for j in x.indices { next[j] = x[j] - t * d[j] }
        fNext = objective(next)
        if fNext <= f - 1e-4 * t * slope || t < minStep { return (next, fNext) }
        t *= 0.5
    }
}
