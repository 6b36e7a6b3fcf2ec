import XCTest
import Plots
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses SVG text with Foundation's XMLParser, counting elements by name.
final class SVGChecker: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []
    private var inText = false
    private var current = ""

    func parse(_ svg: String) -> Bool {
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = self
        return p.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
        if name == "text" { inText = true; current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current); inText = false }
    }
}

final class SVGChartTests: XCTestCase {
    // Deterministic pseudo-data (a fixed LCG), so the charts are the same on every run.
    func data(_ n: Int, seed: UInt64, scale: Double = 1, offset: Double = 0) -> [Double] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return offset + scale * Double(s >> 11) / Double(1 << 53)
        }
    }

    func sampleCharts() -> [(String, Chart)] {
        let model = data(300, seed: 1, scale: 0.6, offset: 0.35)
        let oracle = data(300, seed: 2, scale: 0.5, offset: 0.2)
        let hist = HistogramChart(title: "TVD across test contexts <seed 42>", xLabel: "TVD", series: [
            HistogramSeries(name: "FT (Mul. labels)", values: model),
            HistogramSeries(name: "Oracle", values: oracle)], bins: 20, lower: 0, upper: 1)
        let ox = data(200, seed: 3, scale: 0.8, offset: 0.1)
        let noise = data(200, seed: 4, scale: 0.2, offset: -0.1)
        let dy = zip(ox, noise).map { 0.3 * $0 - 0.2 + $1 }
        let scatter = ScatterChart(title: "TVD change vs oracle TVD", xLabel: "oracle TVD", yLabel: "TVD(FT) - TVD(Base)",
                                   series: [ScatterSeries(name: "Gemma-3-270M", x: ox, y: dy)], referenceY: 0)
        let line = LineChart(title: "Ablation: answers per context", xLabel: "N (log2)", yLabel: "mean TVD",
                             series: [LineSeries(name: "Gemma-3-270M", x: [1, 2, 4, 16, 32, 40],
                                                 y: [0.62, 0.6, 0.58, 0.555, 0.553, 0.55], errors: [0.01, 0.008, 0.006, 0.004, 0.004, 0.003])],
                             log2X: true)
        let bars = BarChart(title: "Mean TVD & SD (paper B, Table 1)", yLabel: "mean TVD",
                            groups: ["Base", "1-Shot", "FT (Orig. corpus)", "FT (Maj. label)", "FT (Mul. labels)", "Oracle"],
                            series: [BarSeries(name: "GPT-2", values: [0.607, nil, 0.612, 0.556, 0.550, 0.443],
                                               errors: [0.001, 0, 0.002, 0.005, 0.003, 0.002]),
                                     BarSeries(name: "Mistral-7B-IT", values: [0.812, 0.784, 0.805, 0.563, 0.499, 0.443],
                                               errors: [0.002, 0.002, 0.001, 0.002, 0.006, 0.002])])
        return [("histogram", .histogram(hist)), ("scatter", .scatter(scatter)), ("line", .line(line)), ("bars", .bars(bars))]
    }

    func testEveryChartIsWellFormedXMLAndDeterministic() throws {
        let dir = ProcessInfo.processInfo.environment["PLOTS_SAMPLE_DIR"]
        for (name, chart) in sampleCharts() {
            let a = try renderSVG(chart), b = try renderSVG(chart)
            XCTAssertEqual(a, b, "\(name) is not deterministic")
            let check = SVGChecker()
            XCTAssertTrue(check.parse(a), "\(name) is not well-formed XML")
            XCTAssertEqual(check.counts["svg"], 1)
            XCTAssertGreaterThan(check.counts["text"] ?? 0, 5, name)
            if let d = dir { try a.write(toFile: "\(d)/\(name).svg", atomically: true, encoding: .utf8) }
        }
        let grid = try renderSmallMultiples(sampleCharts().map(\.1) + [sampleCharts()[0].1], columns: 2, title: "All & every seed")
        XCTAssertTrue(SVGChecker().parse(grid))
        XCTAssertEqual(grid, try renderSmallMultiples(sampleCharts().map(\.1) + [sampleCharts()[0].1], columns: 2, title: "All & every seed"))
        if let d = dir { try grid.write(toFile: "\(d)/grid.svg", atomically: true, encoding: .utf8) }
    }

    /// A figure title wider than its one panel wraps onto lines that fit (0.6 em per character,
    /// the estimate the layout uses); a short title stays one line.
    func testLongFigureTitleWrapsToTheFigureWidth() throws {
        let chart = sampleCharts()[0].1
        let long = "Fig. 4: TVD after fine-tuning (FT (Mul. labels)) against context open-endedness (oracle TVD), seed 42"
        let svg = try renderSmallMultiples([chart], columns: 1, title: long, style: ChartStyle(width: 420, height: 300))
        let check = SVGChecker()
        XCTAssertTrue(check.parse(svg))
        let titleWords = Set(long.split(separator: " ").map(String.init))
        let titleLines = check.texts.filter { line in
            !line.isEmpty && line.split(separator: " ").allSatisfy { titleWords.contains(String($0)) } && line.split(separator: " ").count >= 3
        }
        XCTAssertGreaterThanOrEqual(titleLines.count, 2, "\(check.texts)")
        XCTAssertEqual(titleLines.joined(separator: " "), long)
        let fontSize = ChartStyle(width: 420, height: 300).fontSize * 1.3
        for line in titleLines { XCTAssertLessThanOrEqual(Double(line.count) * fontSize * 0.6, 420) }
        let short = try renderSmallMultiples([chart], columns: 1, title: "Fig. 1")
        let c2 = SVGChecker()
        XCTAssertTrue(c2.parse(short))
        XCTAssertEqual(c2.texts.filter { $0 == "Fig. 1" }.count, 1)
    }

    func testHistogramDrawsOneBarPerNonEmptyBinAndEscapesText() throws {
        let chart = Chart.histogram(HistogramChart(title: "a < b & \"c\"", xLabel: "x", series: [
            HistogramSeries(name: "s1", values: [0.1, 0.1, 0.6, 1.5]),
            HistogramSeries(name: "s2", values: [0.9])], bins: 4, lower: 0, upper: 1))
        let svg = try renderSVG(chart)
        let check = SVGChecker()
        XCTAssertTrue(check.parse(svg))
        // background + legend box + 2 legend swatches + bars: s1 has 2 non-empty bins, s2 one.
        XCTAssertEqual(check.counts["rect"], 1 + 1 + 2 + 3)
        XCTAssertTrue(check.texts.contains("a < b & \"c\""))
        XCTAssertTrue(check.texts.contains("s1 (n=4), 1 outside range"))
        XCTAssertTrue(check.texts.contains("s2 (n=1)"))
    }

    func testScatterLegendCarriesTheFit() throws {
        let svg = try renderSVG(.scatter(ScatterChart(title: "fit", xLabel: "x", yLabel: "y",
                                                      series: [ScatterSeries(name: "m", x: [1, 2, 3, 4], y: [2, 3, 5, 4])])))
        let check = SVGChecker()
        XCTAssertTrue(check.parse(svg))
        XCTAssertTrue(check.texts.contains("m: y = 0.800x + 1.500, r = 0.80, n = 4"), "\(check.texts)")
        XCTAssertEqual(check.counts["circle"], 4 + 1)   // points + legend marker
    }

    func testLog2LineChartTicksArePowersOfTwo() throws {
        let svg = try renderSVG(.line(LineChart(title: "t", xLabel: "N", yLabel: "TVD",
                                                series: [LineSeries(name: "m", x: [1, 4, 16], y: [0.6, 0.5, 0.45])], log2X: true)))
        let check = SVGChecker()
        XCTAssertTrue(check.parse(svg))
        for l in ["1", "2", "4", "8", "16"] { XCTAssertTrue(check.texts.contains(l), "missing tick \(l)") }
    }

    func testControlCharactersDoNotBreakTheXML() throws {
        let svg = try renderSVG(.line(LineChart(title: "bell\u{7} and tab\t", xLabel: "x", yLabel: "y",
                                                series: [LineSeries(name: "nul\u{0}", x: [1, 2], y: [1, 2])])))
        XCTAssertTrue(SVGChecker().parse(svg))
    }

    func testBadChartInputThrowsNamingTheSeries() {
        XCTAssertThrowsError(try renderSVG(.histogram(HistogramChart(title: "h", xLabel: "x",
                                                                     series: [HistogramSeries(name: "empty", values: [])])))) {
            XCTAssertEqual("\($0)", "histogram 'h' series 'empty': no values")
        }
        XCTAssertThrowsError(try renderSVG(.scatter(ScatterChart(title: "s", xLabel: "x", yLabel: "y",
                                                                 series: [ScatterSeries(name: "p", x: [1, 2], y: [1])]))))
        XCTAssertThrowsError(try renderSVG(.line(LineChart(title: "l", xLabel: "x", yLabel: "y",
                                                           series: [LineSeries(name: "p", x: [0, 1], y: [1, 2])], log2X: true)))) {
            XCTAssertEqual("\($0)", "line chart 'l' series 'p': x[0] = 0.0 cannot go on a log2 axis")
        }
        XCTAssertThrowsError(try renderSVG(.bars(BarChart(title: "b", yLabel: "y", groups: ["a", "b"],
                                                          series: [BarSeries(name: "p", values: [1, .nan])]))))
        XCTAssertThrowsError(try renderSmallMultiples([], columns: 2))
    }
}
