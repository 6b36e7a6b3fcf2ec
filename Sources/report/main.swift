import ArgumentParser
import Foundation
import StageKit

/// `report`: every table and figure of both papers as CSV and SVG under `results/<paper>/`, from
/// whatever evaluation artifacts exist, plus the diff against the published numbers and the
/// verdict on each claim of the papers.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the papers' tables and figures (CSV + SVG) and the diff against the published numbers.",
        discussion: """
        Gathers the /summary group of every HDF5 artifact under --artifacts (written by `evaluate`), \
        maps our model and dataset labels to the paper's (data/published/mapping.csv) and writes, per paper:
          results/paperX/tableN.csv        our numbers (our labels and the paper's)
          results/paperX/diff_tableN.csv   ours, published, delta, within-SD per matched cell
          results/paperX/missing.csv       published cells we have no number for yet, and our extras
          results/paperX/claims.csv        each claim of the paper: held / not held / not evaluable
          results/paperX/*.svg, *.csv      figures and their data
        Cells without results are reported as missing, never invented.
        """)

    @Option(help: "Folder scanned (recursively) for evaluation artifacts.")
    var artifacts = "results/artifacts"
    @Option(help: "Folder with paperA.csv, paperB.csv, claims*.csv and mapping.csv.")
    var published = "data/published"
    @Option(help: "Output folder; each paper gets a subfolder.")
    var output = "results"
    @Option(help: "Paper B's experiment file: which of our models plays which paper column.")
    var experiment = "pipeline/paperB.yaml"

    func run() throws {
        let builder = try ReportBuilder(artifactsDir: artifacts, publishedDir: published, outputDir: output, experimentB: experiment)
        try builder.run()
    }
}

runStage(Report.self)
