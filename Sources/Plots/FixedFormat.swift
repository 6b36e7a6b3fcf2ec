import Foundation

/// Formats `x` with exactly `digits` decimals, independent of locale (always `.` as separator,
/// no grouping), so charts and CSVs are byte-identical across machines. Uses integer arithmetic
/// on the rounded scaled value where it fits (|x|·10^digits < 2^53), Swift's shortest
/// round-trip description otherwise. Negative zero prints as zero; NaN as `nan`, infinities as
/// `inf`/`-inf`.
public func formatFixed(_ x: Double, digits: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    let d = max(0, min(digits, 15))
    var scale = 1.0
    for _ in 0..<d { scale *= 10 }
    let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
    guard scaled < 9.0e15 else { return "\(x)" }
    let n = UInt64(scaled)
    let negative = x < 0 && n != 0
    var intPart = String(n / UInt64(scale))
    if negative { intPart = "-" + intPart }
    if d == 0 { return intPart }
    var frac = String(n % UInt64(scale))
    while frac.count < d { frac = "0" + frac }
    return intPart + "." + frac
}

/// Like `formatFixed` but drops trailing zeros (and a trailing `.`): `0.50` -> `0.5`, `2.00` -> `2`.
/// Used for tick labels and SVG coordinates, where fixed width adds nothing.
public func formatTrimmed(_ x: Double, maxDigits: Int) -> String {
    var s = formatFixed(x, digits: maxDigits)
    guard s.contains("."), x.isFinite else { return s }
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    if s == "-0" { s = "0" }
    return s
}
