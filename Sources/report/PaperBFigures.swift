import Artifacts
import Foundation
import Plots
import StageKit

/// Paper B's figures from the evaluation artifacts that exist so far. Each figure is written as
/// SVG with its data as CSV beside it; a figure whose inputs do not exist yet is listed as pending.
struct PaperBFigures {
    let artifacts: [String]
    let outputDir: String

    /// Per-context TVD series found in the artifacts: name, seed, values.
    struct Series { var name: String; var seed: Int64; var textID: [Int32]; var wordNumber: [Int32]; var tvd: [Double] }

    func write() throws {
        var series: [Series] = []
        for path in artifacts {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard r.hasAttribute("evaluation"), try r.stringAttribute("evaluation") == "oracle" else { continue }
            let seeds = try r.read(Int64.self, "seeds").values
            let tid = try r.read(Int32.self, "contexts/text_id").values
            let wn = try r.read(Int32.self, "contexts/word_number", shape: [tid.count]).values
            let tvd = try r.read(Double.self, "oracle_tvd", shape: [seeds.count, tid.count]).values
            for (i, s) in seeds.enumerated() {
                series.append(Series(name: "Oracle", seed: s, textID: tid, wordNumber: wn,
                                     tvd: Array(tvd[(i * tid.count)..<((i + 1) * tid.count)])))
            }
        }
        guard !series.isEmpty else {
            print("paper B figures: no per-context TVD artifacts yet (run `make paperB`)")
            return
        }
        var data = CSVTable(header: ["series", "seed", "text_id", "word_number", "tvd"])
        for s in series {
            for i in s.tvd.indices {
                try data.append([s.name, "\(s.seed)", "\(s.textID[i])", "\(s.wordNumber[i])", formatFixed(s.tvd[i], digits: 6)])
            }
        }
        try writeTextFileAtomically(data.render(), to: outputDir + "/fig1_tvd_per_context.csv")
        // Figure 1: TVD histograms of every series for the first seed (paper: seed 42);
        // figure 2: the same for the other seeds, one panel per seed.
        let seeds = Array(Set(series.map(\.seed))).sorted()
        func chart(seed: Int64) -> Chart {
            .histogram(HistogramChart(title: "TVD across test contexts (seed \(seed))", xLabel: "TVD(human, model)",
                                      series: series.filter { $0.seed == seed }.map { HistogramSeries(name: $0.name, values: $0.tvd) },
                                      bins: 20, lower: 0, upper: 1))
        }
        try writeTextFileAtomically(try renderSVG(chart(seed: seeds[0])), to: outputDir + "/fig1_tvd_hist.svg")
        if seeds.count > 1 {
            try writeTextFileAtomically(try renderSmallMultiples(seeds.dropFirst().map { chart(seed: $0) }, columns: 2,
                                                                 title: "TVD across test contexts, other seeds"),
                                        to: outputDir + "/fig2_tvd_hist_seeds.svg")
        }
        print("paper B figures: fig1, fig2 from \(series.count) per-context TVD series")
    }
}
