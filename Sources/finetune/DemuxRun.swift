import ArgumentParser
import Artifacts
import Foundation
import ModelIO
import Numerics
import StageKit
import Tokenizers
import Training

/// `finetune demux`: paper A's supervised BERT baseline.
struct Demux: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demux",
        abstract: "Paper A: fine-tune a BERT encoder with Demux's head on a label dataset and predict its main test set.",
        discussion: """
            Appendix A.5's "Supervised BERT" (Demux, Chochlakis et al. 2023): the input is the pair \
            (label names joined by ", ", text); each label's logit comes from the mean of its tokens' final \
            hidden states through one shared Linear–tanh–dropout–Linear head. Multi-label datasets train \
            with binary cross-entropy plus intra_loss_coef × Demux's intra-example correlation loss, \
            single-label datasets with cross-entropy over the labels (the paper's code). The encoder is \
            fine-tuned in full with AdamW. Training and early-stopping items come from one NumPy \
            RandomState(seed) permutation of the splits' training pool (validation first); after each epoch \
            the classification loss on the validation items decides the best epoch, and training stops after \
            `patience` epochs without improvement. The best epoch's weights predict the main test set.

            Writes <output>/predictions.h5 (see `evaluate supervised`), <output>/best.safetensors and, while \
            running, <output>/checkpoint/ (each epoch; a rerun resumes from it).

            Not implemented: dropout on the attention probabilities (BERT's attention_probs_dropout_prob).

            Example: finetune demux --config pipeline/finetune/paperA-demux.yaml --splits A/mfrc/splits.h5 --output A/mfrc/bert
            """)
    @Option(help: "YAML/JSON run config (pipeline/finetune/paperA-demux.yaml).") var config: String
    @Option(help: "Override the config's seed.") var seed: Int?
    @Option(help: "Override the splits artifact.") var splits: String?
    @Option(help: "Override the encoder folder.") var model: String?
    @Option(help: "Override the output folder.") var output: String?
    @Option(help: "Override the maximum number of epochs.") var epochs: Int?
    @Option(name: .customLong("limit"), help: "Only the first N training, validation and test items (quick runs).") var limit: Int?

    func run() throws {
        let ctx = StageContext(stage: "finetune")
        var cfg = try ctx.loadConfig(DemuxConfig.self, from: config)
        if let seed { cfg.seed = seed }
        if let splits { cfg.splits = splits }
        if let model { cfg.model = model }
        if let output { cfg.output = output }
        if let epochs { cfg.epochs = epochs }
        if let limit { cfg.limitItems = limit }
        try cfg.validate(file: config)
        ctx.seed = cfg.seed
        try runDemux(cfg, ctx: ctx)
    }
}

/// What a checkpoint remembers besides the weights, so a resumed run ends as an uninterrupted one.
struct DemuxLog: Codable, Equatable {
    var valLoss: [Double] = []
    var trainLoss: [Double] = []
    var bestEpoch = 0
    var stopped: String?
    /// The invocations that made the run (nil in checkpoints written before they were recorded).
    var segments: RunSegments?
}

/// The run's items and their encodings.
struct DemuxData {
    var train: [Int], validation: [Int], test: [Int]
    var examples: [Int: DemuxExample]
    var targets: [Int: [Double]]
}

func buildDemuxData(_ cfg: DemuxConfig, splits: LabelTaskSplits, splitsPath: String, input: DemuxInput, tokenizer: Tokenizer) throws -> DemuxData {
    let ds = splits.dataset
    if cfg.targets == "proportions" && !ds.multiLabel {
        throw StageError.usage("targets: proportions is for multi-label datasets; \(ds.name) is single-label (use majority)")
    }
    var rng = NumpyRandomState(seed: UInt32(cfg.seed))
    let order = rng.permutation(splits.train.count).map { splits.train[$0] }
    guard order.count > cfg.validationSize else {
        throw StageError.input(splitsPath, "the training pool has \(order.count) items, validation_size is \(cfg.validationSize)")
    }
    var validation = Array(order.prefix(cfg.validationSize))
    let rest = order.dropFirst(cfg.validationSize)
    var train = cfg.trainSize == 0 ? Array(rest) : Array(rest.prefix(cfg.trainSize))
    var test = splits.mainTest
    if let n = cfg.limitItems { train = Array(train.prefix(n)); validation = Array(validation.prefix(n)); test = Array(test.prefix(n)) }
    guard !train.isEmpty, !test.isEmpty else { throw StageError.input(splitsPath, "no training or no test items") }
    var examples: [Int: DemuxExample] = [:], targets: [Int: [Double]] = [:]
    for i in train + validation + test {
        let e = input.encode(ds.items[i].text, tokenizer: tokenizer)
        examples[i] = DemuxExample(tokens: e.tokens, types: e.types)
        let p = ds.items[i].proportions
        targets[i] = cfg.targets == "proportions" || !ds.multiLabel ? p : p.map { $0 >= 0.5 ? 1 : 0 }
    }
    return DemuxData(train: train, validation: validation, test: test, examples: examples, targets: targets)
}

