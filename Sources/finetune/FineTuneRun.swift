import Artifacts
import Datasets
import Foundation
import Methods
import ModelIO
import Models
import Numerics
import StageKit
import Tokenizers
import Training

struct FineTuneError: Error, CustomStringConvertible, LocalizedError {
    let description: String
    init(_ d: String) { description = d }
    var errorDescription: String? { description }
}

/// Per-step and per-epoch numbers of a run; saved next to each checkpoint (log.json) so that a
/// resumed run writes the same train_log.h5 as an uninterrupted one.
struct TrainLog: Codable, Equatable {
    var loss: [Double] = []
    var gradNorm: [Float] = []
    var lr: [Float] = []
    /// val_loss[0] before training, val_loss[e] after epoch e.
    var valLoss: [Double] = []
    /// The invocations that made the run (nil in checkpoints written before they were recorded).
    var segments: RunSegments?

    mutating func truncate(steps: Int) {
        loss = Array(loss.prefix(steps)); gradNorm = Array(gradNorm.prefix(steps)); lr = Array(lr.prefix(steps))
    }
}

/// Tokenised training and validation data of a run.
struct RunData {
    var train: [TokenizedClozeItem]
    var validation: [TokenizedClozeItem]
    var mode: ClozeLossMode
}

/// Builds the run's data: targets per context (orig / maj / mul, or N sampled answers), then
/// tokens (plain: context + " word"; instruction: appendix-A chat prompt + reply + end of turn).
func buildRunData(_ cfg: FineTuneConfig, splits: ClozeSplits, splitsPath: String, tokenizer: Tokenizer,
                  architecture: String?) throws -> RunData {
    var train = splits.contexts(in: "train"), val = splits.contexts(in: "validation")
    if let n = cfg.limitContexts { train = Array(train.prefix(n)); val = Array(val.prefix(n)) }
    guard !train.isEmpty else { throw StageError.input(splitsPath, "no training contexts") }
    guard !val.isEmpty else { throw StageError.input(splitsPath, "no validation contexts") }
    let template: ChatTemplate? = cfg.prompt == "instruction" ? try ChatTemplate.detect(for: tokenizer, architecture: architecture) : nil
    // The ablation draws N answers per training context from one NumPy RandomState seeded by the
    // run seed, in corpus order (as `rng.choice` over the contexts in a loop would).
    var rng = NumpyRandomState(seed: UInt32(cfg.seed))
    func tokenize(_ c: ClozeContext, sample: Bool) throws -> TokenizedClozeItem {
        let answers: [(response: String, count: Int)]
        if sample, let n = cfg.answersPerContext {
            answers = c.sampleResponses(n, rng: &rng).map { (response: $0, count: 1) }
        } else {
            answers = c.responses.map { (response: $0.response, count: $0.count) }
        }
        do {
            let t = try ClozeWordTargets(context: c.context, corpusWord: c.word, answers: answers, kind: cfg.target)
            if let template {
                let prompt = try PaperBPrompts.instructionPromptTokens(context: c.context, tokenizer: tokenizer, template: template)
                let targets = try t.words.map { try PaperBPrompts.responseTokens(word: $0, tokenizer: tokenizer, template: template) }
                return try TokenizedClozeItem(prompt: prompt, targets: targets, counts: t.counts)
            }
            let prompt = tokenizer.encode(c.context)
            let targets = t.words.map { tokenizer.encode(PaperBPrompts.plainContinuation(word: $0), addBOS: false) }
            return try TokenizedClozeItem(prompt: prompt, targets: targets, counts: t.counts)
        } catch {
            throw StageError.input(splitsPath, "context text \(c.textID) word \(c.wordNumber) (line \(c.firstLine)): \(error)")
        }
    }
    return RunData(train: try train.map { try tokenize($0, sample: true) },
                   validation: try val.map { try tokenize($0, sample: false) },
                   mode: template == nil ? .wordDistribution : .expandedExamples)
}

