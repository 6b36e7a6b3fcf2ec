import Foundation

/// A pre-tokenizer driven by Swift `Regex`, for `tokenizer.json` Split patterns without a
/// hand-written scanner. Correct but slow (the benchmark test measures the ratio against the
/// scanners), so the known GPT-2 / Llama-3 / Qwen2 patterns never come here.
public final class RegexPreTokenizer: @unchecked Sendable {
    public let pattern: String
    private let regex: Regex<AnyRegexOutput>

    public init(pattern: String) throws {
        self.pattern = pattern
        regex = try Regex(pattern)
    }

    /// The pieces of `text`.
    public func pieces(of text: String) -> [String] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { b in split(b).map { String(decoding: bytes[$0], as: UTF8.self) } }
    }

    /// Byte ranges of the pieces (matches and the gaps between them, as HF's `Isolated` split).
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let s = String(decoding: text, as: UTF8.self)
        var out: [Range<Int>] = []
        var at = 0
        for m in s.matches(of: regex.matchingSemantics(.unicodeScalar)) {
            let lo = s.utf8.distance(from: s.startIndex, to: m.range.lowerBound)
            let hi = s.utf8.distance(from: s.startIndex, to: m.range.upperBound)
            if hi == lo { continue }
            if lo > at { out.append(at..<lo) }
            out.append(lo..<hi)
            at = hi
        }
        if at < text.count { out.append(at..<text.count) }
        return out
    }
}
