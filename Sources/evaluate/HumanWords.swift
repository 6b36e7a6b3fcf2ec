import ArgumentParser
import Metrics

/// How human cloze answers are put into the outcome space of the model's words before the TVD,
/// coverage and hit-rate comparisons.
///
/// The model side is fixed by paper B's word extraction (`Metrics.extractWord`): punctuation deleted,
/// first whitespace-separated piece, lower-cased. So a model word can never be "mr." or "TRUE".
/// Provo keeps answers as typed ("dr.", "cutting-edge", "TRUE"/"FALSE" spreadsheet artefacts, "," or a
/// row of dashes). Compared raw, such an answer's mass is unmatchable by construction and counts
/// against every model whatever it samples, which measures the extraction, not the model.
///
/// `.normalized` (the default) therefore passes each human answer through the same extraction as the
/// model's samples ("dr." → "dr", "TRUE" → "true", "cutting-edge" → "cuttingedge", "00 puq" → "00").
/// An answer with no word characters at all ("," or "-----") keeps its raw text: it stays in the
/// human distribution with its count (so p keeps the paper's denominators, as the paper kept such
/// rows as data), and no extracted model word can ever equal it. Answers that become equal are
/// merged (their counts added). On Provo's 536 test contexts this changes 15 of 21,286 answers and
/// merges none, so the oracle (computed on raw answers) is unaffected.
///
/// `.raw` compares the answers exactly as typed, the literal reading of the paper's code, for
/// sensitivity checks.
enum HumanWordForm: String, ExpressibleByArgument, CaseIterable {
    case normalized
    case raw

    /// The word a human answer counts as.
    func word(_ response: String) -> String {
        switch self {
        case .raw: return response
        case .normalized: return extractWord(sample: response) ?? response
        }
    }
}

/// The gold answer of a QA question as a comparison key for the hit rate: the same extraction as
/// the model's samples (so the comparison is case-insensitive and ignores punctuation: "Germany" →
/// "germany", "U.S." → "us"). Nil when the answer is not exactly one word (a multi-word answer can
/// never equal one extracted word, so it would silently score 0).
func qaAnswerKey(_ answer: String) -> String? {
    let pieces = removePunctuation(answer).split(whereSeparator: { $0.unicodeScalars.allSatisfy(isPythonWhitespace) })
    guard pieces.count == 1 else { return nil }
    return String(pieces[0]).lowercased()
}
