import ArgumentParser
import Artifacts
import Foundation
import Models
import StageKit
import Tokenizers
import Training

/// `infer qa`: paper B appendix G — S sampled one-word answers per question of a QA set, written as
/// a samples artifact whose contexts are the questions (read by `evaluate qa`).
struct QACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Sample one-word answers to the questions of a QA set (paper B appendix G hit rate).",
        discussion: """
            Per question: S samples of up to --max-new-tokens tokens (stopping at EOS/end-of-turn), \
            reduced to one word by paper B's extraction, exactly as `infer sample`. The gold answer is \
            the question's one human answer, with its log q (after a plain prompt: the answer with a \
            leading space; after a chat prompt: the reply text).

            Prompts in the next-word format (Table 3, figures 10 and 12): cloze = the question as a \
            context the answer continues, "<q>? The answer is" (the paper's hand-written rephrasings \
            are not published), for base LMs (BOS per the model's rule); cloze-instruction = appendix \
            A's instruction prompt, the one fine-tuning trains on, with that context. In the question \
            format (figure 11): plain = "Question: <q>\\nAnswer:" (ours, for base LMs); qa-instruction = \
            appendix G's QA-prompt "Instruction: Answer the following question with one word \
            only\\nContext: <q>\\nContinuation:". The instruction prompts go as a user message through \
            the model's chat template with the generation prompt.

            Output layout (SamplesArtifact): contexts/text_id = question position in the QA set, \
            contexts/word_number = 0, split "qa", one human answer per question. Question i's seed is \
            derived from (--seed, i, 0) as in `infer sample`, so results do not depend on --limit.
            """)

    @Option(help: "QA set artifact of `prepare-splits webquestions`.") var questions: String
    @Option(help: "GGUF file or Hugging Face model directory.") var model: String
    @Option(name: .customLong("model-label"), help: "Model name for tables (default: the file name).") var modelLabel: String?
    @Option(help: "Row label of paper B's Table 3: Base, FT (Orig. corpus), FT (Mul. labels), …") var variant = "Base"
    @Option(help: "cloze | cloze-instruction (next-word format) or plain | qa-instruction (question format).") var prompt: String = "cloze"
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @Option(help: "Run seed (each question's seed derives from it).") var seed = 42
    @Option(help: "Only the first N questions (quick runs, tests).") var limit: Int?
    @Option(help: "Output samples artifact.") var output: String

    func validate() throws {
        guard QAPrompt(rawValue: prompt) != nil else {
            throw ValidationError("--prompt must be one of \(QAPrompt.allCases.map(\.rawValue).joined(separator: ", ")), not '\(prompt)'")
        }
        if let l = limit, l < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let qaPrompt = QAPrompt(rawValue: prompt)!
        let ctx = StageContext(stage: "infer", seed: seed)
        try ctx.addInput(questions)
        try ctx.addInputs(try modelFiles(model))
        let set = try QAQuestionSet.read(path: questions)
        if set.count == 0 { throw StageError.input(questions, "the QA set has no questions") }
        let n = min(limit ?? set.count, set.count)
        let modelHash = try modelSHA256(model, fileHashes: ctx.inputHashes)
        let label = modelLabel ?? defaultModelLabel(model)
        ctx.setConfigText("command: qa\nmodel: \(model)\nmodel_label: \(label)\nvariant: \(variant)\nprompt: \(prompt)\n"
                          + "samples: \(sampling.samples)\nmax_new_tokens: \(sampling.maxNewTokens)\ntop_k: \(sampling.topK)\ntop_p: \(sampling.topP)\n"
                          + "temperature: \(sampling.temperature)\nseed: \(seed)\nlimit: \(limit.map(String.init) ?? "none")\n"
                          + "continuations: until-first-word\n")

        var out = SamplesArtifact(modelLabel: label, variant: variant, promptStyle: prompt, split: "qa",
                                  nSamples: sampling.samples, maxNewTokens: sampling.maxNewTokens, topK: sampling.topK, topP: sampling.topP,
                                  temperature: sampling.temperature, modelPath: model, modelSHA256: modelHash)
        out.notes["seed_rule"] = seedRule.replacingOccurrences(of: "text_id", with: "question index")
            .replacingOccurrences(of: "word_number", with: "0")
        out.notes["text_nul"] = textNulRule
        out.notes["prompt"] = qaPrompt.text(question: "<QUESTION>")
        out.notes["questions_source"] = set.sourceFile

        let lm = try loadModel(path: model)
        let tok = try Tokenizer.load(path: model)
        // The cloze sampler with the matching encoding: plain text (leading-space answers) or chat.
        let sampler = try ContextSampler(lm: lm, tok: tok, style: qaPrompt.isChat ? .instruction : .plain, example: nil,
                                         settings: sampling.settings,
                                         samples: sampling.samples, maxNewTokens: sampling.maxNewTokens, scoreHumans: true)
        let bar = ProgressBar(total: n, label: "qa \(label) \(variant)")
        var seconds = 0.0
        for i in 0..<n {
            let text = qaPrompt.text(question: set.questions[i])
            let full = qaPrompt.isChat ? try sampler.template!.format([.user(text)], addGenerationPrompt: true) : text
            let r = try sampler.run(prompt: full, responses: [set.answers[i]], seed: contextSeed(seed: seed, textID: i, wordNumber: 0),
                                    what: "\(questions): question \(i) (\(set.ids[i]))")
            out.append(textID: i, wordNumber: 0, words: r.words, texts: r.texts, responses: r.responses, logq: r.logq)
            seconds += r.generateSeconds + r.scoreSeconds
            bar.advance(message: String(format: "%.2fs/question", seconds / Double(i + 1)))
        }
        bar.finish()
        try ctx.writeArtifact(to: output) { w in try out.write(to: w) }

        print("\(output): \(n) questions × \(sampling.samples) samples, \(out.words.filter(\.isEmpty).count) samples without a word, "
              + String(format: "%.3f s per question (hit rates: evaluate qa)", seconds / Double(n)))
    }
}
