import ArgumentParser
import Metrics
import StageKit

/// What paper A's scoring commands (`evaluate labels`, `probe`, `supervised`) share: the dataset
/// column, the probability clip, the bootstrap, the output; and how a per-item metric becomes a
/// table cell.
struct PaperAScoringOptions: ParsableArguments {
    @Option(help: "Dataset column label (default: the paper's name of the dataset).") var dataset: String?
    @Option(help: "ε: every method's probabilities are clipped to [ε, 1 − ε] before the NLL (evaluate labels: also the hard predictions' and max-over-generations' floor).")
    var epsilon = 1e-8
    @Option(help: "Bootstrap resamples for the 95% CIs (0: none).") var bootstrap = 1000
    @Option(help: "Seed of the bootstrap.") var seed = 42
    @Option(help: "Output HDF5 artifact.") var output: String

    func validate() throws {
        guard epsilon > 0 && epsilon < 0.5 else { throw ValidationError("--epsilon must be in (0, 0.5)") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be >= 0") }
    }

    /// The dataset's column label: --dataset, else the paper's name of our dataset.
    func column(for datasetName: String) -> String { dataset ?? Labels.datasetNames[datasetName] ?? datasetName }

    /// A table cell A/<table>/<row>/<column>: the mean of `values` over items, with its bootstrap CI.
    func meanRow(table: String, row: String, column: String, _ values: [Double]) throws -> SummaryRow {
        let ci = bootstrap > 0 ? try bootstrapMeanCI(values, resamples: bootstrap, seed: UInt32(truncatingIfNeeded: seed)) : nil
        return SummaryRow(paper: "A", table: table, row: row, column: column, value: values.reduce(0, +) / Double(values.count),
                          ciLower: ci?.lower, ciUpper: ci?.upper, n: values.count)
    }
}
