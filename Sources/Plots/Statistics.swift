import Foundation

/// Counts of values in `bins` equal-width bins over [lower, upper]. Bin i covers
/// [lower + i·w, lower + (i+1)·w); the last bin also holds `upper`. Values outside the range are
/// counted in `below`/`above`, never silently dropped.
public struct HistogramCounts: Equatable {
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
    public var below: Int
    public var above: Int
    /// Number of values inside the range.
    public var inside: Int { counts.reduce(0, +) }
    /// Left edge of bin i.
    public func edge(_ i: Int) -> Double { lower + (upper - lower) * Double(i) / Double(counts.count) }
}

/// Bins `values` (all finite) into `bins` equal bins over [lower, upper].
public func histogramCounts(_ values: [Double], bins: Int, lower: Double, upper: Double,
                            context: String = "histogram") throws -> HistogramCounts {
    guard bins >= 1 else { throw PlotsError.badData(context: context, message: "bins must be >= 1, got \(bins)") }
    guard lower.isFinite, upper.isFinite, lower < upper else {
        throw PlotsError.badData(context: context, message: "range [\(lower), \(upper)] is empty or not finite")
    }
    if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw PlotsError.badData(context: context, message: "value \(i) is \(values[i])")
    }
    var h = HistogramCounts(lower: lower, upper: upper, counts: Array(repeating: 0, count: bins), below: 0, above: 0)
    let scale = Double(bins) / (upper - lower)
    guard scale.isFinite else {
        throw PlotsError.badData(context: context, message: "range [\(lower), \(upper)] is too narrow for \(bins) bins")
    }
    for v in values {
        if v < lower { h.below += 1; continue }
        if v > upper { h.above += 1; continue }
        // min() puts v == upper (and rounding just below it) into the last bin.
        let b = min(Int((v - lower) * scale), bins - 1)
        h.counts[b] += 1
    }
    return h
}

/// Ordinary least-squares line y = slope·x + intercept, with Pearson's r.
public struct LinearFit: Equatable {
    public var slope: Double
    public var intercept: Double
    /// Pearson correlation; nil when all y are equal (r is undefined then).
    public var r: Double?
    public var count: Int
}

/// Fits y = a·x + b by least squares. Needs >= 2 points, finite values and x not all equal.
/// Centres the data first (two passes) so large offsets do not cancel catastrophically.
public func leastSquares(x: [Double], y: [Double], context: String = "regression") throws -> LinearFit {
    guard x.count == y.count else {
        throw PlotsError.badData(context: context, message: "x has \(x.count) values, y has \(y.count)")
    }
    guard x.count >= 2 else { throw PlotsError.badData(context: context, message: "needs at least 2 points, got \(x.count)") }
    if let i = x.indices.first(where: { !x[$0].isFinite || !y[$0].isFinite }) {
        throw PlotsError.badData(context: context, message: "point \(i) is (\(x[i]), \(y[i]))")
    }
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxx = 0.0, sxy = 0.0, syy = 0.0
    for i in x.indices {
        let dx = x[i] - mx, dy = y[i] - my
        sxx += dx * dx; sxy += dx * dy; syy += dy * dy
    }
    guard sxx > 0 else { throw PlotsError.badData(context: context, message: "all x are equal; the slope is undefined") }
    let slope = sxy / sxx
    let r: Double? = syy > 0 ? sxy / (sxx * syy).squareRoot() : nil
    return LinearFit(slope: slope, intercept: my - slope * mx, r: r, count: x.count)
}

/// Mean and sample standard deviation (n-1; 0 for a single value).
public func meanAndSD(_ xs: [Double], context: String = "mean") throws -> (mean: Double, sd: Double) {
    guard !xs.isEmpty else { throw PlotsError.badData(context: context, message: "no values") }
    if let i = xs.firstIndex(where: { !$0.isFinite }) {
        throw PlotsError.badData(context: context, message: "value \(i) is \(xs[i])")
    }
    let m = xs.reduce(0, +) / Double(xs.count)
    guard xs.count > 1 else { return (m, 0) }
    let ss = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    return (m, (ss / Double(xs.count - 1)).squareRoot())
}
