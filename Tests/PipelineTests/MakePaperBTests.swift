import TestSupport
import Artifacts
import Foundation
import XCTest

/// `make paperB-quick` end to end on fixtures: a 5-passage cloze file, the paper's own architectures
/// at toy size (a random GPT-2 Hugging Face folder as the base LM, full fine-tuning; a random llama,
/// Mistral's architecture, with a chat template as the instruct LM, LoRA), tiny fine-tuning
/// configs, 10 WebQuestions questions. It runs the real
/// Makefile (experiment file → Make variables → every stage → report), so the Make graph, the
/// experiment file and the stages are tested together, the way `make paperB` runs them.
final class MakePaperBTests: XCTestCase {
    func testMakePaperBQuickRunsEveryStageAndWritesTheReport() throws {
        for stage in ["prepare-splits", "infer", "finetune", "evaluate", "report"] {
            guard FileManager.default.isExecutableFile(atPath: Stages.productsDirectory.appendingPathComponent(stage).path) else {
                throw XCTSkip("\(stage) not built")
            }
        }
        let dir = try Stages.tempDir()
        // DISTLAB_KEEP_TEST_OUTPUT=1 keeps the run (artifacts, results, make.log) to look at.
        let keep = ProcessInfo.processInfo.environment["DISTLAB_KEEP_TEST_OUTPUT"] != nil
        defer { if keep { print("MakePaperBTests output kept in \(dir)") } else { try? FileManager.default.removeItem(atPath: dir) } }
        let model = dir + "/tiny-llama", gpt2 = dir + "/tiny-gpt2"
        try FinetuneStageTests.writeTinyModel(model, seed: 5)
        try FinetuneStageTests.writeTinyGPT2(gpt2, seed: 6)

        let (experiment, ftDir) = try Self.writeTinyExperiment(in: dir, base: gpt2, instruct: model)

        let art = dir + "/artifacts", results = dir + "/results"
        // Copies of the raw inputs, so the test can rewrite them below.
        let provo = dir + "/cloze_small.tsv", webq = dir + "/webquestions_small.json"
        try FileManager.default.copyItem(atPath: Stages.fixture("cloze_small.tsv"), toPath: provo)
        try FileManager.default.copyItem(atPath: Stages.fixture("webquestions_small.json"), toPath: webq)
        let vars = ["NO_BUILD=1", "BIN=\(Stages.productsDirectory.path)", "ART=\(art)", "RESULTS=\(results)", "EXPERIMENT_B=\(experiment)",
                    "FT_CONFIG_DIR=\(ftDir)", "PROVO_TSV=\(provo)", "WEBQ_JSON=\(webq)"]
        let run = try Stages.make(["paperB-quick"] + vars, log: dir + "/make.log")
        let output = run.stdout
        XCTAssertEqual(run.status, 0, String(output.suffix(4000)))
        if run.status != 0 { return }

        // paperB-quick = one seed (42) for every row, the ablation with it too.
        let fm = FileManager.default
        for f in ["paperB.mk", "provo/splits.h5", "provo/eval/oracle.h5",
                  "provo/samples/tb/base/seed42.h5", "provo/samples/ti/1-shot/seed42.h5", "provo/samples/ti/ft-mul/seed42.h5",
                  "provo/samples/tb/ft-n2/seed42.h5", "provo/eval/tvd/tb/ft-mul.h5", "provo/eval/tvd/ti/1-shot.h5",
                  "provo/eval/tvd/tb/ft-n1.h5", "webquestions/eval/cloze/ti/ft-orig.h5", "webquestions/eval/question/tb/ft-mul.h5",
                  "provo/finetune/b-maj/seed42/model/finetuned.json", "provo/finetune/abl-n2/seed42/model/finetuned.json"] {
            XCTAssertTrue(fm.fileExists(atPath: art + "/" + f), "missing artifact \(f)")
        }
        XCTAssertFalse(fm.fileExists(atPath: art + "/provo/samples/tb/base/seed123.h5"), "quick runs one seed")
        XCTAssertFalse(output.contains("warning: overriding recipe"), output)

        // Every stage run is in the timing ledger, named by its target, with exit status 0.
        let ledger = try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t") }
        XCTAssertEqual(ledger.first?.map(String.init), ["target", "started_utc", "seconds", "exit_status", "cores"])
        let runs = ledger.dropFirst()
        XCTAssertGreaterThan(runs.count, 30, "one row per stage run")
        for r in runs {
            XCTAssertEqual(r.count, 5); XCTAssertTrue(r[0].hasPrefix(art), "\(r)"); XCTAssertEqual(r[3], "0"); XCTAssertNotNil(Double(r[2]))
        }
        XCTAssertTrue(runs.contains { $0[0].hasSuffix("provo/finetune/i-mul/seed42/model/finetuned.json") })

        // The report: Table 1 with every row of both roles (named by the experiment's labels and mapped
        // to the paper's columns in the diff), the per-context CSV, the figures.
        let table1 = try String(contentsOfFile: results + "/paperB/table1.csv", encoding: .utf8)
        for row in ["Base", "1-Shot", "FT (Orig. corpus)", "FT (Maj. label)", "FT (Mul. labels)", "Oracle"] {
            XCTAssertTrue(table1.contains(row), "table1 lacks \(row):\n\(table1)")
        }
        XCTAssertTrue(table1.contains("Tiny-Base") && table1.contains("Tiny-Instruct"), table1)
        let diff = try String(contentsOfFile: results + "/paperB/diff_table1.csv", encoding: .utf8)
        XCTAssertTrue(diff.contains("GPT-2") && diff.contains("Mistral-7B-IT"), diff)
        let perContext = try String(contentsOfFile: results + "/paperB/tvd_per_context.csv", encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(perContext.first, "model,variant,seed,text_id,word_number,n_samples,tvd,oracle_tvd,entropy,human_cross_entropy")
        let variants = Set(perContext.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: "/") })
        XCTAssertGreaterThanOrEqual(variants.count, 8, "\(variants)")
        let figures = try String(contentsOfFile: results + "/paperB/figures.csv", encoding: .utf8)
        XCTAssertTrue(figures.contains("fig1_tvd_hist"), figures)
        XCTAssertTrue(fm.fileExists(atPath: results + "/paperB/fig1_tvd_hist.svg"))
        XCTAssertTrue(fm.fileExists(atPath: results + "/paperB/fig9_labels_ablation.svg"))
        // The fine-tuning runs' loss curves, read from their train_log.h5 (every config of the quick run).
        let curves = try String(contentsOfFile: results + "/paperB/training_curves.csv", encoding: .utf8)
        for config in ["b-orig", "b-maj", "b-mul", "i-orig", "i-maj", "i-mul", "abl-n2"] {
            XCTAssertTrue(curves.contains("\n\(config),"), "training_curves lacks \(config)")
        }
        // Appendix G in both prompt formats: Table 3 and figs 10, 12 (next-word prompts), fig 11 (questions).
        for fig in ["fig10_hit_rate", "fig11_hit_rate_question", "fig12_hit_rate_orig"] {
            XCTAssertTrue(figures.contains("\(fig),written,"), "\(fig) not written:\n\(figures)")
        }
        let table3 = try String(contentsOfFile: results + "/paperB/table3.csv", encoding: .utf8)
        for row in ["Base", "FT (Orig. corpus)", "FT (Mul. labels)"] {
            XCTAssertTrue(table3.contains(",3,\(row),Tiny-Base,") && table3.contains(",3,\(row),Tiny-Instruct,"), "table3 lacks \(row):\n\(table3)")
        }

