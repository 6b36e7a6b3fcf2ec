import Metrics
import StageKit

/// A per-context metric aggregated the way paper B reports its tables: the mean over contexts for
/// each seed, then mean ± population SD (ddof 0) of those per-seed means over the seeds.
///
/// The 95% CI is a percentile bootstrap over contexts of the per-context average over seeds. With
/// no missing values the mean over contexts of those averages equals the mean of the per-seed
/// means, so the interval is centred on the reported value and reflects the sampling of contexts.
struct SeedSummary {
    /// Mean over contexts, one per seed.
    var perSeed: [Double]
    var mean: Double
    /// Population SD over seeds; nil with one seed.
    var sd: Double?
    var ciLower: Double?
    var ciUpper: Double?
    /// Contexts with a finite value in every seed (what the CI resamples).
    var n: Int

    /// `values[s][i]` = metric of context i under seed s. NaN marks a context where the metric is
    /// undefined (e.g. the entropy of a context where the model produced no word); such contexts
    /// are left out of that seed's mean and out of the bootstrap. Throws if a seed has no finite
    /// value. `bootstrap` = 0 skips the CI.
    init(_ values: [[Double]], bootstrap: Int, bootstrapSeed: UInt32, what: String) throws {
        precondition(!values.isEmpty && values.allSatisfy { $0.count == values[0].count })
        perSeed = try values.enumerated().map { s, v in
            let finite = v.filter { !$0.isNaN }
            guard !finite.isEmpty else { throw StageError.input(what, "no context has a value for seed index \(s)") }
            return try Metrics.mean(finite)
        }
        mean = try Metrics.mean(perSeed)
        sd = perSeed.count > 1 ? try populationSD(perSeed) : nil
        var avg: [Double] = []
        for i in 0..<values[0].count {
            var s = 0.0, ok = true
            for v in values { if v[i].isNaN { ok = false; break }; s += v[i] }
            if ok { avg.append(s / Double(values.count)) }
        }
        n = avg.count
        if bootstrap > 0 && !avg.isEmpty {
            let ci = try bootstrapMeanCI(avg, resamples: bootstrap, seed: bootstrapSeed)
            ciLower = ci.lower; ciUpper = ci.upper
        }
    }

    /// The summary row of this metric for one table cell.
    func row(table: String, row: String, column: String) -> SummaryRow {
        SummaryRow(paper: "B", table: table, row: row, column: column, value: mean, sd: sd,
                   ciLower: ciLower, ciUpper: ciUpper, n: n)
    }
}

/// Formats "0.1234 ± 0.0012" (or just the mean with one seed) for the console line.
func formatMeanSD(_ s: SeedSummary) -> String {
    String(format: "%.4f", s.mean) + (s.sd.map { String(format: " ± %.4f", $0) } ?? "")
}
