import Artifacts
import Foundation
import Plots
import StageKit

/// Assembles the report: gathers numbers, writes tables, diffs, claims and figures.
struct ReportBuilder {
    let artifactsDir: String
    let publishedDir: String
    let outputDir: String
    let published: PublishedTable
    let mapping: LabelMapping
    let claims: ClaimSet
    /// Paper B's experiment file: our models in the paper's columns (figures, and the paper B rows
    /// of the label mapping).
    let experimentB: PaperBExperiment
    /// Every evaluation artifact found, path-sorted, with its summary rows.
    let evaluations: [(path: String, rows: [SummaryRow])]

    init(artifactsDir: String, publishedDir: String, outputDir: String, experimentB: String) throws {
        self.artifactsDir = artifactsDir
        self.publishedDir = publishedDir
        self.outputDir = outputDir
        published = try PublishedTable.loadDirectory(publishedDir)
        self.experimentB = try PaperBExperiment.load(experimentB).value
        // Paper B's model labels come from the experiment file, so swapping a model there is the
        // only edit; mapping.csv holds the rest (paper A, datasets). A clash is an error.
        let fromCSV = try LabelMapping.load(path: publishedDir + "/mapping.csv")
        let models = self.experimentB.models
        mapping = try LabelMapping(entries: fromCSV.entries + [models.base, models.instruct].map {
            LabelMapping.Entry(paper: "B", table: "*", ours: $0.label, published: $0.paperColumn)
        }, context: "\(publishedDir)/mapping.csv + \(experimentB)")
        claims = try ClaimSet.loadDirectory(publishedDir)
        var found: [(String, [SummaryRow])] = []
        for path in ReportBuilder.artifactFiles(under: artifactsDir) {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            let rows = try SummaryTable.read(from: r)
            if !rows.isEmpty { found.append((path, rows)) }
        }
        evaluations = found
    }

    /// `*.h5` files under `dir`, sorted, skipping temp files of writes in progress.
    static func artifactFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if rel.hasSuffix(".h5") && !name.hasPrefix(".") { out.append(dir + "/" + rel) }
        }
        return out.sorted()
    }

    func run() throws {
        var ours: [NumberCell] = []
        var source: [CellKey: String] = [:]
        for (path, rows) in evaluations {
            for r in rows {
                let cell = NumberCell(paper: r.paper, table: r.table, row: r.row, column: r.column, value: r.value, sd: r.sd,
                                      note: ciNote(r))
                if let prev = source[cell.key] {
                    throw StageError.input(path, "table cell \(cell.key) is also produced by \(prev)")
                }
                source[cell.key] = path
                ours.append(cell)
            }
        }
        for paper in ["A", "B"] {
            let dir = outputDir + "/paper" + paper
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let mine = ours.filter { $0.key.paper == paper }
            let pub = try PublishedTable(cells: published.cells.filter { $0.key.paper == paper })
            let diff = try diffAgainstPublished(ours: mine, published: pub, mapping: mapping)
            let tables = Set(pub.cells.map(\.key.table)).union(mine.map(\.key.table)).sorted()
            for t in tables {
                let cells = mine.filter { $0.key.table == t }
                if !cells.isEmpty { try writeTable(cells, to: "\(dir)/table\(t).csv") }
                let rows = diff.rows.filter { $0.key.table == t }
                if !rows.isEmpty {
                    try writeTextFileAtomically(PublishedDiff(rows: rows, missingOurs: [], missingPublished: []).csv().render(),
                                                to: "\(dir)/diff_table\(t).csv")
                }
            }
            try writeTextFileAtomically(diff.missingCSV().render(), to: "\(dir)/missing.csv")
            let mapped = try PublishedTable(cells: mine.map { mapping.apply($0) })
            let results = try ClaimSet(claims: claims.claims.filter { $0.paper == paper }).evaluate(on: mapped)
            try writeTextFileAtomically(ClaimSet.resultsCSV(results).render(), to: "\(dir)/claims.csv")
            let held = results.filter { $0.outcome == .held }.count
            let notHeld = results.filter { $0.outcome == .notHeld }.count
            print("paper \(paper): \(mine.count) numbers, \(diff.rows.count) of \(pub.cells.count) published cells matched, "
                  + "claims held \(held), not held \(notHeld), not evaluable \(results.count - held - notHeld)")
        }
        var rolesA: [String: String] = [:]
        for e in mapping.entries where e.paper == "A" && e.table == "*" { rolesA[e.ours] = e.published }
        try PaperAFigures(artifacts: ReportBuilder.artifactFiles(under: artifactsDir), outputDir: outputDir + "/paperA", roles: rolesA).write()
        try PaperBFigures(artifacts: evaluations.map(\.path), artifactsDir: artifactsDir, outputDir: outputDir + "/paperB", experiment: experimentB).write()
        try WallTime.write(artifactsDir: artifactsDir, to: outputDir + "/paperA/wall_time.csv", paper: "A")
        try WallTime.write(artifactsDir: artifactsDir, to: outputDir + "/paperB/wall_time.csv", paper: "B")
        try ArtifactProvenanceTable.write(artifactsDir: artifactsDir, outputDir: outputDir)
    }

    /// Our numbers of one table, with the paper's labels beside ours.
    func writeTable(_ cells: [NumberCell], to path: String) throws {
        var t = CSVTable(header: ["paper", "table", "row", "column", "paper_row", "paper_column", "value", "sd", "note"])
        for c in cells {
            let m = mapping.apply(c.key)
            try t.append([c.key.paper, c.key.table, c.key.row, c.key.column, m.row, m.column,
                          formatFixed(c.value, digits: 4), c.sd.map { formatFixed($0, digits: 4) } ?? "", c.note])
        }
        try writeTextFileAtomically(t.render(), to: path)
    }

    func ciNote(_ r: SummaryRow) -> String {
        var parts = ["n=\(r.n)"]
        if let lo = r.ciLower, let hi = r.ciUpper {
            parts.append("95% CI [\(formatFixed(lo, digits: 4)), \(formatFixed(hi, digits: 4))]")
        }
        return parts.joined(separator: "; ")
    }
}

