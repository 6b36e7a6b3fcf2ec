import Foundation

/// How a claim's arguments are judged (see data/published/README.md).
public enum ClaimKind: String {
    /// `e1 op e2 op ...`, op in `< > <= >=`: held iff every adjacent comparison holds.
    case order
    /// `e1 ~ e2; tol=T; rtol=R`: held iff |e1 - e2| <= T + R·max(|e1|, |e2|).
    case approx
}

/// One testable qualitative claim of a paper.
public struct Claim {
    public var paper: String
    public var id: String
    public var text: String
    public var kind: ClaimKind
    /// The argument text as written in the claims file.
    public var args: String
    public var terms: [ClaimExpression]
    public var comparisons: [ClaimComparison]
    /// Absolute and relative tolerance (approx only).
    public var tolerance: Double
    public var relativeTolerance: Double

    /// Parses a claim; errors are plain messages (the file loader adds where).
    public init(paper: String, id: String, text: String, kind: String, args: String) throws {
        guard let k = ClaimKind(rawValue: kind) else {
            throw PlotsError.badData(context: "claim \(id)", message: "unknown kind '\(kind)' (order, approx)")
        }
        self.paper = paper; self.id = id; self.text = text; self.kind = k; self.args = args
        // Split off `; name=value` options (never inside a [cell]).
        var parts: [String] = []
        var cur = ""
        var depth = 0
        for ch in args {
            if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
            if ch == ";" && depth == 0 { parts.append(cur); cur = "" } else { cur.append(ch) }
        }
        parts.append(cur)
        var tol: Double? = nil, rtol: Double? = nil
        for opt in parts.dropFirst() {
            let kv = opt.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let v = Double(kv[1]), v.isFinite, v >= 0 else {
                throw PlotsError.badData(context: "claim \(id)", message: "option '\(opt)' is not name=number >= 0")
            }
            switch kv[0] {
            case "tol": tol = v
            case "rtol": rtol = v
            default: throw PlotsError.badData(context: "claim \(id)", message: "unknown option '\(kv[0])' (tol, rtol)")
            }
        }
        let chain: (terms: [ClaimExpression], ops: [ClaimComparison])
        do { chain = try ClaimChainParser.parse(parts[0]) } catch let e as ClaimParseError {
            throw PlotsError.badData(context: "claim \(id)", message: e.message)
        }
        terms = chain.terms
        comparisons = chain.ops
        tolerance = tol ?? 0
        relativeTolerance = rtol ?? 0
        switch k {
        case .order:
            guard !comparisons.isEmpty, !comparisons.contains(.approx) else {
                throw PlotsError.badData(context: "claim \(id)", message: "order needs a chain of <, >, <=, >= comparisons")
            }
            guard tol == nil && rtol == nil else {
                throw PlotsError.badData(context: "claim \(id)", message: "order takes no tol/rtol")
            }
        case .approx:
            guard comparisons == [.approx] else {
                throw PlotsError.badData(context: "claim \(id)", message: "approx needs exactly 'e1 ~ e2'")
            }
            guard tol != nil || rtol != nil else {
                throw PlotsError.badData(context: "claim \(id)", message: "approx needs tol= and/or rtol=")
            }
        }
    }

    /// Every cell the claim reads.
    public var cells: [CellKey] {
        var out: [CellKey] = []
        for t in terms { for k in t.cells where !out.contains(k) { out.append(k) } }
        return out
    }

    /// Judges the claim with the given cell values.
    public func evaluate(_ lookup: (CellKey) -> Double?) -> ClaimResult {
        let missing = cells.filter { lookup($0) == nil }
        if !missing.isEmpty {
            return ClaimResult(claim: self, outcome: .notEvaluable,
                               detail: "missing " + missing.map(\.description).joined(separator: "; "))
        }
        // Every cell is present, so every term evaluates.
        let values = terms.map { $0.evaluate(lookup) ?? .nan }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            return ClaimResult(claim: self, outcome: .notEvaluable, detail: "term \(bad + 1) is not finite (\(values[bad]))")
        }
        // 4 decimals, or more when two compared values that differ would print alike
        // ("0.0000 < 0.0000" held reads as a contradiction).
        let pairs: [(Double, Double)] = kind == .order ? zip(values, values.dropFirst()).map { ($0, $1) } : [(values[0], values[1])]
        func alike(_ digits: Int) -> Bool {
            pairs.contains { $0 != $1 && formatFixed($0, digits: digits) == formatFixed($1, digits: digits) }
        }
        var digits = 4
        while digits < 8 && alike(digits) { digits += 1 }
        // Past 8 decimals: the shortest exact form ("-1.3877787807814457e-17").
        let exact = alike(digits)
        let f = { (x: Double) in exact ? "\(x)" : formatFixed(x, digits: digits) }
        switch kind {
        case .order:
            var held = true
            var detail = f(values[0])
            for (i, op) in comparisons.enumerated() {
                held = held && op.holds(values[i], values[i + 1])
                detail += " \(op.rawValue) \(f(values[i + 1]))"
            }
            return ClaimResult(claim: self, outcome: held ? .held : .notHeld, detail: detail)
        case .approx:
            let a = values[0], b = values[1]
            let bound = tolerance + relativeTolerance * max(abs(a), abs(b))
            // 1e-12 slack: decimal inputs like 1.04 - 1.0 = 0.04000000000000004 must count as 0.04.
            let held = abs(a - b) <= bound + 1e-12
            return ClaimResult(claim: self, outcome: held ? .held : .notHeld,
                               detail: "|\(f(a)) - \(f(b))| = \(f(abs(a - b))) \(held ? "<=" : ">") \(f(bound))")
        }
    }
}

