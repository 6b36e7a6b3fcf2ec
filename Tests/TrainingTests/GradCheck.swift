import Foundation
import Numerics
import XCTest
import Training

// Gradient checks: the Float32 backward kernels against central finite differences of a
// float64 re-implementation of each forward (written here, independently of the kernels).
// The scalar being differentiated is L = Σ dout ∘ forward(x) for a fixed random dout, so the
// finite-difference gradient is exactly what a backward kernel fed `dout` must return.

/// Deterministic test data in [-scale, scale).
func randomDoubles(_ n: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in (Double(rng.nextUniform()) * 2 - 1) * scale }
}

func f32(_ d: [Double]) -> [Float] { d.map { Float($0) } }
func f64(_ f: [Float]) -> [Double] { f.map { Double($0) } }

/// Central differences of f at x, in float64.
func numericGradient(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var xx = x
    var g = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let old = xx[i]
        xx[i] = old + h; let fp = f(xx)
        xx[i] = old - h; let fm = f(xx)
        xx[i] = old
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Every element within tol · max|reference| of the reference, and the reference not trivially 0
/// (so a wrong sign, a missing factor or a transposed index fails).
func assertGradient(_ got: [Float], _ ref: [Double], tol: Double = 1e-3, _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, ref.count, "\(what): size", file: file, line: line)
    let scale = ref.map { abs($0) }.max() ?? 0
    XCTAssertGreaterThan(scale, 1e-3, "\(what): reference gradient is ~0, test would be vacuous", file: file, line: line)
    var worst = 0.0, at = -1
    for i in ref.indices {
        let e = abs(Double(got[i]) - ref[i])
        if e > worst { worst = e; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tol * scale,
                             "\(what): max error \(worst) at \(at) (got \(at >= 0 ? got[at] : 0), want \(at >= 0 ? ref[at] : 0)), scale \(scale)",
                             file: file, line: line)
}

// MARK: float64 reference forwards

func refLinear(_ x: [Double], _ w: [Double], _ b: [Double]?, T: Int, inDim: Int, outDim: Int) -> [Double] {
    var y = [Double](repeating: 0, count: T * outDim)
    for t in 0..<T {
        for o in 0..<outDim {
            var s = b?[o] ?? 0
            for i in 0..<inDim { s += x[t * inDim + i] * w[o * inDim + i] }
            y[t * outDim + o] = s
        }
    }
    return y
}

func refRMSNorm(_ x: [Double], _ w: [Double], T: Int, C: Int, eps: Double) -> [Double] {
    var y = x
    for t in 0..<T {
        var ss = 0.0
        for i in 0..<C { ss += x[t * C + i] * x[t * C + i] }
        let rstd = 1 / (ss / Double(C) + eps).squareRoot()
        for i in 0..<C { y[t * C + i] = x[t * C + i] * rstd * w[i] }
    }
    return y
}

func refLayerNorm(_ x: [Double], _ w: [Double], _ b: [Double], T: Int, C: Int, eps: Double) -> (y: [Double], mean: [Double], rstd: [Double]) {
    var y = x, mean = [Double](repeating: 0, count: T), rstd = mean
    for t in 0..<T {
        let row = x[(t * C)..<(t * C + C)]
        let mu = row.reduce(0, +) / Double(C)
        let v = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(C)
        let rs = 1 / (v + eps).squareRoot()
        mean[t] = mu; rstd[t] = rs
        for i in 0..<C { y[t * C + i] = (x[t * C + i] - mu) * rs * w[i] + b[i] }
    }
    return (y, mean, rstd)
}

func refRope(_ x: [Double], positions: [Int32], T: Int, nHeads: Int, headDim: Int, rotaryDim: Int,
             base: Double, interleaved: Bool) -> [Double] {
    var y = x
    let half = rotaryDim / 2
    for t in 0..<T {
        for h in 0..<nHeads {
            for i in 0..<half {
                let theta = Double(positions[t]) * pow(base, -2.0 * Double(i) / Double(rotaryDim))
                let o = t * nHeads * headDim + h * headDim
                let ia = o + (interleaved ? 2 * i : i), ib = o + (interleaved ? 2 * i + 1 : i + half)
                y[ia] = x[ia] * cos(theta) - x[ib] * sin(theta)
                y[ib] = x[ia] * sin(theta) + x[ib] * cos(theta)
            }
        }
    }
    return y
}

func refAttention(q: [Double], k: [Double], v: [Double], allowed: [UInt8], T: Int,
                  nHeads: Int, nKV: Int, hd: Int, scale: Double) -> [Double] {
    var out = [Double](repeating: 0, count: T * nHeads * hd)
    for h in 0..<nHeads {
        let g = h / (nHeads / nKV)
        for i in 0..<T {
            var s = [Double](repeating: -.infinity, count: T)
            for j in 0..<T where allowed[i * T + j] != 0 {
                var d = 0.0
                for c in 0..<hd { d += q[i * nHeads * hd + h * hd + c] * k[j * nKV * hd + g * hd + c] }
                s[j] = d * scale
            }
            let mx = s.max()!
            let e = s.map { $0 == -.infinity ? 0 : exp($0 - mx) }
            let z = e.reduce(0, +)
            for j in 0..<T where e[j] > 0 {
                for c in 0..<hd { out[i * nHeads * hd + h * hd + c] += e[j] / z * v[j * nKV * hd + g * hd + c] }
            }
        }
    }
    return out
}

func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
func refGeluTanh(_ x: Double) -> Double { 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