/// Paper A's SFT data (appendix A.5: "the same instructions and prompt template as the other
/// models, but without the 10 demonstrations"): per item the chat prompt (instruction as the system
/// message, `Input: "<text>"` as the user turn) and one reply, the item's majority labels as
/// `{"label": [...]}` (`["none"]` without one; a single-label item's most chosen label). Training
/// items: the splits' probe_train sample (the paper: the whole training split); validation: the
/// first 50 training-pool items outside it, in file order.
func buildLabelRunData(_ cfg: FineTuneConfig, splits: LabelTaskSplits, splitsPath: String, tokenizer: Tokenizer,
                       architecture: String?) throws -> RunData {
    let ds = splits.dataset
    let inTrain = Set(splits.probeTrain)
    var train = splits.probeTrain, val = Array(splits.train.filter { !inTrain.contains($0) }.prefix(50))
    if let n = cfg.limitContexts { train = Array(train.prefix(n)); val = Array(val.prefix(n)) }
    guard !train.isEmpty else { throw StageError.input(splitsPath, "no training items (sets/probe_train is empty)") }
    guard !val.isEmpty else { throw StageError.input(splitsPath, "no validation items outside sets/probe_train") }
    let template = try ChatTemplate.detect(for: tokenizer, architecture: architecture)
    let prompt = LabelPrompt(noun: LabelPrompt.noun(dataset: ds.name), labels: ds.labels, demos: [], singleLabel: !ds.multiLabel)
    func item(_ i: Int) throws -> TokenizedClozeItem {
        let text = try prompt.chat(query: ds.items[i].text, template: template)
        let reply = try PaperBPrompts.responseTokens(word: LabelPrompt.answer(splits.answerLabels(i)), tokenizer: tokenizer, template: template)
        return try TokenizedClozeItem(prompt: tokenizer.encode(text, addBOS: false, parseSpecial: true), targets: [reply], counts: [1])
    }
    return RunData(train: try train.map(item), validation: try val.map(item), mode: .expandedExamples)
}

/// The trainer for a config: full fine-tuning (all weights trainable) or LoRA on frozen weights.
func makeTrainer(_ cfg: FineTuneConfig, modelPath: String) throws -> DecoderTrainer {
    let weights: DecoderWeights
    do {
        let model = try loadModel(path: modelPath)
        weights = try DecoderWeights(model: model, trainable: cfg.method == "full")
    }
    guard cfg.method == "lora", let l = cfg.lora else { return try DecoderTrainer(weights: weights) }
    let lc = try LoRAConfig(rank: l.r, alpha: l.alpha, dropout: l.dropout,
                            targets: try l.modules.map { try LoRATarget(name: $0) }, seed: UInt64(cfg.seed))
    return try DecoderTrainer(weights: weights, loraConfig: lc)
}

func peakRSSMegabytes() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_maxrss) / 1024   // Linux: kilobytes
}

