import TestSupport
import Artifacts
import Foundation
import Plots
import StageKit
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `report` draws paper B's figures from a synthetic set of evaluate artifacts, and marks the ones
/// without inputs as pending.
final class ReportPaperBTests: XCTestCase {
    let words = [["the", "mr", "", "dog"], ["dog", "dog", "true", "cat"], ["cat", "a", "b", "cat"]]
    let words2 = [["a", "a", "the", "a"], ["dog", "dog", "dog", "true"], ["cat", "cat", "x", "cat"]]
    let logq: [[Double]] = [[-0.7, -2.3, -1.6], [-1.2, -3], [-0.9, -4.6]]

    func csvRows(_ path: String) throws -> [[String]] {
        // The figure CSVs here have no quoted commas except in model/series names, which we avoid.
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func assertWellFormedXML(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertTrue(parser.parse(), "\(path): \(parser.parserError.map { "\($0)" } ?? "parse failed")", file: file, line: line)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("<svg"), path, file: file, line: line)
    }

    /// Figure statuses from figures.csv: figure → (status, missing).
    func statuses(_ dir: String) throws -> [String: (String, String)] {
        var out: [String: (String, String)] = [:]
        let text = try String(contentsOfFile: dir + "/figures.csv", encoding: .utf8)
        // Fields may be quoted (missing lists contain commas in row names such as "FT (Orig. corpus)"
        // only inside parentheses, never commas); status is the second field.
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            out[f[0]] = (f[1], f.count > 2 ? f[2] : "")
        }
        return out
    }

    func testFiguresFromSyntheticArtifacts() throws {
        let dir = try Stages.tempDir()
        let splits = try EvalFixture.writeSplits(in: dir)
        let eval = dir + "/artifacts/eval"
        try FileManager.default.createDirectory(atPath: eval, withIntermediateDirectories: true)
        let oracle = try EvalFixture.writeOracle(splits: splits, in: eval, seeds: [42, 123])
        func samples(_ name: String, _ variant: String, _ seed: Int, _ w: [[String]]) throws -> String {
            try EvalFixture.writeSamples(in: dir, name: name, variant: variant, seed: seed, words: w, logq: logq)
        }
        let b42 = try samples("b42.h5", "base", 42, words), b123 = try samples("b123.h5", "base", 123, words2)
        let m42 = try samples("m42.h5", "ft-mul", 42, words2), m123 = try samples("m123.h5", "ft-mul", 123, words)
        func tvd(_ out: String, _ s: [String], _ extra: [String] = []) throws {
            let r = try Stages.run("evaluate", ["tvd", "--splits", splits, "--oracle", oracle, "--output", eval + "/" + out,
                                                "--bootstrap", "50", "--samples"] + s + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try tvd("base.h5", [b42, b123])
        try tvd("mul.h5", [m42, m123], ["--baseline", b42, b123])
        // As the Makefile evaluates an ablation run: its samples' row, and the label count.
        try tvd("n4.h5", [m42, m123], ["--row", "FT (Mul. labels)", "--labels-per-context", "4"])
        let qaWords = [["germany", "x", "", ""], ["mitochondrion", "a", "b", "c"], ["us", "us", "us", "x"]]
        for (variant, name) in [("base", "qa_base.h5"), ("ft-mul", "qa_mul.h5")] {
            let s = try EvaluateQATests.writeQA(in: dir, name: name, variant: variant, seed: 42, words: qaWords)
            let r = try Stages.run("evaluate", ["qa", "--samples", s, "--output", eval + "/" + name])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let out = dir + "/results"
        // A stale figure of an earlier run must disappear when its inputs are gone.
        try FileManager.default.createDirectory(atPath: out + "/paperB", withIntermediateDirectories: true)
        try "<svg/>".write(toFile: out + "/paperB/fig8_delta_tvd_maj.svg", atomically: true, encoding: .utf8)
        let r = try Stages.run("report", ["--artifacts", dir + "/artifacts", "--output", out,
                                          "--published", TestPaths.packageRoot.path + "/data/published",
                                          "--experiment", TestPaths.packageRoot.path + "/pipeline/paperB.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let b = out + "/paperB"
        let st = try statuses(b)
        for fig in ["fig1_tvd_hist", "fig2_tvd_hist_seeds", "fig3_tvd_minus_oracle", "fig4_delta_tvd_mul",
                    "fig5_delta_tvd_mul_improved", "fig6_entropy", "fig7_unique_word_coverage", "fig9_labels_ablation",
                    "fig10_hit_rate", "fig12_hit_rate_orig"] {
            XCTAssertEqual(st[fig]?.0, "partial", "\(fig): \(String(describing: st[fig]))")
            try assertWellFormedXML("\(b)/\(fig).svg")
            let rows = try csvRows("\(b)/\(fig).csv")
            XCTAssertGreaterThan(rows.count, 1, fig)
            XCTAssertTrue(rows.dropFirst().allSatisfy { $0.count == rows[0].count }, fig)
        }
        XCTAssertTrue(st["fig1_tvd_hist"]!.1.contains("SmolLM2-135M-Instruct/1-Shot"), st["fig1_tvd_hist"]!.1)
        XCTAssertTrue(st["fig9_labels_ablation"]!.1.contains("Gemma-3-270M/16 labels"))
        for fig in ["fig8_delta_tvd_maj", "fig11_hit_rate_question"] {
            XCTAssertEqual(st[fig]?.0, "pending", fig)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(b)/\(fig).svg"), fig)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(b)/\(fig).csv"), fig)
        }
        XCTAssertEqual(st["tvd_per_context"]?.0, "written")

        // Fig. 1 data: seed 42 only, Base + FT (Mul. labels) + Oracle, the artifact's values.
        let fig1 = try csvRows(b + "/fig1_tvd_hist.csv")
        XCTAssertEqual(fig1[0], ["model", "series", "seed", "text_id", "word_number", "tvd"])
        XCTAssertEqual(fig1.count, 1 + 9)
        XCTAssertEqual(Set(fig1.dropFirst().map { $0[2] }), ["42"])
        let baseTVD = try EvalFixture.matrix(eval + "/base.h5", "per_context/tvd")[0]
        XCTAssertEqual(fig1.dropFirst().filter { $0[1] == "Base" }.map { Double($0[5])! }, baseTVD.map { ($0 * 1e6).rounded() / 1e6 })
        let oracleTVD = try EvalFixture.matrix(oracle, "oracle_tvd")[0]
        XCTAssertEqual(fig1.dropFirst().filter { $0[1] == "Oracle" }.map { Double($0[5])! }, oracleTVD.map { ($0 * 1e6).rounded() / 1e6 })
        // Fig. 4 data: delta vs oracle, both seeds; fig. 5 keeps only negative deltas.
        let fig4 = try csvRows(b + "/fig4_delta_tvd_mul.csv"), fig5 = try csvRows(b + "/fig5_delta_tvd_mul_improved.csv")
        XCTAssertEqual(fig4.count, 1 + 6)
        XCTAssertEqual(fig5.count - 1, fig4.dropFirst().filter { Double($0[5])! < 0 }.count)
        // Fig. 9: one point (N = 4) at x = 4 with the run's mean TVD.
        let fig9 = try csvRows(b + "/fig9_labels_ablation.csv")
        XCTAssertEqual(fig9.count, 2)
        XCTAssertEqual(fig9[1][1], "4")
        let perSeed = try ArtifactReader(path: eval + "/n4.h5").read(Double.self, "per_seed/mean_tvd").values
        XCTAssertEqual(Double(fig9[1][3])!, (perSeed[0] + perSeed[1]) / 2, accuracy: 1e-6)

        // tvd_per_context.csv: 3 runs × 2 seeds × 3 contexts.
        let ctx = try csvRows(b + "/tvd_per_context.csv")
        XCTAssertEqual(ctx[0], ["model", "variant", "seed", "text_id", "word_number", "n_samples", "tvd", "oracle_tvd", "entropy",
                                "human_cross_entropy"])
        XCTAssertEqual(ctx.count, 1 + 18)
        // One row per (model, variant, seed, context): the ablation run (same samples, same seeds
        // as mul.h5) is told apart by its label count.
        XCTAssertEqual(Set(ctx.dropFirst().map { $0[0...4].joined(separator: "|") }).count, 18)
        XCTAssertEqual(ctx.dropFirst().filter { $0[1] == "FT (Mul. labels) N=4" }.count, 6)
        XCTAssertEqual(ctx.dropFirst().filter { $0[1] == "FT (Mul. labels)" }.count, 6)
        // Table 1 / 3 and figure cells reached the report's tables.
        let table1 = try String(contentsOfFile: b + "/table1.csv", encoding: .utf8)
        XCTAssertTrue(table1.contains("FT (Mul. labels),Gemma-3-270M"), table1)
        XCTAssertTrue(try String(contentsOfFile: b + "/table3.csv", encoding: .utf8).contains("Base,Gemma-3-270M"))
        // Our extra table: the human answers' cross-entropy per row, beside Table 1.
        XCTAssertTrue(try String(contentsOfFile: b + "/tableCE.csv", encoding: .utf8).contains("B,CE,FT (Mul. labels),Gemma-3-270M,"))
    }

    func testWithoutModelRunsEveryFigureIsPending() throws {
        let dir = try Stages.tempDir()
        let splits = try EvalFixture.writeSplits(in: dir)
        let eval = dir + "/artifacts"
        try FileManager.default.createDirectory(atPath: eval, withIntermediateDirectories: true)
        _ = try EvalFixture.writeOracle(splits: splits, in: eval, seeds: [42])
        let out = dir + "/results"
        let r = try Stages.run("report", ["--artifacts", eval, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published",
                                          "--experiment", TestPaths.packageRoot.path + "/pipeline/paperB.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let st = try statuses(out + "/paperB")
        XCTAssertEqual(st.count, 14)
        for (fig, s) in st {
            XCTAssertEqual(s.0, "pending", fig)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/paperB/\(fig).svg"), fig)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/paperB/tvd_per_context.csv"))
    }

    /// A training log as `finetune run` writes it: `steps` losses over epochs, validation before
    /// and after each epoch.
    func writeTrainLog(_ path: String, target: String, stepsPerEpoch: Int, steps: [Double], validation: [Double]) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ArtifactWriter.write(to: path) { w in
            try w.setAttribute("target", .string(target))
            try w.setAttribute("steps_per_epoch", .int(stepsPerEpoch))
            try w.write(steps, shape: [steps.count], at: "step/loss")
            try w.write(validation, shape: [validation.count], at: "epoch/val_loss")
        }
    }

    /// training_curves: per configuration, validation loss per epoch and the mean step loss of each
    /// epoch, mean ± population SD over the seeds found; a log whose steps do not fill its epochs
    /// is an error naming the file.
    func testTrainingCurvesFromTrainLogs() throws {
        let dir = try Stages.tempDir()
        let art = dir + "/artifacts", ft = art + "/provo/finetune"
        try writeTrainLog(ft + "/gemma-full-maj/seed42/train_log.h5", target: "maj", stepsPerEpoch: 2,
                          steps: [4, 2, 1, 1], validation: [3, 2, 2.5])
        try writeTrainLog(ft + "/gemma-full-maj/seed123/train_log.h5", target: "maj", stepsPerEpoch: 2,
                          steps: [6, 4, 3, 1], validation: [3, 1, 1.5])
        try writeTrainLog(ft + "/gemma-full-ablation-n4/seed123/train_log.h5", target: "mul", stepsPerEpoch: 1,
                          steps: [5], validation: [6, 4])
        // A seed the experiment does not name (run by hand) is drawn too; an unfinished run (no log) is not.
        try writeTrainLog(ft + "/gemma-full-ablation-n4/seed7/train_log.h5", target: "mul", stepsPerEpoch: 1,
                          steps: [4], validation: [6, 3])
        try FileManager.default.createDirectory(atPath: ft + "/gemma-full-ablation-n8/seed123/checkpoint", withIntermediateDirectories: true)
        let out = dir + "/results"
        func report() throws -> Stages.Result {
            try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published",
                                      "--experiment", TestPaths.packageRoot.path + "/pipeline/paperB.yaml"])
        }
        let r = try report()
        XCTAssertEqual(r.status, 0, r.stderr)
        let st = try statuses(out + "/paperB")
        XCTAssertEqual(st["training_curves"]?.0, "partial")
        XCTAssertTrue(st["training_curves"]!.1.contains("gemma-full-maj seed 456"), st["training_curves"]!.1)
        try assertWellFormedXML(out + "/paperB/training_curves.svg")
        let rows = try csvRows(out + "/paperB/training_curves.csv")
        XCTAssertEqual(rows[0], ["config", "panel", "seed", "target", "epoch", "split", "loss"])
        func loss(_ config: String, _ seed: String, _ epoch: String, _ split: String) -> Double? {
            rows.first { $0[0] == config && $0[2] == seed && $0[4] == epoch && $0[5] == split }.flatMap { Double($0[6]) }
        }
        XCTAssertEqual(loss("gemma-full-maj", "42", "1", "training"), 3)      // mean of 4, 2
        XCTAssertEqual(loss("gemma-full-maj", "123", "2", "training"), 2)     // mean of 3, 1
        XCTAssertEqual(loss("gemma-full-maj", "123", "2", "validation"), 1.5)
        XCTAssertEqual(loss("gemma-full-ablation-n4", "123", "0", "validation"), 6)
        XCTAssertEqual(loss("gemma-full-ablation-n4", "7", "1", "validation"), 3)
        XCTAssertEqual(rows.count, 1 + 2 * (3 + 2) + 2 * (2 + 1))
        XCTAssertTrue(st["training_curves"]!.1.contains("gemma-full-ablation-n8 seed 123"))
        // The SVG plots the mean over seeds: epoch 1 validation (2 + 1) / 2 = 1.5 with SD 0.5.
        let svg = try String(contentsOfFile: out + "/paperB/training_curves.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("mean ± SD over 2 seeds"), svg)

        try writeTrainLog(ft + "/gemma-full-mul/seed42/train_log.h5", target: "mul", stepsPerEpoch: 2, steps: [1, 2, 3], validation: [3, 2, 1])
        let bad = try report()
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("gemma-full-mul/seed42/train_log.h5") && bad.stderr.contains("3 step losses for 2 epochs"), bad.stderr)
    }

    /// The wall-time summary counts finished runs from the ledger and runs killed mid-way from
    /// their heartbeat rows (timings.tsv.partial/), as unfinished, not failed.
    func testWallTimeCountsInterruptedRunsFromHeartbeatRows() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let art = dir + "/artifacts", out = dir + "/results"
        try FileManager.default.createDirectory(atPath: art + "/timings.tsv.partial", withIntermediateDirectories: true)
        let ft = art + "/provo/finetune/a/seed42/model/finetuned.json", smp = art + "/provo/samples/m/base/seed42.h5"
        try """
            target\tstarted_utc\tseconds\texit_status\tcores
            \(ft)\t2026-11-26T10:00:00Z\t100.0\t0\t2
            \(smp)\t2026-11-26T10:00:00Z\t50.5\t1\t2
            \(art)/provo/samples/m/base/seed123.h5\t2026-11-26T11:00:00Z\t20.0\t0\t2
            \(art)/provo/finetune/gemma-full-ablation-n4/seed123/model/finetuned.json\t2026-11-26T11:00:00Z\t30.0\t0\t2
            \(art)/provo/eval/tvd/m/base.h5\t2026-11-26T12:00:00Z\t0.5\t0\t2
            \(art)/paperA/mfrc/labels/m-main_test.h5\t2026-11-26T12:00:00Z\t40.0\t0\t2
            \(art)/paperA/mfrc/breakdown/m-binary.h5\t2026-11-26T12:00:00Z\t60.0\t0\t2

            """.write(toFile: art + "/timings.tsv", atomically: true, encoding: .utf8)
        try "\(ft)\t2026-11-26T09:00:00Z\t600.0\tinterrupted\t2\n"
            .write(toFile: art + "/timings.tsv.partial/1.2.tsv", atomically: true, encoding: .utf8)
        let r = try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOfFile: out + "/paperB/wall_time.csv", encoding: .utf8)
        XCTAssertEqual(csv, """
            level,stage,target,invocations,failed,unfinished,seconds,hours
            stage,evaluate tvd,,1,0,0,0.5,0.000
            stage,finetune,,3,0,1,730.0,0.203
            stage,infer sample,,2,1,0,70.5,0.020
            total,,,6,1,1,801.0,0.223
            elapsed,,,6,1,1,730.5,0.203
            subset,make paperB-quick,,5,1,1,781.0,0.217
            target,evaluate tvd,provo/eval/tvd/m/base.h5,1,0,0,0.5,0.000
            target,finetune,provo/finetune/a/seed42/model/finetuned.json,2,0,1,700.0,0.194
            target,finetune,provo/finetune/gemma-full-ablation-n4/seed123/model/finetuned.json,1,0,0,30.0,0.008
            target,infer sample,provo/samples/m/base/seed123.h5,1,0,0,20.0,0.006
            target,infer sample,provo/samples/m/base/seed42.h5,1,1,0,50.5,0.014

            """)
        // Paper A's runs are counted in its own file, not in paper B's.
        XCTAssertEqual(try String(contentsOfFile: out + "/paperA/wall_time.csv", encoding: .utf8), """
            level,stage,target,invocations,failed,unfinished,seconds,hours
            stage,infer breakdown,,1,0,0,60.0,0.017
            stage,infer labels,,1,0,0,40.0,0.011
            total,,,2,0,0,100.0,0.028
            elapsed,,,2,0,0,60.0,0.017
            target,infer breakdown,paperA/mfrc/breakdown/m-binary.h5,1,0,0,60.0,0.017
            target,infer labels,paperA/mfrc/labels/m-main_test.h5,1,0,0,40.0,0.011

            """)

        // A malformed heartbeat row is an error naming its file.
        try "\(ft)\tnot-a-row\n".write(toFile: art + "/timings.tsv.partial/3.4.tsv", atomically: true, encoding: .utf8)
        let bad = try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("timings.tsv.partial/3.4.tsv"), bad.stderr)
        // So is a start time that is not one (the elapsed row needs every run's start).
        try "\(ft)\tyesterday\t5.0\tinterrupted\t2\n".write(toFile: art + "/timings.tsv.partial/3.4.tsv", atomically: true, encoding: .utf8)
        let badStart = try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published"])
        XCTAssertNotEqual(badStart.status, 0)
        XCTAssertTrue(badStart.stderr.contains("timings.tsv.partial/3.4.tsv:1") && badStart.stderr.contains("'yesterday'"), badStart.stderr)
    }

    /// provenance.csv: one row per artifact of the paper with its stage, code version, seed and BLAS
    /// setup from its attributes; weights and chunks of unfinished runs are not listed, a file
    /// without provenance is listed as such, and paper A's artifacts go to paper A's file.
    func testProvenanceTableListsWhereEveryArtifactCameFrom() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let art = dir + "/artifacts", provo = art + "/provo"
        try FileManager.default.createDirectory(atPath: provo + "/eval", withIntermediateDirectories: true)
        let splits = try EvalFixture.writeSplits(in: provo)
        let oracle = try Stages.run("evaluate", ["oracle", "--splits", splits, "--output", provo + "/eval/oracle.h5", "--seeds", "7"],
                                    environment: ["DISTLAB_CODE_VERSION": "0123456789abcdef"])
        XCTAssertEqual(oracle.status, 0, oracle.stderr)
        for (path, name) in [(provo + "/finetune/x/seed42/model", "model.h5"), (provo + "/samples/m/base/seed42.h5.chunks", "chunk-00000.h5"),
                             (provo + "/other", "foreign.h5"), (art + "/paperA/mfrc", "splits.h5")] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try ArtifactWriter.write(to: path + "/" + name) { w in try w.writeStrings(["x"], at: "x") }
        }
        // A training log of a run resumed once, by another commit with other BLAS threads.
        let log = provo + "/finetune/x/seed42/train_log.h5"
        try StageContext(stage: "finetune", seed: 42).writeArtifact(to: log) { w in
            try w.setAttribute("segment_start_step", .ints([0, 4200]))
            try w.setAttribute("segment_code_version", .strings(["ef3032a1ba6ba660d4f60772f4014d8f3d3fc55c", "58a0405aaaa"]))
            try w.setAttribute("segment_compute", .strings(["OpenBLAS threads 2, OPENBLAS_CORETYPE Haswell", "other"]))
        }
        let out = dir + "/results"
        let r = try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let table = try CSVTable.read(path: out + "/paperB/provenance.csv")   // compute holds a comma: quoted
        XCTAssertEqual(table.header, ["path", "stage", "code_version", "seed", "compute", "config_sha256", "segments"])
        var rows = [table.header] + table.rows
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["provo/eval/oracle.h5", "provo/finetune/x/seed42/train_log.h5", "provo/other/foreign.h5",
                                                         "provo/splits.h5"])
        XCTAssertEqual(rows[1][6], "", "one invocation")
        let segments = rows[2][6]
        XCTAssertTrue(segments.hasPrefix("0 ef3032a") && segments.hasSuffix("; 4200 58a0405 (other)"), segments)
        XCTAssertTrue(r.stdout.contains(", 1 training runs resumed from a checkpoint"), r.stdout)
        rows.remove(at: 2)
        let o = rows[1]
        XCTAssertEqual(Array(o[1...3]), ["evaluate", "0123456789abcdef", "7"])
        XCTAssertTrue(o[4].hasPrefix("OpenBLAS threads"), o[4])
        XCTAssertEqual(o[5].count, 64)
        XCTAssertTrue(rows[2][1].hasPrefix("no provenance attributes ("), rows[2][1])
        XCTAssertEqual(rows[2][2], "none")
        XCTAssertEqual(rows[3][1], "prepare-splits")
        XCTAssertTrue(r.stdout.contains("paper B provenance: 4 artifacts from 2 code versions (") && r.stdout.contains("0123456 ×1")
                      && r.stdout.contains(", 1 without provenance attributes"), r.stdout)
        XCTAssertEqual(try CSVTable.read(path: out + "/paperA/provenance.csv").rows.map { [$0[0], $0[2]] }, [["paperA/mfrc/splits.h5", "none"]])
        XCTAssertFalse(r.stdout.contains("none ×"), r.stdout)
        // Without paper A's artifacts its table keeps only the header (no stale rows).
        try FileManager.default.removeItem(atPath: art + "/paperA")
        XCTAssertEqual(try Stages.run("report", ["--artifacts", art, "--output", out, "--published", TestPaths.packageRoot.path + "/data/published"]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: out + "/paperA/provenance.csv", encoding: .utf8), "path,stage,code_version,seed,compute,config_sha256,segments\n")
    }
}
