import Foundation

/// Paper A's experiment file (`pipeline/paperA.yaml`): the datasets, which of our models plays
/// which of the paper's Llama models, the test-set sizes and the demonstrations. `prepare-splits
/// experiment` turns it into the Make variables of the paper A rules ($(ART)/paperA.mk).
public struct PaperAExperiment: Codable, Equatable, Sendable {
    public var paper: String
    /// Seed of every draw (test sets, demonstrations, breakdown demonstrations, bootstrap).
    public var seed: Int
    public var shots: Int
    public var mainTestSize: Int
    public var multilabelTestSize: Int
    /// Training items of the linear probes, a seeded sample of each dataset's training pool.
    public var probeTrainSize: Int
    public var datasets: [Dataset]
    public var models: [Model]
    /// The supervised BERT baseline of Tables 1/5 (appendix A.5), one per alignment dataset; nil: none.
    public var supervised: Supervised?

    public struct Supervised: Codable, Equatable, Sendable {
        /// Hugging Face BERT folder.
        public var model: String
        /// `finetune demux` config (pipeline/finetune/paperA-demux.yaml).
        public var config: String
    }

    public struct Dataset: Codable, Equatable, Sendable {
        /// `prepare-splits labels --dataset` name, also the artifact folder.
        public var key: String
        /// Folder under data/raw (the ../shared/datasets layout).
        public var dir: String
        /// Whether the distribution-alignment methods (§5, Tables 1 and 5) run on it; §4's step
        /// analysis runs on every dataset.
        public var alignment: Bool
    }

    public struct Model: Codable, Equatable, Sendable {
        public var key: String
        public var file: String
        public var label: String
        /// plain (base models) or chat (instruct models).
        public var prompt: String
        /// Paper A table of this model's alignment numbers ("1": Llama3 70B's role, "5": 8B's), or
        /// "none" for a model run for §4 only.
        public var table: String
    }

    enum CodingKeys: String, CodingKey {
        case paper, seed, shots, datasets, models, supervised
        case mainTestSize = "main_test_size", multilabelTestSize = "multilabel_test_size", probeTrainSize = "probe_train_size"
    }

    public static let knownDatasets = ["semeval", "goemotions", "mfrc", "hs-brexit", "md-agreement", "boxes"]
    /// Generated datasets (no folder: `dir: generated`).
    public static let generatedDatasets: Set<String> = ["boxes"]
    /// Single-label datasets: distribution alignment only (no §4 step analysis, no probes).
    public static let singleLabelDatasets: Set<String> = ["hs-brexit", "md-agreement"]

    public static func load(_ path: String) throws -> LoadedConfig<PaperAExperiment> {
        let loaded = try loadConfig(PaperAExperiment.self, from: path)
        try loaded.value.validate(file: path)
        return loaded
    }