/// `finetune run`: train, checkpoint, resume, export.
/// `checkpointMinutes`: also checkpoint when that much wall time has passed since the last
/// checkpoint (a session that ends mid-run loses at most that much; a LoRA step of 32 contexts can
/// take 18 s, so 50 steps are a quarter of an hour).
func runFineTune(_ cfg: FineTuneConfig, ctx: StageContext, checkpointMinutes: Double? = nil, phases: Bool = false) throws {
    let out = cfg.output
    let ckptDir = out + "/checkpoint"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let modelPath = URL(fileURLWithPath: cfg.model).standardizedFileURL.path
    try ctx.addInput(cfg.splits)
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: modelPath, isDirectory: &isDir), !isDir.boolValue { try ctx.addInput(modelPath) }

    let tokenizer = try Tokenizer.load(path: modelPath)
    let arch = isDir.boolValue ? nil : try? GGUFFile(path: modelPath).architecture
    let data = cfg.task == "labels"
        ? try buildLabelRunData(cfg, splits: try LabelTaskSplits.read(path: cfg.splits), splitsPath: cfg.splits, tokenizer: tokenizer, architecture: arch)
        : try buildRunData(cfg, splits: try ClozeSplits.read(path: cfg.splits), splitsPath: cfg.splits, tokenizer: tokenizer, architecture: arch)
    let units = clozeUnits(data.train, mode: data.mode)
    let valSeqs = try clozeBatchSequences(clozeUnits(data.validation, mode: data.mode), items: data.validation, mode: data.mode)
    let B = cfg.batchSize
    let shuffleUnit = ShuffleUnit(rawValue: cfg.shuffle ?? "example")!
    let stepsPerEpoch = (units.count + B - 1) / B
    let totalSteps = stepsPerEpoch * cfg.epochs

    let hash = cfg.trainingHash
    // The bytes of the inputs (splits, model file). Runs written before this was recorded have no
    // inputs_hash and are taken as they are, so their checkpoints still resume.
    let inputsHash = SHA256.hexDigest(ctx.inputHashes.values.sorted().joined(separator: "\n"))
    func sameInputs(_ meta: [String: String]) -> Bool { meta["inputs_hash"].map { $0 == inputsHash } ?? true }
    // A finished run (model written under the same configuration) is not redone. A run killed
    // after its log and before its manifest (written last, below) only lacks the manifest.
    let modelDir = out + "/model"
    let mergedPath = modelDir + "/" + FineTunedModel.weightsFile
    let manifest = FineTunedModel.Manifest(baseModel: modelPath, method: cfg.method, target: cfg.target.rawValue)
    if FileManager.default.fileExists(atPath: out + "/train_log.h5"), FileManager.default.fileExists(atPath: mergedPath),
       let meta = (try? SafetensorsFile(path: mergedPath))?.metadata, meta["config_hash"] == hash, sameInputs(meta) {
        if !FineTunedModel.isFineTunedFolder(modelDir) { try FineTunedModel.writeManifest(manifest, folder: modelDir) }
        print("finetune: \(out) is already complete (same configuration); nothing to do")
        return
    }
    let trainer = try makeTrainer(cfg, modelPath: modelPath)
    if phases { trainer.phaseTimer = PhaseTimer() }
    let betas = cfg.optimizer.betas
    let optimizer = AdamW(beta1: betas[0], beta2: betas[1], eps: cfg.optimizer.eps, weightDecay: cfg.optimizer.weightDecay)
    let peak = Float(cfg.optimizer.lr)
    let schedule = cfg.schedule == "constant"
        ? LinearSchedule(peak: peak, warmupSteps: 0, totalSteps: Int.max / 2)
        : LinearSchedule(peak: peak, warmupSteps: cfg.warmupSteps ?? 0, totalSteps: totalSteps)
    let loop = TrainingLoop(trainer: trainer, optimizer: optimizer, schedule: schedule, maxGradNorm: cfg.gradClip)
    var log = TrainLog()

    // Resume from the last checkpoint of this output folder.
    if try Checkpoint.exists(directory: ckptDir) {
        let meta = try Checkpoint.load(trainer, optimizer: optimizer, directory: ckptDir)
        guard meta["config_hash"] == hash else {
            throw StageError.input(ckptDir, "checkpoint was written by a different configuration (config_hash \(meta["config_hash"] ?? "missing") ≠ \(hash)); use a new --output or delete the folder")
        }
        guard sameInputs(meta) else {
            throw StageError.input(ckptDir, "checkpoint was written for other inputs (the splits or the model changed since); use a new --output or delete the folder")
        }
        guard let data = FileManager.default.contents(atPath: ckptDir + "/log.json"),
              let l = try? JSONDecoder().decode(TrainLog.self, from: data) else {
            throw StageError.input(ckptDir + "/log.json", "missing or unreadable training log of the checkpoint")
        }
        log = l
        log.truncate(steps: loop.stepsDone)
        FileHandle.standardError.write(Data("finetune: resuming \(out) at step \(loop.stepsDone)/\(totalSteps)\n".utf8))
    }
    log.segments = RunSegments.resuming(log.segments, atStep: loop.stepsDone, ctx: ctx)
    print("finetune: \(cfg.method) \(cfg.target.rawValue) on \(data.train.count) contexts (\(units.count) units), "
          + "\(data.validation.count) validation contexts; \(stepsPerEpoch) steps/epoch × \(cfg.epochs) epochs; "
          + "\(trainer.trainableParameters.reduce(0) { $0 + $1.count }) trainable parameters")

    func saveCheckpoint() throws {
        let t = loop.stepsDone
        try Checkpoint.replace(parameters: trainer.trainableParameters, optimizer: optimizer, directory: ckptDir, metadata: [
            "config_hash": hash, "inputs_hash": inputsHash, "step": String(t), "total_steps": String(totalSteps), "epoch": String(t / stepsPerEpoch),
            "batch_in_epoch": String(t % stepsPerEpoch), "seed": String(cfg.seed),
            "data_order": "clozeEpochOrder(\(units.count) units, shuffle: \(shuffleUnit.rawValue), seed: \(cfg.seed), epoch: e)"]) { dir in
            try JSONEncoder().encode(log).write(to: URL(fileURLWithPath: dir + "/log.json"))
        }
    }

    /// The validation loss, kept out of the phase timings (they are per optimiser step).
    func validationLoss() throws -> Double {
        let timer = trainer.phaseTimer
        trainer.phaseTimer = nil
        defer { trainer.phaseTimer = timer }
        return try loop.evaluate(valSeqs)
    }
    if log.valLoss.isEmpty { log.valLoss.append(try validationLoss()) }
    print(String(format: "validation loss before training: %.5f", log.valLoss[0]))
    let bar = ProgressBar(total: totalSteps, label: "finetune", alreadyDone: loop.stepsDone)
    var order: (epoch: Int, perm: [Int]) = (-1, [])
    var lastCheckpointStep = loop.stepsDone
    var lastCheckpointTime = ProcessInfo.processInfo.systemUptime
    let startStep = loop.stepsDone
    var stepSeconds = 0.0      // optimiser steps only (not validation or checkpoint writes)
    var rowsComputed = 0, rowsUnshared = 0   // rows through the model, and without prefix sharing
    /// This process's steps: seconds per step and rows per step (with and without prefix sharing).
    func stepSummary() -> String {
        let timed = Double(max(1, loop.stepsDone - startStep))
        return String(format: "%.2f s/step, %.0f rows per step through the model (%.0f without shared prefixes)",
                      stepSeconds / timed, Double(rowsComputed) / timed, Double(rowsUnshared) / timed)
    }
    /// `--phases`: each phase's seconds per optimiser step and share of the step time.
    func printPhases() {
        guard let timer = trainer.phaseTimer else { return }
        let steps = max(1, loop.stepsDone - startStep)
        timer.summaryLines(steps: steps, secondsPerStep: stepSeconds / Double(steps)).forEach { print($0) }
    }
    while loop.stepsDone < totalSteps {
        let t = loop.stepsDone, epoch = t / stepsPerEpoch, b = t % stepsPerEpoch
        if order.epoch != epoch { order = (epoch, clozeEpochOrder(units, shuffle: shuffleUnit, seed: UInt64(cfg.seed), epoch: epoch)) }
        let batch = order.perm[(b * B)..<min(units.count, (b + 1) * B)].map { units[$0] }
        let seqs = try clozeBatchSequences(batch, items: data.train, mode: data.mode)
        if cfg.injectNanAtStep == t + 1, let p = trainer.trainableParameters.first { p.value[0] = .nan }
        let where_ = "step \(t + 1) (epoch \(epoch + 1), batch \(b + 1) of \(stepsPerEpoch))"
        let keep = "the last good checkpoint (step \(lastCheckpointStep)) is kept in \(ckptDir)"
        let report: StepReport
        let t0 = ProcessInfo.processInfo.systemUptime
        do { report = try loop.step(seqs) } catch {
            throw FineTuneError("training stopped at \(where_): \(error); \(keep)")
        }
        stepSeconds += ProcessInfo.processInfo.systemUptime - t0
        rowsComputed += trainer.lastRunRows
        rowsUnshared += seqs.reduce(0) { $0 + $1.tokens.count }
        guard report.loss.isFinite, report.gradNorm.isFinite else {
            throw FineTuneError("training stopped at \(where_): loss \(report.loss), gradient norm \(report.gradNorm); \(keep)")
        }
        log.loss.append(report.loss); log.gradNorm.append(report.gradNorm); log.lr.append(report.learningRate)
        bar.update(done: report.step, message: String(format: "loss %.4f lr %.2e", report.loss, report.learningRate))
        let epochEnd = b == stepsPerEpoch - 1
        if epochEnd {
            log.valLoss.append(try validationLoss())
            bar.note(String(format: "epoch %d: validation loss %.5f", epoch + 1, log.valLoss.last!))
        }
        let now = ProcessInfo.processInfo.systemUptime
        let due = checkpointMinutes.map { now - lastCheckpointTime >= $0 * 60 } ?? false
        if epochEnd || due || (cfg.checkpointEvery.map { report.step % $0 == 0 } ?? false) {
            try saveCheckpoint()
            lastCheckpointStep = report.step
            lastCheckpointTime = ProcessInfo.processInfo.systemUptime
        }
        if let s = cfg.stopAfterStep, report.step == s, report.step < totalSteps {
            print("finetune: " + stepSummary())
            printPhases()
            throw FineTuneError("stopped after step \(s) (stop_after_step test hook); rerun to resume from step \(lastCheckpointStep)")
        }
    }
    bar.finish()
    for (e, v) in log.valLoss.enumerated().dropFirst() { print(String(format: "validation loss after epoch %d: %.5f", e, v)) }

    // The fine-tuned model folder other stages load with loadModel(path:) / Tokenizer.load(path:).
    // Its manifest is written last, after the weights, the HF export and the training log: it is
    // the file make waits for (<output>/model/finetuned.json), so a run killed while it writes the
    // others is not taken as finished (a rerun resumes from the last checkpoint and writes them).
    // The weights are renamed into place by their writer (SafetensorsWriter).
    try FileManager.default.createDirectory(atPath: modelDir, withIntermediateDirectories: true)
    try? FileManager.default.removeItem(atPath: modelDir + "/" + FineTunedModel.manifestFile)
    try Checkpoint.saveMergedModel(trainer, path: mergedPath, metadata: ["base_model": modelPath, "config_hash": hash, "inputs_hash": inputsHash])
    let hfDType = cfg.hfExport ?? "bf16"
    if hfDType != "none" {
        let merged = try SafetensorsFile(path: mergedPath)
        try HFExport.write(merged: merged, config: trainer.config, to: out + "/hf", dtype: hfDType == "f32" ? .f32 : .bf16)
    }

    try ctx.writeArtifact(to: out + "/train_log.h5") { w in
        try w.setAttribute("model", .string(modelPath))
        try w.setAttribute("method", .string(cfg.method))
        try w.setAttribute("target", .string(cfg.target.rawValue))
        try w.setAttribute("loss_mode", .string(data.mode.rawValue))
        try w.setAttribute("steps_per_epoch", .int(stepsPerEpoch))
        try w.setAttribute("train_units", .int(units.count))
        try w.setAttribute("train_contexts", .int(data.train.count))
        try w.setAttribute("validation_contexts", .int(data.validation.count))
        try w.write(log.loss, shape: [log.loss.count], at: "step/loss")
        try w.write(log.gradNorm.map(Double.init), shape: [log.gradNorm.count], at: "step/grad_norm")
        try w.write(log.lr.map(Double.init), shape: [log.lr.count], at: "step/lr")
        try w.write(log.valLoss, shape: [log.valLoss.count], at: "epoch/val_loss")
        try log.segments?.write(to: w)
    }
    try FineTunedModel.writeManifest(manifest, folder: modelDir)
    if !(cfg.keepCheckpoint ?? false) { try? FileManager.default.removeItem(atPath: ckptDir) }
    print("finetune: \(loop.stepsDone) steps, " + stepSummary() + String(format: ", peak RSS %.0f MB", peakRSSMegabytes())
          + " → \(modelDir)")
    printPhases()
}
