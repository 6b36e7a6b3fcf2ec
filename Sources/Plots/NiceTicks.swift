import Foundation

/// Axis ticks at "nice" steps (1, 2 or 5 times a power of ten) and the axis range they span.
public struct NiceTicks: Equatable {
    /// Distance between ticks.
    public var step: Double
    /// Axis range: the data range widened to whole steps.
    public var lower: Double
    public var upper: Double
    /// Tick positions, lower...upper.
    public var values: [Double]
    /// Decimals needed to print every tick exactly (0 for steps >= 1).
    public var decimals: Int

    /// Tick labels, locale-independent; in scientific notation (`5e-17`) when fixed notation
    /// would need more than 6 decimals (a range of rounding noise around 0 would otherwise print
    /// labels wider than the plot).
    public var labels: [String] {
        guard decimals > 6 else { return values.map { formatFixed($0, digits: decimals) } }
        return values.map { $0 == 0 ? "0" : String(format: "%.3g", $0) }
    }
}

/// Chooses the smallest nice step (1, 2, 5 × 10^k) that gives at most about `target` intervals
/// over [minimum, maximum], and widens the range to multiples of it. Ticks are computed as
/// integer multiples of the step, so they do not accumulate rounding error. A degenerate range
/// (minimum == maximum) is widened by one unit of the value's magnitude (or by 1 around 0).
public func niceTicks(minimum: Double, maximum: Double, target: Int = 5) throws -> NiceTicks {
    guard minimum.isFinite, maximum.isFinite, minimum <= maximum else {
        throw PlotsError.badData(context: "axis", message: "range [\(minimum), \(maximum)] is not finite and ordered")
    }
    var lo = minimum, hi = maximum
    if lo == hi {
        let pad = lo == 0 ? 1 : pow(10, floor(log10(abs(lo))))
        lo -= pad; hi += pad
    }
    let rough = (hi - lo) / Double(max(1, target))
    let magnitude = pow(10, floor(log10(rough)))
    // Spans beyond Double's range (or so small the step underflows) cannot be ticked.
    guard rough.isFinite, rough > 0, magnitude.isFinite, magnitude > 0 else {
        throw PlotsError.badData(context: "axis", message: "range [\(minimum), \(maximum)] is too wide or too narrow to tick")
    }
    var step = 10 * magnitude
    for m in [1.0, 2.0, 5.0] where m * magnitude >= rough * (1 - 1e-9) {
        step = m * magnitude
        break
    }
    // Whole steps, with a little slack so 0.30000000000000004 is not pushed to the next step.
    let first = (lo / step + 1e-9).rounded(.down)
    let last = (hi / step - 1e-9).rounded(.up)
    guard (last - first).isFinite, last - first >= 0, last - first <= 10_000 else {
        throw PlotsError.badData(context: "axis", message: "range [\(minimum), \(maximum)] cannot be ticked")
    }
    let n = Int(last - first)
    var values: [Double] = []
    values.reserveCapacity(n + 1)
    for i in 0...n {
        var v = (first + Double(i)) * step
        if abs(v) < step * 1e-9 { v = 0 }   // no "-0"
        values.append(v)
    }
    let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
    return NiceTicks(step: step, lower: values[0], upper: values[n], values: values, decimals: decimals)
}

/// Ticks for a log2 axis: every power of two from 2^floor(log2 min) to 2^ceil(log2 max).
/// Needs minimum > 0. Labels print the plain number (`0.5`, `1`, `32`).
public func log2Ticks(minimum: Double, maximum: Double) throws -> (values: [Double], labels: [String]) {
    guard minimum.isFinite, maximum.isFinite, minimum > 0, minimum <= maximum else {
        throw PlotsError.badData(context: "log2 axis", message: "range [\(minimum), \(maximum)] must be positive, finite and ordered")
    }
    let a = Int(floor(log2(minimum) + 1e-12)), b = max(Int(ceil(log2(maximum) - 1e-12)), a + 1)
    var values: [Double] = [], labels: [String] = []
    for e in a...b {
        let v = pow(2.0, Double(e))
        values.append(v)
        labels.append(formatTrimmed(v, maxDigits: max(0, -e)))
    }
    return (values, labels)
}
