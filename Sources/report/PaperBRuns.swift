import Artifacts
import Foundation

/// The per-context results of paper B's evaluation artifacts, as the figures need them.
/// Matrices are indexed [seed][context].

/// `evaluate oracle`: split-half human TVD per seed and context.
struct PaperBOracleRun {
    var path: String
    var seeds: [Int]
    var textID: [Int32]
    var wordNumber: [Int32]
    var tvd: [[Double]]
}

/// `evaluate tvd`: one model and variant over its seeds.
struct PaperBTVDRun {
    var path: String
    /// Our model label (the table column).
    var model: String
    /// Paper B table row ("Base", "FT (Mul. labels)", or "FT (4 labels)" for an ablation run).
    var row: String
    /// Fig. 9 ablation label count ("1", ..., "all"), "" for a plain table run.
    var labelsPerContext: String
    var meanTrainAnswers: Double
    var seeds: [Int]
    var textID: [Int32]
    var wordNumber: [Int32]
    var tvd: [[Double]]
    var oracleTVD: [[Double]]
    var tvdMinusOracle: [[Double]]
    var entropy: [[Double]]
    var coverage: [[Double]]
    var crossEntropy: [[Double]]
    var nValid: [[Int32]]
    /// TVD − TVD(Base) when the run was evaluated with a baseline.
    var delta: [[Double]]?
    var meanTVDPerSeed: [Double]

    /// A table run (not an ablation-only fine-tune): these make figs. 1-8.
    var isTableRun: Bool { labelsPerContext.isEmpty || labelsPerContext == "all" }

    /// The variant as `tvd_per_context.csv` names it. An ablation run's samples carry its
    /// target's row ("FT (Mul. labels)") and its seed is a table seed, so without its label
    /// count its rows would read as the table run's: "FT (Mul. labels) N=4".
    var perContextVariant: String { isTableRun ? row : "\(row) N=\(labelsPerContext)" }
}

/// `evaluate qa`: hit rate per seed and question.
struct PaperBQARun {
    var path: String
    var model: String
    var row: String
    /// "cloze" (Table 3, figs. 10/12) or "question" (fig. 11).
    var format: String
    var seeds: [Int]
    var hitRate: [[Double]]

    /// Per-question hit rate averaged over seeds (what figs. 10-12 plot).
    var meanOverSeeds: [Double] {
        (0..<hitRate[0].count).map { i in hitRate.map { $0[i] }.reduce(0, +) / Double(hitRate.count) }
    }
}

/// Everything paper B's figures can be drawn from.
struct PaperBRuns {
    var oracles: [PaperBOracleRun] = []
    var tvd: [PaperBTVDRun] = []
    var qa: [PaperBQARun] = []

    /// Reads the paper B artifacts among `paths` (others are ignored); errors name the file and dataset.
    init(paths: [String]) throws {
        for path in paths {
            let r = try ArtifactReader(path: path)
            defer { r.close() }
            guard r.hasAttribute("evaluation") else { continue }
            switch try r.stringAttribute("evaluation") {
            case "oracle": oracles.append(try PaperBRuns.readOracle(r))
            case "tvd": tvd.append(try PaperBRuns.readTVD(r))
            case "qa": qa.append(try PaperBRuns.readQA(r))
            default: continue
            }
        }
    }

    /// Rows of a [S, N] dataset.
    static func matrix(_ r: ArtifactReader, _ name: String, seeds: Int, n: Int) throws -> [[Double]] {
        let v = try r.read(Double.self, name, shape: [seeds, n]).values
        return (0..<seeds).map { Array(v[($0 * n)..<(($0 + 1) * n)]) }
    }

    static func readOracle(_ r: ArtifactReader) throws -> PaperBOracleRun {
        let seeds = try r.read(Int64.self, "seeds").values.map { Int($0) }
        let tid = try r.read(Int32.self, "contexts/text_id").values
        let wn = try r.read(Int32.self, "contexts/word_number", shape: [tid.count]).values
        return PaperBOracleRun(path: r.path, seeds: seeds, textID: tid, wordNumber: wn,
                               tvd: try matrix(r, "oracle_tvd", seeds: seeds.count, n: tid.count))
    }

    static func readTVD(_ r: ArtifactReader) throws -> PaperBTVDRun {
        let seeds = try r.read(Int64.self, "seeds").values.map { Int($0) }
        let tid = try r.read(Int32.self, "contexts/text_id").values
        let n = tid.count, s = seeds.count
        func m(_ name: String) throws -> [[Double]] { try matrix(r, "per_context/" + name, seeds: s, n: n) }
        let nv = try r.read(Int32.self, "per_context/n_valid", shape: [s, n]).values
        return PaperBTVDRun(
            path: r.path, model: try r.stringAttribute("column"), row: try r.stringAttribute("row"),
            labelsPerContext: try r.stringAttribute("labels_per_context"),
            meanTrainAnswers: try r.doubleAttribute("mean_train_answers_per_context"), seeds: seeds, textID: tid,
            wordNumber: try r.read(Int32.self, "contexts/word_number", shape: [n]).values,
            tvd: try m("tvd"), oracleTVD: try m("oracle_tvd"), tvdMinusOracle: try m("tvd_minus_oracle"),
            entropy: try m("entropy"), coverage: try m("coverage"), crossEntropy: try m("human_cross_entropy"),
            nValid: (0..<s).map { Array(nv[($0 * n)..<(($0 + 1) * n)]) },
            delta: r.contains("per_context/delta_tvd") ? try m("delta_tvd") : nil,
            meanTVDPerSeed: try r.read(Double.self, "per_seed/mean_tvd", shape: [s]).values)
    }

    static func readQA(_ r: ArtifactReader) throws -> PaperBQARun {
        let seeds = try r.read(Int64.self, "seeds").values.map { Int($0) }
        let n = try r.read(Int32.self, "contexts/text_id").values.count
        return PaperBQARun(path: r.path, model: try r.stringAttribute("column"), row: try r.stringAttribute("row"),
                           format: try r.stringAttribute("format"), seeds: seeds,
                           hitRate: try matrix(r, "per_context/hit_rate", seeds: seeds.count, n: n))
    }

    /// The table run of (model, row), if any.
    func run(_ model: String, _ row: String) -> PaperBTVDRun? {
        tvd.first { $0.isTableRun && $0.model == model && $0.row == row }
    }

    func qaRun(_ model: String, _ row: String, format: String) -> PaperBQARun? {
        qa.first { $0.model == model && $0.row == row && $0.format == format }
    }
}
