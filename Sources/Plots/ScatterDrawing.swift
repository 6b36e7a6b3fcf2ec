import Foundation

/// Legend text of a fitted line: `name: y = 0.123x - 0.045, r = 0.67, n = 500`.
public func fitLegend(name: String, fit: LinearFit) -> String {
    let b = fit.intercept
    let sign = b < 0 && formatFixed(b, digits: 3) != "-0.000" ? "-" : "+"
    let r = fit.r.map { formatFixed($0, digits: 2) } ?? "n/a"
    return "\(name): y = \(formatFixed(fit.slope, digits: 3))x \(sign) \(formatFixed(abs(b), digits: 3)), r = \(r), n = \(fit.count)"
}

func drawScatter(_ s: ScatterChart, into w: inout SVGWriter, panel: Rect, style: ChartStyle) throws {
    let ctx = "scatter '\(s.title)'"
    guard !s.series.isEmpty else { throw PlotsError.badData(context: ctx, message: "no series") }
    var fits: [LinearFit?] = []
    var xs: [Double] = [], ys: [Double] = []
    for p in s.series {
        let sctx = "\(ctx) series '\(p.name)'"
        guard p.x.count == p.y.count else {
            throw PlotsError.badData(context: sctx, message: "x has \(p.x.count) values, y has \(p.y.count)")
        }
        guard !p.x.isEmpty else { throw PlotsError.badData(context: sctx, message: "no points") }
        try requireFinite(p.x, sctx + " x")
        try requireFinite(p.y, sctx + " y")
        xs += p.x; ys += p.y
        if p.fit {
            let f = try leastSquares(x: p.x, y: p.y, context: sctx)
            fits.append(f)
            // The line's end points must be inside the y range too.
            ys.append(f.slope * p.x.min()! + f.intercept)
            ys.append(f.slope * p.x.max()! + f.intercept)
        } else {
            fits.append(nil)
        }
    }
    if let r = s.referenceY { ys.append(r) }
    let frame = PlotFrame(area: plotArea(in: panel, style: style),
                          x: try AxisScale.nice(xs.min()!, xs.max()!, target: 6),
                          y: try AxisScale.nice(ys.min()!, ys.max()!, target: 6))
    drawAxes(&w, frame: frame, panel: panel, style: style, title: s.title, xLabel: s.xLabel, yLabel: s.yLabel)
    if let r = s.referenceY {
        w.line(frame.area.x, frame.py(r), frame.area.right, frame.py(r), stroke: "#555555", width: 1, dash: "4,3")
    }
    // Small, translucent points: contexts number in the hundreds and overlap.
    let radius = max(1.5, min(3.5, 300 / Double(max(1, xs.count)).squareRoot()))
    var legend: [(label: String, color: String, mark: LegendMark)] = []
    for (i, p) in s.series.enumerated() {
        let color = style.color(i)
        for (x, y) in zip(p.x, p.y) { w.circle(frame.px(x), frame.py(y), r: radius, fill: color, opacity: 0.45) }
        if let f = fits[i] {
            let x0 = p.x.min()!, x1 = p.x.max()!
            w.line(frame.px(x0), frame.py(f.slope * x0 + f.intercept), frame.px(x1), frame.py(f.slope * x1 + f.intercept),
                   stroke: color, width: 2)
            legend.append((fitLegend(name: p.name, fit: f), color, .marker))
        } else {
            legend.append(("\(p.name) (n = \(p.x.count))", color, .marker))
        }
    }
    // Legend in whichever top corner holds fewer points.
    let top = frame.y.lower + (frame.y.upper - frame.y.lower) * 0.75
    let mid = (frame.x.lower + frame.x.upper) / 2
    var leftCount = 0, rightCount = 0
    for p in s.series { for (x, y) in zip(p.x, p.y) where y >= top { if x < mid { leftCount += 1 } else { rightCount += 1 } } }
    drawLegend(&w, entries: legend, area: frame.area, style: style, left: leftCount < rightCount)
}
