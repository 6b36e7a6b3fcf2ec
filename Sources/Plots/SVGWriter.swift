import Foundation

/// Okabe–Ito colours, safe for the common forms of colour blindness; series take them in order.
public let colorblindPalette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

/// Size, font and colours of a chart (of one panel, in a small-multiples grid).
public struct ChartStyle: Equatable {
    public var width: Double = 640
    public var height: Double = 420
    public var fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    public var fontSize: Double = 12
    public var palette: [String] = colorblindPalette
    public init() {}
    public init(width: Double, height: Double) { self.width = width; self.height = height }

    /// Colour of series i (wraps around the palette).
    public func color(_ i: Int) -> String { palette.isEmpty ? "#000000" : palette[i % palette.count] }
}

/// Escapes text for SVG character data and attribute values.
func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            // XML 1.0 forbids C0 controls other than tab, LF, CR: replace them so the SVG stays well-formed.
            if let v = ch.unicodeScalars.first?.value, ch.unicodeScalars.count == 1, v < 0x20, v != 0x09, v != 0x0A, v != 0x0D {
                out += "\u{FFFD}"
            } else {
                out.append(ch)
            }
        }
    }
    return out
}

/// A coordinate in SVG output: two decimals at most, no locale, no trailing zeros.
func px(_ x: Double) -> String { formatTrimmed(x, maxDigits: 2) }

/// A rectangle in SVG user units.
struct Rect {
    var x, y, width, height: Double
    var right: Double { x + width }
    var bottom: Double { y + height }
}

/// Accumulates SVG elements as text. Element and attribute order is fixed, so the same calls
/// give the same bytes.
struct SVGWriter {
    var body = ""

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                       width: Double = 1, dash: String? = nil, opacity: Double? = nil) {
        body += "<line x1=\"\(px(x1))\" y1=\"\(px(y1))\" x2=\"\(px(x2))\" y2=\"\(px(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(px(width))\""
        if let d = dash { body += " stroke-dasharray=\"\(d)\"" }
        if let o = opacity { body += " stroke-opacity=\"\(px(o))\"" }
        body += "/>\n"
    }

    mutating func rect(_ r: Rect, fill: String, fillOpacity: Double? = nil, stroke: String? = nil,
                       strokeWidth: Double = 1, strokeOpacity: Double? = nil) {
        body += "<rect x=\"\(px(r.x))\" y=\"\(px(r.y))\" width=\"\(px(max(0, r.width)))\" height=\"\(px(max(0, r.height)))\" fill=\"\(fill)\""
        if let o = fillOpacity { body += " fill-opacity=\"\(px(o))\"" }
        if let s = stroke {
            body += " stroke=\"\(s)\" stroke-width=\"\(px(strokeWidth))\""
            if let o = strokeOpacity { body += " stroke-opacity=\"\(px(o))\"" }
        }
        body += "/>\n"
    }

    mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, opacity: Double? = nil) {
        body += "<circle cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"\(px(r))\" fill=\"\(fill)\""
        if let o = opacity { body += " fill-opacity=\"\(px(o))\"" }
        body += "/>\n"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5) {
        let pts = points.map { "\(px($0.0)),\(px($0.1))" }.joined(separator: " ")
        body += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(px(width))\"/>\n"
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ s: String, _ x: Double, _ y: Double, anchor: Anchor = .start, size: Double? = nil,
                       bold: Bool = false, rotate: Double? = nil, fill: String = "#222222") {
        body += "<text x=\"\(px(x))\" y=\"\(px(y))\" text-anchor=\"\(anchor.rawValue)\""
        if let sz = size { body += " font-size=\"\(px(sz))\"" }
        if bold { body += " font-weight=\"bold\"" }
        if let a = rotate { body += " transform=\"rotate(\(px(a)) \(px(x)) \(px(y)))\"" }
        body += " fill=\"\(fill)\">\(xmlEscape(s))</text>\n"
    }

    mutating func openGroup(_ comment: String) { body += "<g><!-- \(xmlEscape(comment).replacingOccurrences(of: "--", with: "- -")) -->\n" }
    mutating func closeGroup() { body += "</g>\n" }

    /// A complete SVG document of the given size around `body`.
    static func document(width: Double, height: Double, style: ChartStyle, body: String) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(px(width))\" height=\"\(px(height))\" viewBox=\"0 0 \(px(width)) \(px(height))\""
        s += " font-family=\"\(xmlEscape(style.fontFamily))\" font-size=\"\(px(style.fontSize))\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"#ffffff\"/>\n"
        s += body
        s += "</svg>\n"
        return s
    }
}

/// Rough width of a text in SVG units (no font metrics available: 0.6 em per character is
/// close for sans-serif digits and lower case). Used to size legends and avoid label overlap.
func estimatedTextWidth(_ s: String, fontSize: Double) -> Double { Double(s.count) * fontSize * 0.6 }

/// The font size at which `s` fits in `maxWidth` (by `estimatedTextWidth`): `fontSize`, or
/// smaller for a text that would overflow (a panel title is one line; shrinking keeps it whole).
func fittingFontSize(_ s: String, maxWidth: Double, fontSize: Double) -> Double {
    let w = estimatedTextWidth(s, fontSize: fontSize)
    return w <= maxWidth ? fontSize : fontSize * maxWidth / w
}

/// `s` broken at spaces into lines no wider than `maxWidth` (by `estimatedTextWidth`); a single
/// word wider than that stays on its own line.
func wrappedLines(_ s: String, maxWidth: Double, fontSize: Double) -> [String] {
    var lines: [String] = [], line = ""
    for word in s.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
        let candidate = line.isEmpty ? word : line + " " + word
        if !line.isEmpty && estimatedTextWidth(candidate, fontSize: fontSize) > maxWidth {
            lines.append(line); line = word
        } else {
            line = candidate
        }
    }
    lines.append(line)
    return lines
}