        // Every stage finished, so no heartbeat row of a killed stage is left.
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: art + "/timings.tsv.partial"), [])
        // The ledger summed per stage in the report.
        let wall = try String(contentsOfFile: results + "/paperB/wall_time.csv", encoding: .utf8)
        XCTAssertTrue(wall.hasPrefix("level,stage,target,invocations,failed,unfinished,seconds,hours\n"), wall)
        for stage in ["stage,finetune,", "stage,infer sample,", "stage,evaluate tvd,", "stage,infer qa,", "total,,,"] {
            XCTAssertTrue(wall.contains(stage), "wall_time.csv lacks \(stage):\n\(wall)")
        }
        XCTAssertTrue(wall.contains("target,finetune,provo/finetune/b-mul/seed42/model/finetuned.json,1,0,0,"), wall)

        // make status-paperB estimates what the full run (both seeds) still needs from the ledger: a
        // finished run's time includes the rows of its interrupted invocations before it (a
        // synthetic one here, where timed.sh would have moved it: ahead of the finishing row).
        let target = art + "/provo/finetune/b-mul/seed42/model/finetuned.json"
        let finished = try XCTUnwrap(ledger.dropFirst().first { $0[0] == target }.flatMap { Double($0[2]) })
        var rows = try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8).components(separatedBy: "\n")
        let at = try XCTUnwrap(rows.firstIndex { $0.hasPrefix(target + "\t") })
        rows.insert("\(target)\t2026-01-01T00:00:00Z\t1000.0\tinterrupted\t1", at: at)
        try rows.joined(separator: "\n").write(toFile: art + "/timings.tsv", atomically: true, encoding: .utf8)
        let status = try Stages.make(["status-paperB"] + vars, log: dir + "/status.log")
        let statusText = status.stdout
        XCTAssertEqual(status.status, 0, statusText)
        let line = try XCTUnwrap(statusText.split(separator: "\n").first { $0.contains("× finetune b-mul ") }, statusText)
        XCTAssertTrue(line.contains(" 1 × finetune b-mul"), String(line))   // seed 123 to go
        XCTAssertTrue(line.contains("(mean \(Int((1000 + finished).rounded())) s per run"), "\(line) (finished part \(finished) s)")

        // Nothing left to do: a second make runs no stage, even after the raw data was written
        // again with the same bytes and a newer time (as a re-provisioned dataset folder is).
        Thread.sleep(forTimeInterval: 1.1)
        for path in [provo, webq] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let upToDate = ["-q"] + vars + ["B_SEEDS=42", "B_ABL_SEED=42", "eval-base", "eval-ft", "eval-ablation", "eval-qa"]
        let again = try Stages.make(upToDate, log: dir + "/make-q.log")
        XCTAssertEqual(again.status, 0, "make -q: every paper B target is up to date")

        // The seeds an evaluation pools count too: with seed 123's samples of the base rows there
        // (copies, as old as seed 42's), the base rows evaluated for seed 42 alone are not done for both seeds.
        let baseSamples = ["tb/base", "ti/base", "ti/1-shot"]
        for row in baseSamples {
            let s42 = art + "/provo/samples/\(row)/seed42.h5", s123 = art + "/provo/samples/\(row)/seed123.h5"
            try? fm.removeItem(atPath: s123)
            try fm.copyItem(atPath: s42, toPath: s123)
            try fm.setAttributes([.modificationDate: try XCTUnwrap(fm.attributesOfItem(atPath: s42)[.modificationDate])], ofItemAtPath: s123)
        }
        let baseRows = upToDate.filter { !["eval-ft", "eval-ablation", "eval-qa"].contains($0) }
        XCTAssertEqual(try Stages.make(baseRows, log: dir + "/make-q-seeds.log").status, 0, "seed 42's base rows are up to date")
        let twoSeeds = try Stages.make(baseRows.map { $0 == "B_SEEDS=42" ? "B_SEEDS=42 123" : $0 }, log: dir + "/make-q-seeds2.log")
        XCTAssertNotEqual(twoSeeds.status, 0, "make -q B_SEEDS=\"42 123\" eval-base: the one-seed evaluations are not done for two seeds")
        XCTAssertEqual(try Stages.make(baseRows, log: dir + "/make-q-seeds3.log").status, 0, "make -q changed nothing")
        for row in baseSamples { try fm.removeItem(atPath: art + "/provo/samples/\(row)/seed123.h5") }

        try checkCarryToANewMachine(dir: dir, art: art, vars: vars, upToDate: upToDate,
                                    rewritten: [provo, webq, experiment, model, gpt2, ftDir])

        // A model swapped in under the same key counts by its content (a Hugging Face folder by its
        // files): its samples and fine-tuning runs are redone, the other model's are not.
        let gpt2Config = gpt2 + "/config.json"
        let configBytes = try Data(contentsOf: URL(fileURLWithPath: gpt2Config))
        try (configBytes + Data("\n".utf8)).write(to: URL(fileURLWithPath: gpt2Config))
        let swapped = try Stages.make(upToDate.filter { $0 != "-q" } + ["--just-print"], log: dir + "/make-n-model.log")
        let swappedLines = swapped.stdout.split(separator: "\n")
        XCTAssertTrue(swappedLines.contains { $0.contains("infer sample") && $0.contains("--model \(gpt2) ") }, swapped.stdout)
        XCTAssertTrue(swappedLines.contains { $0.contains("finetune run --config \(ftDir)/b-mul.yaml") }, swapped.stdout)
        XCTAssertFalse(swappedLines.contains { $0.contains("infer sample") && $0.contains("--model \(model) ") }, swapped.stdout)
        try configBytes.write(to: URL(fileURLWithPath: gpt2Config))

        // Changed bytes do count: the splits and everything after them are out of date.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: provo))
        handle.seekToEndOfFile(); handle.write(Data("\n".utf8)); try handle.close()
        let changed = try Stages.make(upToDate, log: dir + "/make-q2.log")
        XCTAssertNotEqual(changed.status, 0, "make -q after the Provo file changed")
    }

    /// The experiment of the tests (seeds 42 and 123, both roles, ablation N = 1, 2, 3 QA questions)
    /// over the given models, with tiny fine-tuning configs (one epoch, small batches; LoRA for the
    /// instruct role) in `<dir>/ft`.
    static func writeTinyExperiment(in dir: String, base: String, instruct: String) throws -> (experiment: String, ftDir: String) {
        // Tiny fine-tuning configs: one epoch, small batches; the instruct role uses LoRA.
        let ftDir = dir + "/ft"
        try FileManager.default.createDirectory(atPath: ftDir, withIntermediateDirectories: true)
        func config(_ name: String, lora: Bool, target: String, answers: Int? = nil) throws {
            let text = """
                model: \(instruct)
                splits: unused-the-makefile-passes-it
                output: unused
                method: \(lora ? "lora" : "full")
                \(lora ? "lora: {r: 2, alpha: 4, dropout: 0.05, modules: [q_proj, v_proj]}\n" : "")target: \(target)
                \(answers.map { "answers_per_context: \($0)\n" } ?? "")prompt: \(lora ? "instruction" : "plain")
                optimizer: {lr: 1.0e-3, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0.0}
                batch_size: 4
                epochs: 1
                grad_clip: 1.0
                warmup_steps: 0
                schedule: linear
                seed: 1
                checkpoint_every: 100
                hf_export: none
                keep_checkpoint: false
                """
            try text.write(toFile: "\(ftDir)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        for t in ["orig", "maj", "mul"] {
            try config("b-\(t)", lora: false, target: t)
            try config("i-\(t)", lora: true, target: t)
        }
        for n in [1, 2] { try config("abl-n\(n)", lora: false, target: "mul", answers: n) }

        let experiment = dir + "/paperB.yaml"
        try """
            paper: B
            seeds: [42, 123]
            models:
              base:
                key: tb
                file: \(base)
                label: Tiny-Base
                paper_column: GPT-2
                prompt: plain
                one_shot: false
                qa_prompt: plain
                finetune: {orig: b-orig, maj: b-maj, mul: b-mul}
              instruct:
                key: ti
                file: \(instruct)
                label: Tiny-Instruct
                paper_column: Mistral-7B-IT
                prompt: instruction
                one_shot: true
                qa_prompt: qa-instruction
                finetune: {orig: i-orig, maj: i-maj, mul: i-mul}
            sampling: {samples: 6, max_new_tokens: 3, top_k: 50, top_p: 1.0, temperature: 1.0}
            ablation: {answers: [1, 2], seed: 123, config: "abl-n{n}"}
            qa: {questions: 3, seed: 42}
            """.write(toFile: experiment, atomically: true, encoding: .utf8)
        return (experiment, ftDir)
    }

    /// `make finetuned-outputs` (the real experiment, dry run): each fine-tuning run is followed by the
    /// samples of its model (Provo, then QA) before the next run, so a session's end never leaves a
    /// model's samples to do after its weights are gone; B_DEFER_LONG leaves the long run out.
    func testEachFineTuningRunIsFollowedByItsSamples() throws {
        guard FileManager.default.isExecutableFile(atPath: Stages.productsDirectory.appendingPathComponent("prepare-splits").path) else {
            throw XCTSkip("prepare-splits not built")
        }
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var fitsChecks: [String] = []
        func groups(_ extra: [String]) throws -> [[String]] {
            let r = try Stages.make(["-n", "NO_BUILD=1", "BIN=\(Stages.productsDirectory.path)", "ART=\(dir)/art", "B_SEEDS=42", "finetuned-outputs"] + extra,
                                    log: dir + "/make-n.log")
            XCTAssertEqual(r.status, 0, r.stdout)
            fitsChecks = r.stdout.split(separator: "\n").filter { $0.hasPrefix("scripts/fits-in-session.sh") }.map(String.init)
            var out: [[String]] = []
            for line in r.stdout.split(separator: "\n") where line.contains("scripts/timed.sh") {
                let target = String(line.split(separator: " ")[2])
                if target.hasSuffix("/model/finetuned.json") { out.append([target]) }
                else if target.contains("/samples/"), !out.isEmpty { out[out.count - 1].append(target) }
            }
            return out
        }
        let all = try groups([])
        XCTAssertEqual(all.count, 12, "\(all)")   // 6 fine-tuned rows (seed 42) + 6 ablation runs
        XCTAssertTrue(all[0][0].hasSuffix("/smollm2-lora-mul/seed42/model/finetuned.json"), "the longest run first: \(all[0])")
        for g in all {
            // .../provo/finetune/<config>/seed<s>/model/finetuned.json, then samples of that model only.
            XCTAssertGreaterThanOrEqual(g.count, 2, "\(g)")
            let seed = g[0].components(separatedBy: "/").first { $0.hasPrefix("seed") }!
            let variantDir = (g[1] as NSString).deletingLastPathComponent
            XCTAssertTrue(g[1].contains("/provo/samples/") && g[1].hasSuffix("/\(seed).h5"), "\(g)")
            for qa in g.dropFirst(2) {
                XCTAssertTrue(qa.contains("/webquestions/samples/") && qa.hasSuffix(String(variantDir.split(separator: "/").suffix(2).joined(separator: "/")) + "/\(seed).h5"), "\(g)")
            }
        }
        XCTAssertEqual(all[0].count, 4, "FT (Mul.): Provo, QA cloze, QA question: \(all[0])")
        // Each run is checked against SESSION_END before it starts; the longest with its own default.
        XCTAssertEqual(fitsChecks.count, 12, fitsChecks.joined(separator: "\n"))
        XCTAssertEqual(fitsChecks.filter { $0.hasSuffix(" 100") }, ["scripts/fits-in-session.sh \(dir)/art/timings.tsv \(all[0][0]) 100"])
        let deferred = try groups(["B_DEFER_LONG=1"])
        XCTAssertEqual(deferred.count, 11)
        XCTAssertFalse(deferred.joined().contains { $0.contains("smollm2-lora-mul") || $0.contains("smollm2/ft-mul") })
    }

    /// `make -j2 finetuned-outputs` for real, with stub stages that take time (a fine-tuning run 1 s,
    /// a sampling run 0.2 s) and log when they start and end: whenever two fine-tuning runs train at
    /// once, every model that finished before has all its samples made. Without the runs in turn
    /// (the Makefile's in_turn), two runs that end together are followed by the next two runs.
    func testUnderTwoJobsAFinishedModelsSamplesComeBeforeTheNextRuns() throws {
        let realPrepare = Stages.productsDirectory.appendingPathComponent("prepare-splits").path
        guard FileManager.default.isExecutableFile(atPath: realPrepare) else { throw XCTSkip("prepare-splits not built") }
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = dir + "/base.bin", instruct = dir + "/instruct.bin"
        for f in [base, instruct] { try Data("a model".utf8).write(to: URL(fileURLWithPath: f)) }
        let (experiment, ftDir) = try Self.writeTinyExperiment(in: dir, base: base, instruct: instruct)
        let provo = Stages.fixture("cloze_small.tsv"), webq = Stages.fixture("webquestions_small.json")

        // Each stub writes its --output (a run's model/finetuned.json for finetune) and logs
        // "start|end <target>" lines, in the order they happen, to events.log.
        let bin = dir + "/bin", events = dir + "/events.log"
        let output = #"out=""; while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done; mkdir -p "$(dirname "$out")""#
        try Stages.stubTools(in: bin, [
            "prepare-splits": """
                [ "$1" = experiment ] && exec \(realPrepare) "$@"
                \(output); echo splits > "$out"
                """,
            "finetune": """
                \(output); t="$out/model/finetuned.json"; echo "start $t" >> \(events)
                sleep 1; mkdir -p "$out/model"; echo '{}' > "$t"; echo "end $t" >> \(events)
                """,
            "infer": """
                \(output); echo "start $out" >> \(events); sleep 0.2; echo samples > "$out"; echo "end $out" >> \(events)
                """,
        ])
        let art = dir + "/art"
        let vars = ["NO_BUILD=1", "BIN=\(bin)", "ART=\(art)", "EXPERIMENT_B=\(experiment)", "FT_CONFIG_DIR=\(ftDir)",
                    "PROVO_TSV=\(provo)", "WEBQ_JSON=\(webq)", "B_SEEDS=42 123"]
        let r = try Stages.make(["-j2", "finetuned-outputs"] + vars, log: dir + "/make.log")
        XCTAssertEqual(r.status, 0, r.stdout)

        // Which run each sample file comes from: the Makefile's own graph (make -n, one job).
        let plan = try Stages.make(["-n", "finetuned-outputs"] + Stages.withART(vars, art + "-plan"), log: dir + "/make-n.log")
        var runOf: [String: String] = [:], current = ""
        for line in plan.stdout.split(separator: "\n") where line.contains("scripts/timed.sh") {
            let target = String(line.split(separator: " ")[2]).replacingOccurrences(of: art + "-plan", with: art)
            if target.hasSuffix("/model/finetuned.json") { current = target } else if target.contains("/samples/") { runOf[target] = current }
        }
        let runs = Set(runOf.values)
        XCTAssertEqual(runs.count, 14, "6 fine-tuned rows × 2 seeds + 2 ablation runs: \(runs.sorted())")

        var training = Set<String>(), finished = Set<String>(), made = Set<String>(), mostAtOnce = 0
        let log = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        for line in log {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let (event, target) = (parts[0], parts[1])
            if target.hasSuffix("/model/finetuned.json") {
                if event == "start" {
                    training.insert(target)
                    mostAtOnce = max(mostAtOnce, training.count)
                    if training.count == 2 {
                        let waiting = runOf.filter { finished.contains($0.value) && !made.contains($0.key) }.keys.sorted()
                        XCTAssertEqual(waiting, [], "\(target) started beside another run while these samples of finished models waited")
                    }
                } else { training.remove(target); finished.insert(target) }
            } else if event == "end" { made.insert(target) }
        }
        XCTAssertEqual(finished, runs, "every run trained once")
        XCTAssertEqual(made, Set(runOf.keys), "every sample file made")
        XCTAssertEqual(log.count, 2 * (runs.count + runOf.count), "each stage ran once")
        XCTAssertEqual(mostAtOnce, 2, "two runs at a time")
    }

    /// scripts/carry.sh: the run's artifacts, saved into a carry folder, restored into the artifacts
    /// folder of a "new machine" where every input was written again with its bytes unchanged (a fresh
    /// clone, models fetched again): nothing is left to do, though no fine-tuned weights were carried.
    func checkCarryToANewMachine(dir: String, art: String, vars: [String], upToDate: [String], rewritten: [String]) throws {
        let fm = FileManager.default
        let carryScript = TestPaths.packageRoot.appendingPathComponent("scripts/carry.sh")
        let carry = dir + "/carry", art2 = dir + "/artifacts-new-machine"
        let save = try Stages.runExecutable(carryScript, ["save", art, carry])
        XCTAssertEqual(save.status, 0, save.stderr)
        // Saving again with nothing changed rewrites no carried file (no new bytes to commit).
        func manifestPaths() throws -> [String: String] {
            let rows = try String(contentsOfFile: carry + "/manifest.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
            return Dictionary(uniqueKeysWithValues: rows.map { row in let f = row.split(separator: "\t"); return (String(f[0]), String(f[1])) })
        }
        let blob = carry + "/files/" + (try XCTUnwrap(try manifestPaths()["provo/samples/tb/base/seed42.h5"])) + ".xz"
        let before = try fm.attributesOfItem(atPath: blob)[.modificationDate] as? Date
        XCTAssertEqual(try Stages.runExecutable(carryScript, ["save", art, carry]).status, 0)
        XCTAssertEqual(try fm.attributesOfItem(atPath: blob)[.modificationDate] as? Date, before)
        XCTAssertTrue(try Stages.runExecutable(carryScript, ["save", art, carry]).stdout.contains("(0 new or changed, 0 dropped, 0 too large)"))

        // No weights in the carry: no model, checkpoint or hf folder, no safetensors. No splits either
        // (they hold the datasets' texts): remade.tsv lists them, to be made again.
        let carried = try manifestPaths().keys
        XCTAssertTrue(carried.contains("provo/finetune/b-mul/seed42/train_log.h5"), "the training log is carried")
        for path in carried {
            XCTAssertFalse(path.contains("/model/") || path.contains("/checkpoint/") || path.contains("/hf/") || path.hasSuffix(".safetensors"),
                           "weights carried: \(path)")
            XCTAssertFalse(path.hasSuffix("splits.h5") || path.hasSuffix("qa.h5"), "a split carried: \(path)")
        }
        XCTAssertEqual(try fm.subpaths(atPath: carry)?.sorted(), (["files", "manifest.tsv", "remade.tsv"] + Set(try manifestPaths().values).map { "files/\($0).xz" }).sorted())
        let remadeList = try String(contentsOfFile: carry + "/remade.tsv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: "\t") }
        XCTAssertEqual(remadeList.map { String($0[0]) }, ["provo/splits.h5", "webquestions/qa.h5"])

        // The new machine: the same inputs with new times.
        Thread.sleep(forTimeInterval: 1.1)
        for top in rewritten {
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: top, isDirectory: &isDir)
            let files = isDir.boolValue ? (fm.subpaths(atPath: top) ?? []).map { top + "/" + $0 } : [top]
            for f in files where (try? fm.attributesOfItem(atPath: f)[.type] as? FileAttributeType) == .typeRegular {
                try Data(contentsOf: URL(fileURLWithPath: f)).write(to: URL(fileURLWithPath: f))
            }
        }
        let restore = try Stages.runExecutable(carryScript, ["restore", carry, art2])
        XCTAssertEqual(restore.status, 0, restore.stderr)
        XCTAssertTrue(restore.stdout.contains("carry: 2 splits to make again"), restore.stdout)
        XCTAssertFalse(fm.fileExists(atPath: art2 + "/provo/finetune/b-mul/seed42/model/finetuned.json"))
        XCTAssertFalse(fm.fileExists(atPath: art2 + "/provo/splits.h5"))
        // The ledger names the new folder's targets, and keeps every row of the old one.
        let ledger = try String(contentsOfFile: art2 + "/timings.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
        let oldLedger = try String(contentsOfFile: art + "/timings.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(ledger.count, oldLedger.count)
        XCTAssertTrue(ledger.allSatisfy { $0.hasPrefix(art2 + "/") }, ledger.joined(separator: "\n"))
        let newVars = Stages.withART(vars, art2)
        let upToDateThere = Stages.withART(upToDate, art2)
        // The splits made again come out the same (digest) and get their old times back.
        func remake(_ carry: String, _ art: String) throws -> Stages.Result {
            try Stages.runExecutable(carryScript, ["remake", carry, art, "-C", TestPaths.packageRoot.path]
                                        + Stages.withART(vars, art),
                                     environment: ["PREPARE_SPLITS": Stages.productsDirectory.appendingPathComponent("prepare-splits").path],
                                     unset: ["MAKEFLAGS", "MFLAGS", "MAKELEVEL"])
        }
        let remade = try remake(carry, art2)
        XCTAssertEqual(remade.status, 0, remade.stdout + remade.stderr)
        XCTAssertTrue(remade.stdout.contains("made 2 splits again into \(art2) (2 as in the carried run, 0 different, 0 already there)"), remade.stdout)
        let mtimeOld = try fm.attributesOfItem(atPath: art + "/provo/splits.h5")[.modificationDate] as? Date
        XCTAssertEqual(try fm.attributesOfItem(atPath: art2 + "/provo/splits.h5")[.modificationDate] as? Date, mtimeOld)
        let again = try Stages.make(upToDateThere, log: dir + "/make-q-carried.log")
        XCTAssertEqual(again.status, 0, "make -q after a carried restore: every paper B target is up to date")
        XCTAssertTrue(try remake(carry, art2).stdout.contains("(0 as in the carried run, 0 different, 2 already there)"))
        // A changed fine-tuning config still counts there: its run and what follows it are redone.
        let config = newVars.first { $0.hasPrefix("FT_CONFIG_DIR=") }!.dropFirst("FT_CONFIG_DIR=".count) + "/b-mul.yaml"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: String(config)))
        handle.seekToEndOfFile(); handle.write(Data("# changed\n".utf8)); try handle.close()
        let changed = try Stages.make(upToDateThere.filter { $0 != "-q" } + ["--just-print"], log: dir + "/make-n-carried.log")
        XCTAssertTrue(changed.stdout.contains("finetune run --config \(config)"), changed.stdout)
        XCTAssertFalse(changed.stdout.contains("b-maj.yaml"), "only the changed config's run is redone:\n\(changed.stdout)")
        // With a session ending too soon for it (scripts/fits-in-session.sh), that run is not started.
        let soon = try Stages.make(upToDateThere.filter { $0 != "-q" } + ["-k", "SESSION_END=\(Int(Date().timeIntervalSince1970) + 60)", "FT_MINUTES=30"],
                               log: dir + "/make-session-end.log")
        XCTAssertNotEqual(soon.status, 0)
        XCTAssertTrue(soon.stdout.contains("fits-in-session: not starting \(art2)/provo/finetune/b-mul/seed42/model/finetuned.json"), soon.stdout)
        XCTAssertFalse(fm.fileExists(atPath: art2 + "/provo/finetune/b-mul/seed42/model/finetuned.json"))
        try Data(contentsOf: URL(fileURLWithPath: String(config))).dropLast("# changed\n".utf8.count).write(to: URL(fileURLWithPath: String(config)))

        // A split that comes out different from the carried run's keeps its new time: what was made
        // from it (here the QA samples, with the fine-tuned models they need) is made again; the
        // base models' Provo samples are not.
        let carry4 = dir + "/carry-other-qa", art4 = dir + "/artifacts-other-qa"
        try fm.copyItem(atPath: carry, toPath: carry4)
        let remadePath = carry4 + "/remade.tsv"
        let edited = try String(contentsOfFile: remadePath, encoding: .utf8).split(separator: "\n").map { line -> String in
            var f = line.split(separator: "\t").map(String.init)
            if f[0] == "webquestions/qa.h5" { f[1] = String(repeating: "0", count: 64) }
            return f.joined(separator: "\t")
        }
        try (edited.joined(separator: "\n") + "\n").write(toFile: remadePath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Stages.runExecutable(carryScript, ["restore", carry4, art4]).status, 0)
        let other = try remake(carry4, art4)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("\(art4)/webquestions/qa.h5 made again differs from the carried run's"), other.stderr)
        let redo = try Stages.make(Stages.withART(upToDate.filter { $0 != "-q" }, art4) + ["--just-print"],
                                   log: dir + "/make-n-other-qa.log")
        XCTAssertTrue(redo.stdout.contains("infer qa"), redo.stdout)
        XCTAssertFalse(redo.stdout.split(separator: "\n").contains { $0.contains("infer sample") && $0.contains("--variant Base") },
                       "the base models' Provo samples stay done:\n\(redo.stdout)")
        // A malformed remade.tsv is refused, naming its line.
        try "path\tdigest\tsha256\tmtime_ns\nprovo/splits.h5\tabc\n".write(toFile: remadePath, atomically: true, encoding: .utf8)
        let malformed = try Stages.runExecutable(carryScript, ["verify", carry4])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.stderr.contains("remade.tsv: line 2: malformed row"), malformed.stderr)

        // A damaged carry is refused, naming the file, and nothing is restored.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        var damaged = bytes; damaged[damaged.count / 2] ^= 0xff
        try damaged.write(to: URL(fileURLWithPath: blob))
        let art3 = dir + "/artifacts-damaged"
        let refused = try Stages.runExecutable(carryScript, ["restore", carry, art3])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(blob) && refused.stderr.contains("provo/samples/tb/base/seed42.h5"), refused.stderr)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: art3), [], "nothing restored from a damaged carry")
        XCTAssertNotEqual(try Stages.runExecutable(carryScript, ["verify", carry]).status, 0)
        try bytes.write(to: URL(fileURLWithPath: blob))
        XCTAssertEqual(try Stages.runExecutable(carryScript, ["verify", carry]).status, 0)
    }
}
