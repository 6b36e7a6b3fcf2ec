import Foundation

/// One distribution in a histogram.
public struct HistogramSeries {
    public var name: String
    public var values: [Double]
    public init(name: String, values: [Double]) { self.name = name; self.values = values }
}

/// Overlaid histograms on shared bins (e.g. per-context TVD of a model and of the oracle, 0..1).
public struct HistogramChart {
    public var title: String
    public var xLabel: String
    /// Y label; defaults to what `normalize` plots.
    public var yLabel: String?
    public var series: [HistogramSeries]
    public var bins: Int
    /// Bin range; nil takes the data's min/max.
    public var lower: Double?
    public var upper: Double?
    /// Plot each series' share of its values per bin (series of different sizes stay comparable);
    /// false plots raw counts.
    public var normalize: Bool

    public init(title: String, xLabel: String, yLabel: String? = nil, series: [HistogramSeries], bins: Int = 20,
                lower: Double? = nil, upper: Double? = nil, normalize: Bool = true) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.bins = bins
        self.lower = lower; self.upper = upper; self.normalize = normalize
    }
}

/// Points of one scatter series; `fit` adds its least-squares line.
public struct ScatterSeries {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var fit: Bool
    public init(name: String, x: [Double], y: [Double], fit: Bool = true) {
        self.name = name; self.x = x; self.y = y; self.fit = fit
    }
}

/// Scatter plot with least-squares lines (slope, intercept and r printed in the legend).
public struct ScatterChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ScatterSeries]
    /// A dashed horizontal reference line (e.g. y = 0 for TVD differences).
    public var referenceY: Double?
    public init(title: String, xLabel: String, yLabel: String, series: [ScatterSeries], referenceY: Double? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.referenceY = referenceY
    }
}

/// One line with optional symmetric error bars (e.g. ± SD over seeds).
public struct LineSeries {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var errors: [Double]?
    public init(name: String, x: [Double], y: [Double], errors: [Double]? = nil) {
        self.name = name; self.x = x; self.y = y; self.errors = errors
    }
}

/// Line plot with error bars, optionally on a log2 x axis (mean TVD vs number of answers N).
public struct LineChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var log2X: Bool
    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries], log2X: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.log2X = log2X
    }
}

/// One bar per group for one series, with optional error bars. A nil value is a cell the
/// series has no number for (e.g. paper B's 1-Shot GPT-2): no bar, an "n/a" mark instead.
public struct BarSeries {
    public var name: String
    public var values: [Double?]
    public var errors: [Double]?
    public init(name: String, values: [Double?], errors: [Double]? = nil) {
        self.name = name; self.values = values; self.errors = errors
    }
}

/// Grouped bars (groups along x, one bar per series in each group), e.g. a results table.
public struct BarChart {
    public var title: String
    public var yLabel: String
    public var groups: [String]
    public var series: [BarSeries]
    public init(title: String, yLabel: String, groups: [String], series: [BarSeries]) {
        self.title = title; self.yLabel = yLabel; self.groups = groups; self.series = series
    }
}

/// Any chart the module draws; `renderSVG` draws one, `renderSmallMultiples` a grid of them.
public enum Chart {
    case histogram(HistogramChart)
    case scatter(ScatterChart)
    case line(LineChart)
    case bars(BarChart)
}

/// A standalone SVG document of one chart, `style.width` × `style.height`.
public func renderSVG(_ chart: Chart, style: ChartStyle = ChartStyle()) throws -> String {
    var w = SVGWriter()
    try drawChart(chart, into: &w, panel: Rect(x: 0, y: 0, width: style.width, height: style.height), style: style)
    return SVGWriter.document(width: style.width, height: style.height, style: style, body: w.body)
}

/// Several charts in a grid of `columns` columns (row-major), each panel `style.width` ×
/// `style.height`, under an optional overall title: e.g. one TVD histogram per seed.
public func renderSmallMultiples(_ charts: [Chart], columns: Int, title: String? = nil,
                                 style: ChartStyle = ChartStyle(width: 420, height: 300)) throws -> String {
    guard !charts.isEmpty else { throw PlotsError.badData(context: "small multiples", message: "no charts") }
    guard columns >= 1 else { throw PlotsError.badData(context: "small multiples", message: "columns must be >= 1") }
    let cols = min(columns, charts.count)
    let rows = (charts.count + cols - 1) / cols
    let width = style.width * Double(cols)
    // A title wider than the figure (e.g. one panel under a long title) wraps onto more lines.
    let titleSize = style.fontSize * 1.3, lineHeight = titleSize * 1.25
    let titleLines = title.map { wrappedLines($0, maxWidth: width - 2 * style.fontSize, fontSize: titleSize) } ?? []
    let top = titleLines.isEmpty ? 0 : style.fontSize * 2.4 + Double(titleLines.count - 1) * lineHeight
    let height = top + style.height * Double(rows)
    var w = SVGWriter()
    for (k, line) in titleLines.enumerated() {
        w.text(line, width / 2, style.fontSize * 1.6 + Double(k) * lineHeight, anchor: .middle, size: titleSize, bold: true)
    }
    for (i, c) in charts.enumerated() {
        let panel = Rect(x: style.width * Double(i % cols), y: top + style.height * Double(i / cols),
                         width: style.width, height: style.height)
        w.openGroup("panel \(i + 1)")
        do { try drawChart(c, into: &w, panel: panel, style: style) } catch let PlotsError.badData(ctx, msg) {
            throw PlotsError.badData(context: "small multiples panel \(i + 1): \(ctx)", message: msg)
        }
        w.closeGroup()
    }
    return SVGWriter.document(width: width, height: height, style: style, body: w.body)
}

func drawChart(_ chart: Chart, into w: inout SVGWriter, panel: Rect, style: ChartStyle) throws {
    switch chart {
    case let .histogram(h): try drawHistogram(h, into: &w, panel: panel, style: style)
    case let .scatter(s): try drawScatter(s, into: &w, panel: panel, style: style)
    case let .line(l): try drawLineChart(l, into: &w, panel: panel, style: style)
    case let .bars(b): try drawBarChart(b, into: &w, panel: panel, style: style)
    }
}

/// Throws unless every value is finite; `what` names the chart and series.
func requireFinite(_ xs: [Double], _ what: String) throws {
    if let i = xs.firstIndex(where: { !$0.isFinite }) {
        throw PlotsError.badData(context: what, message: "value \(i) is \(xs[i])")
    }
}
