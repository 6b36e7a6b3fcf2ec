import Artifacts
import Foundation
import StageKit

/// One samples artifact of a (model, variant) with the seed it stands for.
struct SampleRun {
    let path: String
    let seed: Int
    let samples: SamplesArtifact
}

/// Reads the samples artifacts of one (model, variant), one per seed, and checks that they belong
/// together: same model label, variant, split, sample count and contexts (errors name the file).
///
/// The seed of each file is `seeds[i]` when given, else the file's provenance `seed` attribute
/// (written by `infer sample`); a file with neither is an error, as are repeated seeds.
func readSampleRuns(_ paths: [String], seeds: [Int], option: String) throws -> [SampleRun] {
    guard !paths.isEmpty else { throw StageError.usage("\(option) needs at least one samples artifact") }
    guard seeds.isEmpty || seeds.count == paths.count else {
        throw StageError.usage("\(option): \(paths.count) files but \(seeds.count) seeds")
    }
    var runs: [SampleRun] = []
    for (i, path) in paths.enumerated() {
        let r = try ArtifactReader(path: path)
        defer { r.close() }
        let s = try SamplesArtifact.read(from: r)
        let seed: Int
        if !seeds.isEmpty {
            seed = seeds[i]
        } else if r.hasAttribute("seed") {
            seed = try r.intAttribute("seed")
        } else {
            throw StageError.input(path, "no provenance 'seed' attribute; give the seeds of \(option) explicitly")
        }
        guard s.nSamples >= 1 else { throw StageError.input(path, "n_samples is \(s.nSamples), needs at least 1") }
        guard s.count >= 1 else { throw StageError.input(path, "no contexts") }
        if let first = runs.first {
            let a = first.samples
            for (what, x, y) in [("model_label", s.modelLabel, a.modelLabel), ("variant", s.variant, a.variant),
                                 ("split", s.split, a.split), ("prompt_style", s.promptStyle, a.promptStyle)] where x != y {
                throw StageError.input(path, "\(what) is '\(x)' but \(first.path) has '\(y)' (\(option) must be one model and variant)")
            }
            guard s.nSamples == a.nSamples else {
                throw StageError.input(path, "n_samples is \(s.nSamples) but \(first.path) has \(a.nSamples)")
            }
            guard s.textID == a.textID, s.wordNumber == a.wordNumber else {
                throw StageError.input(path, "contexts differ from \(first.path)'s (text_id/word_number)")
            }
            if let dup = runs.first(where: { $0.seed == seed }) {
                throw StageError.input(path, "seed \(seed) is also the seed of \(dup.path)")
            }
        }
        try checkNValid(s, path: path)
        runs.append(SampleRun(path: path, seed: seed, samples: s))
    }
    return runs
}

/// `/samples/n_valid` must count the non-empty words (it is redundant; a mismatch means a damaged
/// or hand-edited file).
private func checkNValid(_ s: SamplesArtifact, path: String) throws {
    let k = s.nSamples
    for i in 0..<s.count {
        var valid = 0
        for j in 0..<k where !s.words[i * k + j].isEmpty { valid += 1 }
        if valid != Int(s.nValid[i]) {
            throw StageError.input(path, "samples/n_valid[\(i)] = \(s.nValid[i]) but context \(i) (text \(s.textID[i]), "
                                   + "word \(s.wordNumber[i])) has \(valid) non-empty words")
        }
    }
}

/// Parses a comma- or space-separated seed list element (ArgumentParser gives one per token).
func parseSeeds(_ xs: [String]) throws -> [Int] {
    try xs.flatMap { $0.split(separator: ",") }.map { tok in
        guard let v = Int(tok) else { throw StageError.usage("seed '\(tok)' is not an integer") }
        return v
    }
}
