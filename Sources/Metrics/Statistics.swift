import Foundation
import Numerics

/// Arithmetic mean. Throws on an empty input.
public func mean(_ x: [Double]) throws -> Double {
    if x.isEmpty { throw MetricsError.empty(what: "values of the mean") }
    var s = 0.0
    for v in x { s += v }
    return s / Double(x.count)
}

/// Population standard deviation sqrt(Σ(x − x̄)² / n) (NumPy's `std` default, ddof = 0); the
/// paper's "± SD" over seeds. Throws on an empty input.
public func populationSD(_ x: [Double]) throws -> Double {
    let m = try mean(x)
    var s = 0.0
    for v in x { s += (v - m) * (v - m) }
    return (s / Double(x.count)).squareRoot()
}

/// Sample standard deviation sqrt(Σ(x − x̄)² / (n − 1)) (ddof = 1). Needs at least two values.
public func sampleSD(_ x: [Double]) throws -> Double {
    if x.count < 2 { throw MetricsError.tooFewValues(what: "sample SD", needed: 2, found: x.count) }
    let m = try mean(x)
    var s = 0.0
    for v in x { s += (v - m) * (v - m) }
    return (s / Double(x.count - 1)).squareRoot()
}

/// NumPy's default (`method="linear"`) percentile of `x` at `q` in [0, 100]: sort, virtual index
/// q/100 · (n − 1), linear interpolation between the neighbours (computed as NumPy's `_lerp` does).
public func percentile(_ x: [Double], _ q: Double) throws -> Double {
    if x.isEmpty { throw MetricsError.empty(what: "values of the percentile") }
    if !(q >= 0 && q <= 100) { throw MetricsError.invalidArgument("percentile \(q) is outside [0, 100]") }
    let a = x.sorted()
    let pos = q / 100 * Double(a.count - 1)
    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, a.count - 1)
    let t = pos - Double(lo)
    let d = a[hi] - a[lo]
    return t >= 0.5 ? a[hi] - d * (1 - t) : a[lo] + d * t
}

/// A point estimate with a confidence interval.
public struct ConfidenceInterval: Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
}

/// Percentile bootstrap CI of the mean over items.
///
/// Procedure (reproducible in NumPy): `rng = RandomState(seed)`; for each of `resamples`
/// resamples draw n indices with `rng.randint(0, n, size=n)` and take the mean of those values;
/// the interval is the `(1 − level)/2` and `(1 + level)/2` percentiles (NumPy "linear") of the
/// resampled means; the estimate is the plain mean. Needs at least one value and one resample.
public func bootstrapMeanCI(_ x: [Double], resamples: Int = 10_000, level: Double = 0.95,
                            seed: UInt32) throws -> ConfidenceInterval {
    if x.isEmpty { throw MetricsError.empty(what: "values of the bootstrap") }
    if resamples < 1 { throw MetricsError.invalidArgument("bootstrap needs at least one resample, got \(resamples)") }
    if !(level > 0 && level < 1) { throw MetricsError.invalidArgument("confidence level \(level) is outside (0, 1)") }
    var rng = NumpyRandomState(seed: seed)
    let n = x.count
    var means = [Double](repeating: 0, count: resamples)
    x.withUnsafeBufferPointer { xs in
        for b in 0..<resamples {
            var s = 0.0
            for _ in 0..<n { s += xs[rng.randint(low: 0, high: n)] }
            means[b] = s / Double(n)
        }
    }
    let alpha = (1 - level) / 2 * 100
    return ConfidenceInterval(estimate: try mean(x), lower: try percentile(means, alpha),
                              upper: try percentile(means, 100 - alpha))
}

/// Ordinary least-squares line y ≈ slope · x + intercept, with Pearson's r.
public struct LinearFit: Equatable {
    public var slope: Double
    public var intercept: Double
    /// Pearson correlation; NaN when y is constant (r is undefined then, the line is not).
    public var r: Double
}

/// Least-squares regression of `y` on `x` (used for ΔTVD against oracle TVD, paper B appendix D/E).
/// Throws when lengths differ, there are fewer than two points, or x is constant.
public func linearRegression(x: [Double], y: [Double]) throws -> LinearFit {
    if x.count != y.count { throw MetricsError.lengthMismatch(what: "regression x and y", left: x.count, right: y.count) }
    if x.count < 2 { throw MetricsError.tooFewValues(what: "regression", needed: 2, found: x.count) }
    let mx = try mean(x), my = try mean(y)
    var sxx = 0.0, sxy = 0.0, syy = 0.0
    for i in 0..<x.count {
        let dx = x[i] - mx, dy = y[i] - my
        sxx += dx * dx; sxy += dx * dy; syy += dy * dy
    }
    if sxx == 0 { throw MetricsError.invalidArgument("regression: x is constant, the slope is undefined") }
    let slope = sxy / sxx
    return LinearFit(slope: slope, intercept: my - slope * mx, r: syy == 0 ? .nan : sxy / (sxx * syy).squareRoot())
}
