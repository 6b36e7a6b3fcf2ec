import Foundation
import Plots
import StageKit

/// Writes one paper's figures: each as `<id>.svg` with its data as `<id>.csv`, and `figures.csv`
/// listing every figure as `written` (all expected inputs found), `partial` (drawn from the inputs
/// found; `missing` says which are absent) or `pending` (no input yet: nothing is drawn, and a
/// stale SVG/CSV of an earlier run is removed).
struct FigureOutput {
    let outputDir: String

    /// Status of one figure, a row of figures.csv.
    struct Status {
        var figure: String
        var status: String
        var files: [String]
        var missing: [String]
        var inputs: [String]
    }

    func emit(_ id: String, title: String?, charts: [Chart], columns: Int, data: CSVTable, missing: [String],
              inputs: Set<String>) throws -> Status {
        let svg = id + ".svg", csv = id + ".csv"
        guard !charts.isEmpty else {
            for f in [svg, csv] { try? FileManager.default.removeItem(atPath: outputDir + "/" + f) }
            return Status(figure: id, status: "pending", files: [], missing: missing.isEmpty ? ["inputs"] : missing, inputs: [])
        }
        let text = charts.count == 1 && title == nil ? try renderSVG(charts[0])
            : try renderSmallMultiples(charts, columns: columns, title: title)
        try writeTextFileAtomically(text, to: outputDir + "/" + svg)
        try writeTextFileAtomically(data.render(), to: outputDir + "/" + csv)
        return Status(figure: id, status: missing.isEmpty ? "written" : "partial", files: [svg, csv], missing: missing,
                      inputs: inputs.sorted())
    }

    /// figures.csv, and a one-line summary on stdout.
    func writeIndex(_ status: [Status], paper: String) throws {
        var t = CSVTable(header: ["figure", "status", "files", "missing", "inputs"])
        for s in status {
            try t.append([s.figure, s.status, s.files.joined(separator: " "), s.missing.joined(separator: "; "),
                          s.inputs.joined(separator: " ")])
        }
        try writeTextFileAtomically(t.render(), to: outputDir + "/figures.csv")
        let counts = ["written", "partial", "pending"].map { k in "\(status.filter { $0.status == k }.count) \(k)" }
        print("paper \(paper) figures: \(counts.joined(separator: ", ")) (see \(outputDir)/figures.csv)")
    }
}
