import Foundation

func drawLineChart(_ l: LineChart, into w: inout SVGWriter, panel: Rect, style: ChartStyle) throws {
    let ctx = "line chart '\(l.title)'"
    guard !l.series.isEmpty else { throw PlotsError.badData(context: ctx, message: "no series") }
    var xs: [Double] = [], lows: [Double] = [], highs: [Double] = []
    for s in l.series {
        let sctx = "\(ctx) series '\(s.name)'"
        guard !s.x.isEmpty, s.x.count == s.y.count else {
            throw PlotsError.badData(context: sctx, message: "needs equal, non-zero numbers of x and y (got \(s.x.count), \(s.y.count))")
        }
        try requireFinite(s.x, sctx + " x")
        try requireFinite(s.y, sctx + " y")
        if let e = s.errors {
            guard e.count == s.y.count else { throw PlotsError.badData(context: sctx, message: "\(e.count) errors for \(s.y.count) points") }
            try requireFinite(e, sctx + " errors")
            if let i = e.firstIndex(where: { $0 < 0 }) { throw PlotsError.badData(context: sctx, message: "error \(i) is negative") }
        }
        if l.log2X, let i = s.x.firstIndex(where: { $0 <= 0 }) {
            throw PlotsError.badData(context: sctx, message: "x[\(i)] = \(s.x[i]) cannot go on a log2 axis")
        }
        xs += s.x
        for (i, y) in s.y.enumerated() {
            let e = s.errors?[i] ?? 0
            lows.append(y - e); highs.append(y + e)
        }
    }
    let xAxis = l.log2X ? try AxisScale.log2(xs.min()!, xs.max()!) : try AxisScale.nice(xs.min()!, xs.max()!, target: 6)
    let frame = PlotFrame(area: plotArea(in: panel, style: style), x: xAxis,
                          // Headroom above the highest error bar for the legend.
                          y: try AxisScale.nice(lows.min()!, highs.max()! + (highs.max()! - lows.min()!) * 0.12, target: 6))
    drawAxes(&w, frame: frame, panel: panel, style: style, title: l.title, xLabel: l.xLabel, yLabel: l.yLabel)
    var legend: [(label: String, color: String, mark: LegendMark)] = []
    for (i, s) in l.series.enumerated() {
        let color = style.color(i)
        // Connect points in x order whatever order they came in (stable for equal x).
        let order = s.x.indices.sorted { (s.x[$0], $0) < (s.x[$1], $1) }
        w.polyline(order.map { (frame.px(s.x[$0]), frame.py(s.y[$0])) }, stroke: color, width: 1.8)
        for j in order {
            let cx = frame.px(s.x[j])
            if let e = s.errors?[j], e > 0 {
                let y0 = frame.py(s.y[j] - e), y1 = frame.py(s.y[j] + e)
                w.line(cx, y0, cx, y1, stroke: color, width: 1.2)
                w.line(cx - 4, y0, cx + 4, y0, stroke: color, width: 1.2)
                w.line(cx - 4, y1, cx + 4, y1, stroke: color, width: 1.2)
            }
            w.circle(cx, frame.py(s.y[j]), r: 3.2, fill: color)
        }
        legend.append((s.name, color, .marker))
    }
    drawLegend(&w, entries: legend, area: frame.area, style: style)
}