/// Whether a claim holds on the numbers given.
public enum ClaimOutcome: String {
    case held = "held"
    case notHeld = "not held"
    /// A cell the claim needs is missing, or a term is not finite.
    case notEvaluable = "not evaluable"
}

/// The judgement of one claim, with the numbers behind it.
public struct ClaimResult {
    public var claim: Claim
    public var outcome: ClaimOutcome
    /// The compared values (`0.5500 < 0.5560`) or what was missing.
    public var detail: String
}

/// All claims of one or more claim files, in file order.
public struct ClaimSet {
    public private(set) var claims: [Claim]

    public init(claims: [Claim]) throws {
        self.claims = []
        for c in claims {
            if self.claims.contains(where: { $0.id == c.id }) {
                throw PlotsError.badData(context: "claims", message: "claim id \(c.id) given twice")
            }
            self.claims.append(c)
        }
    }

    /// Parses a claims CSV (`paper,claim_id,text,kind,args`); errors name file:line and the claim.
    public static func parse(_ csv: CSVTable) throws -> ClaimSet {
        let want = ["paper", "claim_id", "text", "kind", "args"]
        guard csv.header == want else {
            throw PlotsError.csv(source: csv.source, line: 1, message: "header must be \(want.joined(separator: ","))")
        }
        var out: [Claim] = []
        var seen: [String: Int] = [:]
        for (r, line) in zip(csv.rows, csv.lines) {
            guard !r[0].isEmpty, !r[1].isEmpty else {
                throw PlotsError.csv(source: csv.source, line: line, message: "paper and claim_id must be non-empty")
            }
            if let prev = seen[r[1]] {
                throw PlotsError.claimSyntax(source: csv.source, line: line, claimID: r[1], message: "id already used on line \(prev)")
            }
            seen[r[1]] = line
            do { out.append(try Claim(paper: r[0], id: r[1], text: r[2], kind: r[3], args: r[4])) } catch let PlotsError.badData(_, message) {
                throw PlotsError.claimSyntax(source: csv.source, line: line, claimID: r[1], message: message)
            }
        }
        return try ClaimSet(claims: out)
    }

    /// Reads one claims file.
    public static func load(path: String) throws -> ClaimSet { try parse(try CSVTable.read(path: path)) }

    /// Reads every `claims*.csv` in `directory`, sorted by name.
    public static func loadDirectory(_ directory: String) throws -> ClaimSet {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw PlotsError.io(path: directory, message: "cannot list directory: \(error.localizedDescription)")
        }
        let files = names.filter { $0.hasPrefix("claims") && $0.hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else { throw PlotsError.io(path: directory, message: "no claims*.csv files") }
        var all: [Claim] = []
        for f in files { all += try load(path: (directory as NSString).appendingPathComponent(f)).claims }
        return try ClaimSet(claims: all)
    }

    /// Judges every claim on the given numbers (already renamed to the paper's labels).
    public func evaluate(on numbers: PublishedTable) -> [ClaimResult] {
        claims.map { c in c.evaluate { numbers[$0]?.value } }
    }

    /// Results as CSV: `paper,claim_id,outcome,detail,text`.
    public static func resultsCSV(_ results: [ClaimResult]) -> CSVTable {
        var t = CSVTable(header: ["paper", "claim_id", "outcome", "detail", "text"])
        for r in results { t.appendFixedWidth([r.claim.paper, r.claim.id, r.outcome.rawValue, r.detail, r.claim.text]) }
        return t
    }
}
