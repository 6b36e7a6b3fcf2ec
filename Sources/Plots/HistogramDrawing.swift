import Foundation

func drawHistogram(_ h: HistogramChart, into w: inout SVGWriter, panel: Rect, style: ChartStyle) throws {
    let ctx = "histogram '\(h.title)'"
    guard !h.series.isEmpty else { throw PlotsError.badData(context: ctx, message: "no series") }
    for s in h.series {
        guard !s.values.isEmpty else { throw PlotsError.badData(context: "\(ctx) series '\(s.name)'", message: "no values") }
        try requireFinite(s.values, "\(ctx) series '\(s.name)'")
    }
    let all = h.series.flatMap(\.values)
    var lo = h.lower ?? all.min()!, hi = h.upper ?? all.max()!
    if lo == hi { lo -= 0.5; hi += 0.5 }
    let counts = try h.series.map { try histogramCounts($0.values, bins: h.bins, lower: lo, upper: hi, context: "\(ctx) series '\($0.name)'") }
    // Heights per series: share of that series' values (or raw counts).
    let heights: [[Double]] = zip(h.series, counts).map { s, c in
        c.counts.map { h.normalize ? Double($0) / Double(s.values.count) : Double($0) }
    }
    let ymax = heights.flatMap { $0 }.max() ?? 1
    let frame = PlotFrame(area: plotArea(in: panel, style: style),
                          x: try AxisScale.fixed(lo, hi, target: 5),
                          // 15% headroom keeps the tallest bars clear of the legend.
                          y: try AxisScale.nice(0, max(ymax, h.normalize ? 0.01 : 1) * 1.15, target: 5))
    drawAxes(&w, frame: frame, panel: panel, style: style, title: h.title, xLabel: h.xLabel,
             yLabel: h.yLabel ?? (h.normalize ? "share of values" : "count"))
    var legend: [(label: String, color: String, mark: LegendMark)] = []
    for (i, (s, c)) in zip(h.series, counts).enumerated() {
        let color = style.color(i)
        for (b, v) in heights[i].enumerated() where v > 0 {
            let x0 = frame.px(c.edge(b)), x1 = frame.px(c.edge(b + 1))
            let y = frame.py(v)
            w.rect(Rect(x: x0, y: y, width: x1 - x0, height: frame.area.bottom - y), fill: color, fillOpacity: 0.4,
                   stroke: color, strokeWidth: 0.8, strokeOpacity: 0.9)
        }
        var label = "\(s.name) (n=\(s.values.count))"
        let outside = c.below + c.above
        if outside > 0 { label += ", \(outside) outside range" }
        legend.append((label, color, .box))
    }
    // Legend in the top corner over the lower bars.
    let n = h.bins, k = max(1, n * 2 / 5)
    let leftMax = heights.map { $0.prefix(k).max() ?? 0 }.max() ?? 0
    let rightMax = heights.map { $0.suffix(k).max() ?? 0 }.max() ?? 0
    drawLegend(&w, entries: legend, area: frame.area, style: style, left: leftMax < rightMax)
}