    public func validate(file: String) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, keyPath: key, message) }
        let plain = "^[A-Za-z0-9_.-]+$"
        guard paper == "A" else { throw fail("paper", "expected A, found '\(paper)'") }
        guard seed >= 0 && seed <= Int(UInt32.max) else { throw fail("seed", "must be in 0...\(UInt32.max)") }
        guard shots >= 0 else { throw fail("shots", "must be ≥ 0") }
        guard mainTestSize >= 1 else { throw fail("main_test_size", "must be at least 1") }
        guard multilabelTestSize >= 0 else { throw fail("multilabel_test_size", "must be ≥ 0") }
        guard probeTrainSize >= 2 else { throw fail("probe_train_size", "must be at least 2") }
        guard !datasets.isEmpty else { throw fail("datasets", "at least one dataset is needed") }
        for (i, d) in datasets.enumerated() {
            guard Self.knownDatasets.contains(d.key) else {
                throw fail("datasets[\(i)].key", "expected one of \(Self.knownDatasets.joined(separator: ", ")), found '\(d.key)'")
            }
            guard d.dir.range(of: plain, options: .regularExpression) != nil else { throw fail("datasets[\(i)].dir", "'\(d.dir)' must be a folder name") }
            guard (d.dir == "generated") == Self.generatedDatasets.contains(d.key) else {
                throw fail("datasets[\(i)].dir", Self.generatedDatasets.contains(d.key) ? "\(d.key) is generated: dir must be generated"
                                                                                      : "generated is only for \(Self.generatedDatasets.sorted().joined(separator: ", "))")
            }
            if Self.generatedDatasets.contains(d.key) && d.alignment {
                throw fail("datasets[\(i)].alignment", "\(d.key) has no annotators: paper A uses it for §4 only")
            }
        }
        guard Set(datasets.map(\.key)).count == datasets.count else { throw fail("datasets", "a dataset is listed twice") }
        for (i, d) in datasets.enumerated() where Self.singleLabelDatasets.contains(d.key) && !d.alignment {
            throw fail("datasets[\(i)].alignment", "\(d.key) is single-label: paper A uses it for distribution alignment only")
        }
        guard !models.isEmpty else { throw fail("models", "at least one model is needed") }
        var tables: [String: String] = [:]
        for (i, m) in models.enumerated() {
            let at = "models[\(i)]"
            guard m.key.range(of: plain, options: .regularExpression) != nil else { throw fail("\(at).key", "'\(m.key)' must be a plain folder name") }
            guard !m.label.isEmpty, !m.label.contains("\"") else { throw fail("\(at).label", "must be non-empty, without quotes") }
            guard ["plain", "chat"].contains(m.prompt) else { throw fail("\(at).prompt", "expected plain or chat, found '\(m.prompt)'") }
            guard ["1", "5", "none"].contains(m.table) else { throw fail("\(at).table", "expected 1, 5 or none, found '\(m.table)'") }
            if m.table != "none", let other = tables[m.table] {
                throw fail("\(at).table", "table \(m.table) already holds \(other)'s numbers (one model per table)")
            }
            tables[m.table] = m.label
        }
        guard Set(models.map(\.key)).count == models.count else { throw fail("models", "two models share a key") }
        if let s = supervised {
            guard !s.model.isEmpty, !s.model.contains(" ") else { throw fail("supervised.model", "must be a path without spaces") }
            guard s.config.hasSuffix(".yaml") || s.config.hasSuffix(".yml") || s.config.hasSuffix(".json"), !s.config.contains(" ") else {
                throw fail("supervised.config", "must be a YAML or JSON file path without spaces")
            }
            guard models.contains(where: { $0.table != "none" }) else {
                throw fail("supervised", "its rows go into the tables of the models (1, 5): no model has a table")
            }
        }
    }

    /// The Make variables of the paper A rules.
    public func makeVariables(source: String) -> String {
        var lines: [(String, String)] = [
            ("A_SEED", String(seed)), ("A_SHOTS", String(shots)), ("A_MAIN_SIZE", String(mainTestSize)),
            ("A_MULTI_SIZE", String(multilabelTestSize)), ("A_PROBE_TRAIN", String(probeTrainSize)),
            ("A_DATASETS", datasets.map(\.key).joined(separator: " ")),
            ("A_ALIGN_DATASETS", datasets.filter(\.alignment).map(\.key).joined(separator: " ")),
            ("A_MULTI_DATASETS", datasets.filter { !Self.singleLabelDatasets.contains($0.key) }.map(\.key).joined(separator: " ")),
            // Table 2's probes: the multi-label datasets with annotations (not the generated Boxes).
            ("A_PROBE_DATASETS", datasets.filter { !Self.singleLabelDatasets.contains($0.key) && !Self.generatedDatasets.contains($0.key) }
                .map(\.key).joined(separator: " ")),
            ("A_MODELS", models.map(\.key).joined(separator: " ")),
            ("A_ALIGN_MODELS", models.filter { $0.table != "none" }.map(\.key).joined(separator: " ")),
        ]
        // The BERT rows go into every alignment table in use (the paper prints the same ones in 1 and 5).
        lines += [("A_BERT_FILE", supervised?.model ?? ""), ("A_BERT_CONFIG", supervised?.config ?? ""),
                  ("A_BERT_TABLES", Array(Set(models.map(\.table)).subtracting(["none"])).sorted().joined(separator: ","))]
        for d in datasets { lines.append(("A_DIR_\(d.key)", d.dir)) }
        for m in models {
            lines += [("A_FILE_\(m.key)", m.file), ("A_LABEL_\(m.key)", m.label), ("A_PROMPT_\(m.key)", m.prompt),
                      ("A_TABLE_\(m.key)", m.table)]
        }
        var out = "# Generated from \(source) by `prepare-splits experiment`; edit that file, not this one.\n"
        for (k, v) in lines { out += "\(k) = \(v)\n" }
        return out
    }
}
