import Artifacts
import Foundation
import StageKit

/// `pipeline/finetune/paperA-demux.yaml`: paper A's supervised BERT baseline (appendix A.5, Demux).
struct DemuxConfig: Codable, Equatable {
    /// Hugging Face BERT folder (config.json, model.safetensors, tokenizer.json).
    var model: String
    /// `prepare-splits labels` artifact.
    var splits: String
    /// Output folder: checkpoint/, best.safetensors, predictions.h5.
    var output: String
    /// Training items: the first N of a seeded permutation of the splits' training pool (0: all of it).
    var trainSize: Int
    /// Early-stopping items: the next N of the same permutation.
    var validationSize: Int
    /// Longest input in tokens, specials included (the text is cut to fit after the label prompt).
    var maxLength: Int
    /// `majority` (the paper's code: 0/1 labels, a label is on when at least half chose it; single-label:
    /// the most chosen label) or `proportions` (the annotators' shares as soft targets, multi-label only).
    var targets: String
    /// Demux's intra-example correlation loss coefficient (multi-label only; 0 = off).
    var intraLossCoef: Double
    /// Hidden dropout of the encoder and dropout before the head's last layer.
    var dropout: Float
    var optimizer: FineTuneConfig.OptimizerSettings
    var batchSize: Int
    /// At most this many epochs.
    var epochs: Int
    /// Stop after this many epochs without a lower validation loss (the best epoch's weights are used).
    var patience: Int
    var gradClip: Float?
    /// Linear warm-up over this share of all steps, then linear decay to 0.
    var warmupRatio: Double?
    var seed: Int
    /// Quick runs: only the first N training, validation and test items.
    var limitItems: Int?
    /// Test hook: stop with an error after this epoch's checkpoint, as if the run were killed.
    var stopAfterEpoch: Int?

    enum CodingKeys: String, CodingKey {
        case model, splits, output, targets, dropout, optimizer, epochs, patience, seed
        case trainSize = "train_size", validationSize = "validation_size", maxLength = "max_length"
        case intraLossCoef = "intra_loss_coef", batchSize = "batch_size", gradClip = "grad_clip"
        case warmupRatio = "warmup_ratio", limitItems = "limit_items", stopAfterEpoch = "stop_after_epoch"
    }

    func validate(file: String) throws {
        func bad(_ key: String, _ m: String) -> ConfigError { ConfigError(file: file, keyPath: key, m) }
        guard trainSize >= 0 else { throw bad("train_size", "must be ≥ 0 (0: the whole training pool)") }
        guard validationSize >= 1 else { throw bad("validation_size", "must be at least 1 (early stopping needs items)") }
        guard maxLength >= 16 && maxLength <= 512 else { throw bad("max_length", "must be in 16...512") }
        guard targets == "majority" || targets == "proportions" else { throw bad("targets", "expected majority or proportions, got '\(targets)'") }
        guard intraLossCoef >= 0 && intraLossCoef.isFinite else { throw bad("intra_loss_coef", "must be ≥ 0") }
        guard dropout >= 0 && dropout < 1 else { throw bad("dropout", "must be in [0, 1)") }
        guard optimizer.betas.count == 2 else { throw bad("optimizer.betas", "expected two values") }
        guard optimizer.lr > 0, optimizer.eps > 0, optimizer.weightDecay >= 0 else { throw bad("optimizer", "lr and eps must be positive, weight_decay non-negative") }
        guard batchSize > 0 else { throw bad("batch_size", "must be positive") }
        guard epochs > 0 else { throw bad("epochs", "must be positive") }
        guard patience > 0 else { throw bad("patience", "must be positive") }
        if let g = gradClip, !(g > 0) { throw bad("grad_clip", "must be positive") }
        if let w = warmupRatio, !(w >= 0 && w < 1) { throw bad("warmup_ratio", "must be in [0, 1)") }
        if let l = limitItems, l <= 0 { throw bad("limit_items", "must be positive") }
        guard seed >= 0 && seed <= Int(UInt32.max) else { throw bad("seed", "must be in 0...\(UInt32.max)") }
    }

    /// Hash of everything that determines the trained weights (not the output folder): a resume
    /// refuses a checkpoint written under another configuration.
    var trainingHash: String {
        var c = self
        c.output = ""; c.stopAfterEpoch = nil
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return SHA256.hexDigest(String(decoding: (try? enc.encode(c)) ?? Data(), as: UTF8.self))
    }
}
