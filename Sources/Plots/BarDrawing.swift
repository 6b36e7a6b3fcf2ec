import Foundation

func drawBarChart(_ b: BarChart, into w: inout SVGWriter, panel: Rect, style: ChartStyle) throws {
    let ctx = "bar chart '\(b.title)'"
    guard !b.groups.isEmpty, !b.series.isEmpty else { throw PlotsError.badData(context: ctx, message: "no groups or no series") }
    var lo = 0.0, hi = 0.0
    for s in b.series {
        let sctx = "\(ctx) series '\(s.name)'"
        guard s.values.count == b.groups.count else {
            throw PlotsError.badData(context: sctx, message: "\(s.values.count) values for \(b.groups.count) groups")
        }
        try requireFinite(s.values.compactMap { $0 }, sctx)
        if let e = s.errors {
            guard e.count == s.values.count else { throw PlotsError.badData(context: sctx, message: "\(e.count) errors for \(s.values.count) values") }
            try requireFinite(e, sctx + " errors")
            if let i = e.firstIndex(where: { $0 < 0 }) { throw PlotsError.badData(context: sctx, message: "error \(i) is negative") }
        }
        for (i, value) in s.values.enumerated() {
            guard let v = value else { continue }
            let e = s.errors?[i] ?? 0
            lo = min(lo, v - e); hi = max(hi, v + e)
        }
    }
    // Rotate category labels when they would not fit side by side.
    let f = style.fontSize
    let probe = plotArea(in: panel, style: style)
    let groupW = probe.width / Double(b.groups.count)
    let widest = b.groups.map { estimatedTextWidth($0, fontSize: f * 0.9) }.max() ?? 0
    let rotate = widest > groupW * 0.95
    let extra = rotate ? min(widest * 0.5, panel.height * 0.3) : 0
    let area = plotArea(in: panel, style: style, extraBottom: extra)
    let frame = PlotFrame(area: area, x: AxisScale(lower: 0, upper: Double(b.groups.count), ticks: [], labels: []),
                          y: try AxisScale.nice(lo, hi == lo ? lo + 1 : hi + (hi - lo) * 0.12, target: 6))
    drawAxes(&w, frame: frame, panel: panel, style: style, title: b.title, xLabel: "", yLabel: b.yLabel, xTicks: false)
    let slot = area.width / Double(b.groups.count)
    let barW = slot * 0.8 / Double(b.series.count)
    for (g, name) in b.groups.enumerated() {
        let x = area.x + slot * (Double(g) + 0.5)
        if rotate {
            w.text(name, x, area.bottom + f, anchor: .end, size: f * 0.9, rotate: -30)
        } else {
            w.text(name, x, area.bottom + 4 + f, anchor: .middle, size: f * 0.9)
        }
    }
    let zero = frame.py(0)
    var legend: [(label: String, color: String, mark: LegendMark)] = []
    for (si, s) in b.series.enumerated() {
        let color = style.color(si)
        for (g, value) in s.values.enumerated() {
            let x0 = area.x + slot * Double(g) + slot * 0.1 + barW * Double(si)
            guard let v = value else {
                w.text("n/a", x0 + barW / 2, zero - 4, anchor: .middle, size: f * 0.75, fill: "#666666")
                continue
            }
            let y = frame.py(v)
            w.rect(Rect(x: x0, y: min(y, zero), width: barW, height: abs(zero - y)), fill: color, fillOpacity: 0.8,
                   stroke: color, strokeWidth: 0.8)
            if let e = s.errors?[g], e > 0 {
                let cx = x0 + barW / 2, y0 = frame.py(v - e), y1 = frame.py(v + e)
                let cap = min(5, barW * 0.3)
                w.line(cx, y0, cx, y1, stroke: "#222222", width: 1.1)
                w.line(cx - cap, y0, cx + cap, y0, stroke: "#222222", width: 1.1)
                w.line(cx - cap, y1, cx + cap, y1, stroke: "#222222", width: 1.1)
            }
        }
        legend.append((s.name, color, .box))
    }
    if lo < 0 { w.line(area.x, zero, area.right, zero, stroke: "#333333") }
    drawLegend(&w, entries: legend, area: area, style: style)
}
