import Foundation

/// Maps data values on one axis to pixels; linear or log2.
struct AxisScale {
    var lower: Double           // data value at the start of the axis
    var upper: Double           // data value at the end
    var log2: Bool = false
    var ticks: [Double]
    var labels: [String]

    /// A linear axis with nice ticks covering [minimum, maximum] (widened to whole steps).
    static func nice(_ minimum: Double, _ maximum: Double, target: Int) throws -> AxisScale {
        let t = try niceTicks(minimum: minimum, maximum: maximum, target: target)
        return AxisScale(lower: t.lower, upper: t.upper, ticks: t.values, labels: t.labels)
    }

    /// A linear axis spanning exactly [lower, upper] (histogram bins must line up with it),
    /// with the nice ticks that fall inside.
    static func fixed(_ lower: Double, _ upper: Double, target: Int) throws -> AxisScale {
        let t = try niceTicks(minimum: lower, maximum: upper, target: target)
        let eps = t.step * 1e-9
        var ticks: [Double] = [], labels: [String] = []
        for (v, l) in zip(t.values, t.labels) where v >= lower - eps && v <= upper + eps {
            ticks.append(v); labels.append(l)
        }
        return AxisScale(lower: lower, upper: upper, ticks: ticks, labels: labels)
    }

    /// A log2 axis from the power of two at or below `minimum` to the one at or above `maximum`.
    static func log2(_ minimum: Double, _ maximum: Double) throws -> AxisScale {
        let t = try log2Ticks(minimum: minimum, maximum: maximum)
        return AxisScale(lower: t.values.first!, upper: t.values.last!, log2: true, ticks: t.values, labels: t.labels)
    }

    /// Fraction of the way along the axis (0 at lower, 1 at upper).
    func fraction(_ v: Double) -> Double {
        if log2 { return (Foundation.log2(v) - Foundation.log2(lower)) / (Foundation.log2(upper) - Foundation.log2(lower)) }
        return (v - lower) / (upper - lower)
    }
}

/// The plot area of a panel and the data-to-pixel maps.
struct PlotFrame {
    var area: Rect
    var x: AxisScale
    var y: AxisScale

    func px(_ v: Double) -> Double { area.x + x.fraction(v) * area.width }
    func py(_ v: Double) -> Double { area.bottom - y.fraction(v) * area.height }
}

/// Margins around the plot area inside a panel: room for title, tick labels and axis labels.
func plotArea(in panel: Rect, style: ChartStyle, extraBottom: Double = 0) -> Rect {
    let f = style.fontSize
    let left = 4.6 * f + 12, right = 1.4 * f, top = 2.6 * f, bottom = 3.6 * f + extraBottom
    return Rect(x: panel.x + left, y: panel.y + top, width: max(10, panel.width - left - right),
                height: max(10, panel.height - top - bottom))
}

/// Draws the title, light grid lines, both axes with ticks and tick labels, and the axis labels.
/// `xTicks: false` leaves the x axis unlabelled (bar charts label their categories themselves).
func drawAxes(_ w: inout SVGWriter, frame: PlotFrame, panel: Rect, style: ChartStyle,
              title: String, xLabel: String, yLabel: String, xTicks: Bool = true) {
    let a = frame.area, f = style.fontSize
    w.text(title, panel.x + panel.width / 2, panel.y + 1.5 * f, anchor: .middle,
           size: fittingFontSize(title, maxWidth: panel.width - f, fontSize: f * 1.15), bold: true)
    for (v, l) in zip(frame.y.ticks, frame.y.labels) {
        let y = frame.py(v)
        w.line(a.x, y, a.right, y, stroke: "#dddddd", width: 0.8)
        w.line(a.x - 4, y, a.x, y, stroke: "#333333")
        w.text(l, a.x - 6, y + f * 0.35, anchor: .end, size: f * 0.9)
    }
    if xTicks {
        for (v, l) in zip(frame.x.ticks, frame.x.labels) {
            let x = frame.px(v)
            w.line(x, a.y, x, a.bottom, stroke: "#eeeeee", width: 0.8)
            w.line(x, a.bottom, x, a.bottom + 4, stroke: "#333333")
            w.text(l, x, a.bottom + 4 + f, anchor: .middle, size: f * 0.9)
        }
    }
    w.line(a.x, a.bottom, a.right, a.bottom, stroke: "#333333")
    w.line(a.x, a.y, a.x, a.bottom, stroke: "#333333")
    w.text(xLabel, a.x + a.width / 2, panel.bottom - 0.6 * f, anchor: .middle)
    let yx = panel.x + 1.2 * f, yy = a.y + a.height / 2
    w.text(yLabel, yx, yy, anchor: .middle, rotate: -90)
}

/// How a legend entry is drawn.
enum LegendMark { case box, line, marker }

/// Draws a legend box in the top-right corner of the plot area (or top-left with `left`).
func drawLegend(_ w: inout SVGWriter, entries: [(label: String, color: String, mark: LegendMark)],
                area: Rect, style: ChartStyle, left: Bool = false) {
    guard !entries.isEmpty else { return }
    let f = style.fontSize * 0.9, rowH = f * 1.45
    let textW = entries.map { estimatedTextWidth($0.label, fontSize: f) }.max() ?? 0
    let boxW = min(area.width - 8, textW + 34), boxH = rowH * Double(entries.count) + 8
    let x0 = left ? area.x + 6 : area.right - boxW - 6, y0 = area.y + 6
    w.rect(Rect(x: x0, y: y0, width: boxW, height: boxH), fill: "#ffffff", fillOpacity: 0.85,
           stroke: "#bbbbbb", strokeWidth: 0.8)
    for (i, e) in entries.enumerated() {
        let cy = y0 + 4 + rowH * (Double(i) + 0.5)
        switch e.mark {
        case .box: w.rect(Rect(x: x0 + 6, y: cy - f * 0.4, width: 16, height: f * 0.8), fill: e.color, fillOpacity: 0.45, stroke: e.color)
        case .line: w.line(x0 + 6, cy, x0 + 22, cy, stroke: e.color, width: 2)
        case .marker:
            w.line(x0 + 6, cy, x0 + 22, cy, stroke: e.color, width: 1.5)
            w.circle(x0 + 14, cy, r: 3, fill: e.color)
        }
        w.text(e.label, x0 + 28, cy + f * 0.35, size: f)
    }
}
