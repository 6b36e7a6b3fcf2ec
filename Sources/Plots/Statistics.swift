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
