import Foundation
import XCTest
import ModelIO
import Training
import Models

final class CheckpointTests: XCTestCase {
    private var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "training-ckpt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func makeTrainer() throws -> DecoderTrainer {
        let w = try DecoderWeights.random(config: DecoderTrainerTests.tinyGemma(), seed: 6, scale: 0.4, trainable: false)
        return try DecoderTrainer(weights: w, loraConfig: try LoRAConfig(rank: 2, alpha: 4, dropout: 0.05, seed: 11))
    }

    private let batch = TreeBatch(packing: [try! TreeBatch(context: [1, 2, 3], words: [[4, 5], [6]], weights: [0.7, 0.3])])

    private func step(_ tr: DecoderTrainer, _ opt: AdamW, _ s: Int) throws {
        _ = try tr.run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask, targets: batch.targets,
                       dropoutKey: UInt64(s))
        try opt.step(tr.trainableParameters, lr: 0.01)
        zeroGrads(tr.trainableParameters)
    }

    /// 6 steps straight equal 3 steps, save, load into a fresh trainer and optimiser, 3 more steps.
    func testResumeIsBitIdentical() throws {
        let a = try makeTrainer(), optA = AdamW(weightDecay: 0.01)
        for s in 0..<6 { try step(a, optA, s) }

        let b = try makeTrainer(), optB = AdamW(weightDecay: 0.01)
        for s in 0..<3 { try step(b, optB, s) }
        try Checkpoint.save(b, optimizer: optB, directory: dir, metadata: ["next_step": "3"])
        let c = try makeTrainer(), optC = AdamW(weightDecay: 0.01)
        let meta = try Checkpoint.load(c, optimizer: optC, directory: dir)
        XCTAssertEqual(meta["next_step"], "3")
        XCTAssertEqual(optC.t, 3)
        for s in 3..<6 { try step(c, optC, s) }
        XCTAssertEqual(a.trainableParameters.flatMap(\.values), c.trainableParameters.flatMap(\.values))
    }

    func testMergedModelGivesTheAdaptedOutputs() throws {
        let tr = try makeTrainer(), opt = AdamW()
        for s in 0..<3 { try step(tr, opt, s) }
        let path = dir + ".merged.safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Checkpoint.saveMergedModel(tr, path: path)
        // Reload through the runtime's loader (GGUF tensor names) as plain weights without adapters,
        // and compare the eval-mode outputs.
        let model = try loadModel(weights: try SafetensorsFile(path: path), config: tr.config, naming: .gguf)
        let merged = try DecoderTrainer(weights: try DecoderWeights(model: model, trainable: false))
        let lp1 = try tr.run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask, targets: batch.targets, backward: false)
        let lp2 = try merged.run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask, targets: batch.targets, backward: false)
        for (x, y) in zip(lp1, lp2) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        XCTAssertNotEqual(lp1, try makeTrainer().run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask,
                                                     targets: batch.targets, backward: false), "training changed the model")
    }

    /// GPT-2 after full fine-tuning steps: the merged file (wpe, LayerNorm biases, q/k/v fused back
    /// into attn_qkv) loads in the runtime and gives the trainer's log-probs.
    func testMergedGPT2LoadsInRuntimeWithTheTrainedOutputs() throws {
        let tr = try DecoderTrainer(weights: try DecoderWeights.random(config: DecoderTrainerTests.tinyGPT2(), seed: 5, scale: 0.4))
        let opt = AdamW()
        for s in 0..<3 { try step(tr, opt, s) }
        let path = dir + ".gpt2.safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.saveMergedModel(tr, path: path)
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(try file.shape(of: "blk.1.attn_qkv.weight"), [24, 8])
        XCTAssertFalse(file.has("blk.0.attn_q.weight"))
        let model = try loadModel(weights: file, config: tr.config, naming: .gguf)
        let reloaded = try DecoderTrainer(weights: try DecoderWeights(model: model, trainable: false))
        let lp1 = try tr.run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask, targets: batch.targets, backward: false)
        let lp2 = try reloaded.run(tokens: batch.tokens, positions: batch.positions, mask: batch.mask, targets: batch.targets, backward: false)
        XCTAssertEqual(lp1.count, lp2.count)
        for (x, y) in zip(lp1, lp2) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(reloaded.weights.positionEmbedding?.values, tr.weights.positionEmbedding?.values)
    }

    func testLoadReportsMissingFiles() throws {
        XCTAssertThrowsError(try Checkpoint.load(try makeTrainer(), optimizer: AdamW(), directory: dir + "-absent")) {
            XCTAssertTrue("\($0)".contains("trainable.safetensors"), "\($0)")
        }
    }

    /// `replace` puts a whole new checkpoint (with the caller's extra files) in place of the old one and
    /// leaves no temp folder; the weights alone round-trip through saveWeights / loadWeights.
    func testReplaceAndWeightsFiles() throws {
        let tr = try makeTrainer(), opt = AdamW(weightDecay: 0.01)
        try step(tr, opt, 0)
        try Checkpoint.replace(parameters: tr.trainableParameters, optimizer: opt, directory: dir, metadata: ["step": "1"]) {
            try Data("first".utf8).write(to: URL(fileURLWithPath: $0 + "/log.json"))
        }
        try step(tr, opt, 1)
        try Checkpoint.replace(parameters: tr.trainableParameters, optimizer: opt, directory: dir, metadata: ["step": "2"]) {
            try Data("second".utf8).write(to: URL(fileURLWithPath: $0 + "/log.json"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + ".tmp"))
        XCTAssertEqual(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/log.json")), as: UTF8.self), "second")
        let back = try makeTrainer(), optBack = AdamW(weightDecay: 0.01)
        XCTAssertEqual(try Checkpoint.load(back, optimizer: optBack, directory: dir)["step"], "2")
        XCTAssertEqual(optBack.t, 2)
        XCTAssertEqual(back.trainableParameters.flatMap(\.values), tr.trainableParameters.flatMap(\.values))
        // A kill between replace's two renames (the old one moved aside, the new one not yet in
        // place): the old one is put back. After them (both there): the old one is dropped.
        let fm = FileManager.default
        try fm.moveItem(atPath: dir, toPath: dir + ".old")
        XCTAssertTrue(try Checkpoint.exists(directory: dir))
        XCTAssertEqual(try Checkpoint.load(makeTrainer(), optimizer: AdamW(weightDecay: 0.01), directory: dir)["step"], "2")
        try fm.copyItem(atPath: dir, toPath: dir + ".old")
        XCTAssertTrue(try Checkpoint.exists(directory: dir))
        XCTAssertFalse(fm.fileExists(atPath: dir + ".old"))
        XCTAssertFalse(try Checkpoint.exists(directory: dir + "-none"))

        let path = dir + "/best.safetensors"
        try Checkpoint.saveWeights(tr.trainableParameters, to: path, metadata: ["epoch": "3"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
        let fresh = try makeTrainer()
        XCTAssertNotEqual(fresh.trainableParameters.flatMap(\.values), tr.trainableParameters.flatMap(\.values))
        XCTAssertEqual(try Checkpoint.loadWeights(fresh.trainableParameters, from: path)["epoch"], "3")
        XCTAssertEqual(fresh.trainableParameters.flatMap(\.values), tr.trainableParameters.flatMap(\.values))
        // A file without one of the parameters is refused, naming the tensor.
        try Checkpoint.saveWeights(Array(tr.trainableParameters.dropFirst()), to: path)
        XCTAssertThrowsError(try Checkpoint.loadWeights(fresh.trainableParameters, from: path)) {
            XCTAssertTrue("\($0)".contains(tr.trainableParameters[0].name), "\($0)")
        }
    }
}