func runDemux(_ cfg: DemuxConfig, ctx: StageContext) throws {
    let out = cfg.output, ckptDir = out + "/checkpoint", bestPath = out + "/best.safetensors", predPath = out + "/predictions.h5"
    try ctx.addInput(cfg.splits)
    for f in ["config.json", "model.safetensors", "tokenizer.json"] where FileManager.default.fileExists(atPath: cfg.model + "/" + f) {
        try ctx.addInput(cfg.model + "/" + f)
    }
    // What determines the result: the configuration and the bytes of the splits and the encoder
    // (a splits file made again with other items must not count as done, nor resume a checkpoint).
    let hash = SHA256.hexDigest(cfg.trainingHash + "\n" + ctx.inputHashes.values.sorted().joined(separator: "\n"))
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    if let r = try? ArtifactReader(path: predPath) {
        defer { r.close() }
        if case .string(let h)? = try? r.attribute("config_hash"), h == hash {
            print("finetune demux: \(predPath) is already complete (same configuration); nothing to do")
            return
        }
    }
    let splits = try LabelTaskSplits.read(path: cfg.splits)
    let ds = splits.dataset
    let tokenizer = try Tokenizer.load(path: cfg.model)
    let encoder = try BertEncoder(directory: cfg.model)
    encoder.hiddenDropout = cfg.dropout
    let input = try DemuxInput(labels: ds.labels, tokenizer: tokenizer, maxLength: cfg.maxLength)
    let clf = try DemuxClassifier(encoder: encoder, head: try DemuxHead(hidden: encoder.config.hiddenSize, dropout: cfg.dropout, seed: UInt64(cfg.seed)),
                                  input: input, multiLabel: ds.multiLabel)
    let data = try buildDemuxData(cfg, splits: splits, splitsPath: cfg.splits, input: input, tokenizer: tokenizer)
    let params = clf.parameters
    let B = cfg.batchSize
    let stepsPerEpoch = (data.train.count + B - 1) / B
    let totalSteps = stepsPerEpoch * cfg.epochs
    let betas = cfg.optimizer.betas
    let optimizer = AdamW(beta1: betas[0], beta2: betas[1], eps: cfg.optimizer.eps, weightDecay: cfg.optimizer.weightDecay)
    let warmup = Int((cfg.warmupRatio ?? 0) * Double(totalSteps))
    let schedule = LinearSchedule(peak: Float(cfg.optimizer.lr), warmupSteps: warmup, totalSteps: totalSteps)
    var log = DemuxLog()

    /// Mean classification loss (no dropout, no intra term) of items, 32 per forward.
    func loss(of items: [Int]) throws -> Double {
        var total = 0.0
        for start in stride(from: 0, to: items.count, by: 32) {
            let chunk = Array(items[start..<min(start + 32, items.count)])
            let z = try clf.logits(chunk.map { data.examples[$0]! }, training: false)
            total += try clf.loss(logits: z, targets: chunk.map { data.targets[$0]! }, intraCoefficient: 0).loss * Double(chunk.count)
        }
        return total / Double(items.count)
    }
    func saveCheckpoint() throws {
        try Checkpoint.replace(parameters: params, optimizer: optimizer, directory: ckptDir,
                               metadata: ["config_hash": hash, "step": String(optimizer.t), "total_steps": String(totalSteps), "seed": String(cfg.seed)]) { dir in
            try JSONEncoder().encode(log).write(to: URL(fileURLWithPath: dir + "/log.json"))
        }
    }

    if try Checkpoint.exists(directory: ckptDir) {
        let meta = try Checkpoint.load(parameters: params, optimizer: optimizer, directory: ckptDir)
        guard meta["config_hash"] == hash else {
            throw StageError.input(ckptDir, "checkpoint was written by a different configuration (config_hash \(meta["config_hash"] ?? "missing") ≠ \(hash)); use a new --output or delete the folder")
        }
        guard let d = FileManager.default.contents(atPath: ckptDir + "/log.json"), let l = try? JSONDecoder().decode(DemuxLog.self, from: d) else {
            throw StageError.input(ckptDir + "/log.json", "missing or unreadable training log of the checkpoint")
        }
        log = l
        FileHandle.standardError.write(Data("finetune demux: resuming \(out) after epoch \(optimizer.t / stepsPerEpoch)\n".utf8))
    }
    log.segments = RunSegments.resuming(log.segments, atStep: optimizer.t, ctx: ctx)
    print("finetune demux: \(ds.name), \(data.train.count) training / \(data.validation.count) validation / \(data.test.count) test items, "
          + "\(ds.labels.count) labels (\(ds.multiLabel ? "multi" : "single")-label), \(stepsPerEpoch) steps/epoch × at most \(cfg.epochs) epochs, "
          + "\(params.reduce(0) { $0 + $1.count }) parameters")
    if log.valLoss.isEmpty {
        log.valLoss.append(try loss(of: data.validation))
        try Checkpoint.saveWeights(params, to: bestPath, metadata: ["config_hash": hash, "epoch": "0"])
    }
    print(String(format: "validation loss before training: %.5f", log.valLoss[0]))
    let bar = ProgressBar(total: totalSteps, label: "demux", alreadyDone: optimizer.t)
    var epochLoss = 0.0, epochSteps = 0
    let t0 = ProcessInfo.processInfo.systemUptime, startStep = optimizer.t
    var order: (epoch: Int, perm: [Int]) = (-1, [])
    while log.stopped == nil && optimizer.t < totalSteps {
        let t = optimizer.t, epoch = t / stepsPerEpoch, b = t % stepsPerEpoch
        // The epoch's data order, drawn once per epoch rather than at every step.
        if order.epoch != epoch { order = (epoch, epochOrder(count: data.train.count, seed: UInt64(cfg.seed), epoch: epoch)) }
        let batch = order.perm[(b * B)..<min(data.train.count, (b + 1) * B)].map { data.train[$0] }
        zeroGrads(params)
        let z = try clf.logits(batch.map { data.examples[$0]! }, training: true, dropoutSeed: UInt64(t + 1))
        let (l, dz) = try clf.loss(logits: z, targets: batch.map { data.targets[$0]! }, intraCoefficient: ds.multiLabel ? cfg.intraLossCoef : 0)
        try clf.backward(dLogits: dz)
        let norm = globalGradNorm(params)
        guard l.isFinite, norm.isFinite else {
            throw FineTuneError("demux training stopped at step \(t + 1) (epoch \(epoch + 1)): loss \(l), gradient norm \(norm); the last epoch's checkpoint is kept in \(ckptDir)")
        }
        try optimizer.step(params, lr: schedule.lr(step: t), gradScale: cfg.gradClip.map { clipCoefficient(norm: norm, maxNorm: $0) } ?? 1)
        epochLoss += l; epochSteps += 1
        bar.update(done: optimizer.t, message: String(format: "loss %.4f", l))
        if b == stepsPerEpoch - 1 {
            log.trainLoss.append(epochLoss / Double(max(1, epochSteps)))
            epochLoss = 0; epochSteps = 0
            let v = try loss(of: data.validation)
            log.valLoss.append(v)
            if v < log.valLoss[log.bestEpoch] {
                log.bestEpoch = epoch + 1
                try Checkpoint.saveWeights(params, to: bestPath, metadata: ["config_hash": hash, "epoch": String(epoch + 1)])
            } else if epoch + 1 - log.bestEpoch >= cfg.patience {
                log.stopped = "early stopping: no lower validation loss for \(cfg.patience) epochs after epoch \(log.bestEpoch)"
            }
            bar.note(String(format: "epoch %d: train loss %.5f, validation loss %.5f (best epoch %d)", epoch + 1, log.trainLoss.last!, v, log.bestEpoch))
            try saveCheckpoint()
            if cfg.stopAfterEpoch == epoch + 1 && log.stopped == nil && optimizer.t < totalSteps {
                throw FineTuneError("stopped after epoch \(epoch + 1) (stop_after_epoch test hook); rerun to resume from \(ckptDir)")
            }
        }
    }
    bar.finish()
    if log.stopped == nil { log.stopped = "epoch limit (\(cfg.epochs))" }
    for (e, v) in log.valLoss.enumerated().dropFirst() { print(String(format: "epoch %d: train loss %.5f, validation loss %.5f", e, log.trainLoss[e - 1], v)) }
    let steps = optimizer.t - startStep
    if steps > 0 { print(String(format: "finetune demux: %.2f s per step of %d items", (ProcessInfo.processInfo.systemUptime - t0) / Double(steps), B)) }
    print("finetune demux: \(log.stopped!); predicting with the weights of epoch \(log.bestEpoch)")

    try Checkpoint.loadWeights(params, from: bestPath)
    var probabilities: [[Double]] = []
    for start in stride(from: 0, to: data.test.count, by: 32) {
        let chunk = Array(data.test[start..<min(start + 32, data.test.count)])
        probabilities += clf.probabilities(logits: try clf.logits(chunk.map { data.examples[$0]! }, training: false))
    }
    let result = SupervisedPredictions(
        labels: ds.labels, testItems: data.test, probabilities: probabilities, human: data.test.map { ds.items[$0].proportions },
        trainItems: data.train, validationItems: data.validation, valLoss: log.valLoss, trainLoss: log.trainLoss,
        attributes: ["dataset": ds.name, "multi_label": ds.multiLabel ? "true" : "false", "model": cfg.model,
                     "best_epoch": String(log.bestEpoch), "epochs_run": String(log.trainLoss.count), "stopped": log.stopped!,
                     "config_hash": hash])
    try ctx.writeArtifact(to: predPath) { w in
        try result.write(to: w)
        try log.segments?.write(to: w)
    }
    try? FileManager.default.removeItem(atPath: ckptDir)
    print("\(predPath): \(data.test.count) test items")
}
