import ArgumentParser
import Artifacts
import Foundation
import Models
import Numerics
import StageKit
import Tokenizers

/// `infer logprobs`: token ids, next-token log-probabilities and the top-k alternatives of texts.
struct LogprobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs",
        abstract: "Next-token log-probabilities of texts (JSONL in, HDF5 out).",
        discussion: """
            Input: one JSON object per line, {"text": "...", "add_bos": true|false, "special": true|false}. \
            add_bos is optional (default: the model's own rule: BOS for Gemma, none for SmolLM2/Qwen2.5); \
            special (default false) parses control tokens written in the text, e.g. <|im_start|>. A bad line \
            (invalid JSON, unknown key, missing/empty text, non-boolean flag) stops with FILE:LINE and exit 1.

            Output: one group case_<i> per line (i from 0), n = number of tokens:
              token_ids           int32 [n]
              next_token_logprob  float64 [n-1]: row t = log p(ids[t+1] | ids[0...t])
              topk_ids            int32 [n-1, k]: the k likeliest tokens after ids[0...t]
              topk_logprob        float64 [n-1, k]: their log-probs, descending
            Ties in the top k: lower id first. Rows are aligned with next_token_logprob; the distribution after the last token is not stored. \
            Computed in float32 with dequantised weights; stored as float64.
            """)

    @Option(help: "GGUF file or Hugging Face model directory.") var model: String
    @Option(help: "JSONL file of cases.") var input: String
    @Option(help: "Output HDF5 artifact.") var output: String
    @Option(name: .customLong("top-k"), help: "Alternatives stored per position.") var topK = 10

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        let ctx = StageContext(stage: "infer")
        ctx.setConfigText("command: logprobs\nmodel: \(model)\ntop_k: \(topK)\n")
        let cases = try readLogprobCases(path: input)
        try ctx.addInput(input)
        try ctx.addInputs(try modelFiles(model))
        let lm = try loadModel(path: model)
        let tok = try Tokenizer.load(path: model)
        let V = lm.vocabSize
        guard topK <= V else { throw StageError.usage("--top-k \(topK) exceeds the vocabulary size \(V)") }
        let bar = ProgressBar(total: cases.count, label: "logprobs")
        var results: [(ids: [Int32], lp: [Double], topIDs: [Int32], topLP: [Double])] = []
        for (i, c) in cases.enumerated() {
            let ids = tok.encode(c.text, addBOS: c.addBOS, parseSpecial: c.special)
            if ids.isEmpty { throw StageError.input("\(input):\(i + 1)", "the text has no tokens") }
            if let bad = ids.first(where: { Int($0) >= V }) {
                throw StageError.input("\(input):\(i + 1)", "token id \(bad) is outside the model's vocabulary 0..<\(V)")
            }
            results.append(try scoreTokens(lm, ids, k: topK))
            bar.advance()
        }
        bar.finish()
        try ctx.writeArtifact(to: output) { w in
            try w.setAttribute("model_path", .string(model))
            try w.setAttribute("n_cases", .int(cases.count))
            try w.setAttribute("top_k", .int(topK))
            for (i, r) in results.enumerated() {
                let rows = r.ids.count - 1
                try w.write(r.ids, shape: [r.ids.count], at: "case_\(i)/token_ids")
                try w.write(r.lp, shape: [rows], at: "case_\(i)/next_token_logprob")
                try w.write(r.topIDs, shape: [rows, topK], at: "case_\(i)/topk_ids")
                try w.write(r.topLP, shape: [rows, topK], at: "case_\(i)/topk_logprob")
            }
        }
        print("\(output): \(cases.count) cases")
    }
}

/// Log-probabilities of each next token and the top k after every position but the last. The text
/// runs in one prefill; the output head runs in blocks of rows so memory stays bounded for big vocabularies.
func scoreTokens(_ lm: LanguageModel, _ ids: [Int32], k: Int) throws -> (ids: [Int32], lp: [Double], topIDs: [Int32], topLP: [Double]) {
    let n = ids.count, V = lm.vocabSize
    if n < 2 { return (ids, [], [], []) }
    let hidden = try lm.hiddenStates(tokens: ids, positions: nil, cache: lm.makeCache(capacity: n))
    var lp = [Double](repeating: 0, count: n - 1)
    var topIDs = [Int32](repeating: 0, count: (n - 1) * k)
    var topLP = [Double](repeating: 0, count: (n - 1) * k)
    let block = 32
    var start = 0
    while start < n - 1 {
        let end = min(start + block, n - 1)
        var logits = try lm.logits(hidden: hidden, rows: Array(start..<end))
        logits.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            logSoftmaxForward(out: p, inp: p, rows: end - start, cols: V)
            for t in start..<end {
                let row = UnsafePointer(p + (t - start) * V)
                lp[t] = Double(row[Int(ids[t + 1])])
                topIDs.withUnsafeMutableBufferPointer { ti in
                    topLP.withUnsafeMutableBufferPointer { tl in
                        topKRow(row, count: V, k: k, ids: ti.baseAddress! + t * k, values: tl.baseAddress! + t * k)
                    }
                }
            }
        }
        start = end
    }
    return (ids, lp, topIDs, topLP)
}

/// The k largest entries of `row` in descending order (ties: lower index first), by insertion into
/// a small sorted list: one pass over the row, O(V·k) worst case but O(V) in practice for small k.
func topKRow(_ row: UnsafePointer<Float>, count: Int, k: Int, ids: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Double>) {
    var bestIDs = [Int32](repeating: -1, count: k)
    var bestVals = [Float](repeating: -.infinity, count: k)
    var filled = 0
    for i in 0..<count {
        let v = row[i]
        if filled == k && !(v > bestVals[k - 1]) { continue }
        var j = filled < k ? filled : k - 1
        // Shift smaller entries down; equal values keep the earlier (lower) index ahead.
        while j > 0 && v > bestVals[j - 1] {
            bestVals[j] = bestVals[j - 1]; bestIDs[j] = bestIDs[j - 1]
            j -= 1
        }
        bestVals[j] = v; bestIDs[j] = Int32(i)
        if filled < k { filled += 1 }
    }
    for j in 0..<k { ids[j] = bestIDs[j]; values[j] = Double(bestVals[j]) }
}
