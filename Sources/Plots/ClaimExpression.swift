import Foundation

/// An arithmetic expression over table cells, as used in claim arguments:
/// numbers, cells `[paper/table/row/column]`, `+ - * /`, parentheses, unary minus,
/// `min(e, ...)` and `max(e, ...)`.
public indirect enum ClaimExpression: Equatable {
    case number(Double)
    case cell(CellKey)
    case negate(ClaimExpression)
    case binary(Character, ClaimExpression, ClaimExpression)   // one of + - * /
    case minimum([ClaimExpression])
    case maximum([ClaimExpression])

    /// Every cell the expression reads, in reading order, each once.
    public var cells: [CellKey] {
        var out: [CellKey] = []
        func walk(_ e: ClaimExpression) {
            switch e {
            case .number: break
            case let .cell(k): if !out.contains(k) { out.append(k) }
            case let .negate(a): walk(a)
            case let .binary(_, a, b): walk(a); walk(b)
            case let .minimum(xs), let .maximum(xs): xs.forEach(walk)
            }
        }
        walk(self)
        return out
    }

    /// The value given cell values; nil if a cell is missing. May be non-finite (x/0).
    public func evaluate(_ lookup: (CellKey) -> Double?) -> Double? {
        switch self {
        case let .number(x): return x
        case let .cell(k): return lookup(k)
        case let .negate(a): return a.evaluate(lookup).map { -$0 }
        case let .binary(op, a, b):
            guard let x = a.evaluate(lookup), let y = b.evaluate(lookup) else { return nil }
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            default: return x / y
            }
        case let .minimum(xs), let .maximum(xs):
            var vals: [Double] = []
            for e in xs { guard let v = e.evaluate(lookup) else { return nil }; vals.append(v) }
            if case .minimum = self { return vals.min() }
            return vals.max()
        }
    }
}

/// A comparison between adjacent terms of a claim chain.
public enum ClaimComparison: String, Equatable {
    case lt = "<", gt = ">", le = "<=", ge = ">=", approx = "~"

    func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .lt: return a < b
        case .gt: return a > b
        case .le: return a <= b
        case .ge: return a >= b
        case .approx: return false   // decided with a tolerance by the caller
        }
    }
}

/// Parses `e1 op e2 op ...` (op in `< > <= >= ~`) into terms and comparisons.
/// Errors are plain messages; the claim loader adds file, line and claim id.
struct ClaimChainParser {
    private enum Token: Equatable {
        case number(Double), cell(String), ident(String), symbol(String)
    }

    private var tokens: [Token] = []
    private var pos = 0

    static func parse(_ text: String) throws -> (terms: [ClaimExpression], ops: [ClaimComparison]) {
        var p = ClaimChainParser()
        p.tokens = try tokenize(text)
        guard !p.tokens.isEmpty else { throw ClaimParseError("empty expression") }
        var terms = [try p.parseSum()]
        var ops: [ClaimComparison] = []
        while p.pos < p.tokens.count {
            guard case let .symbol(s) = p.tokens[p.pos], let op = ClaimComparison(rawValue: s) else {
                throw ClaimParseError("expected a comparison (<, >, <=, >=, ~) at token \(p.pos + 1)")
            }
            p.pos += 1
            ops.append(op)
            terms.append(try p.parseSum())
        }
        return (terms, ops)
    }

    private static func tokenize(_ text: String) throws -> [Token] {
        let s = Array(text.unicodeScalars)
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" { i += 1; continue }
            if c == "[" {
                var j = i + 1
                while j < s.count && s[j] != "]" { j += 1 }
                guard j < s.count else { throw ClaimParseError("unclosed '['") }
                out.append(.cell(String(String.UnicodeScalarView(s[(i + 1)..<j]))))
                i = j + 1
                continue
            }
            if CharacterSet.decimalDigits.contains(c) || c == "." {
                var j = i
                while j < s.count && (CharacterSet.decimalDigits.contains(s[j]) || s[j] == "." || s[j] == "e" || s[j] == "E"
                                      || ((s[j] == "+" || s[j] == "-") && j > i && (s[j - 1] == "e" || s[j - 1] == "E"))) { j += 1 }
                let lit = String(String.UnicodeScalarView(s[i..<j]))
                guard let v = Double(lit), v.isFinite else { throw ClaimParseError("bad number '\(lit)'") }
                out.append(.number(v))
                i = j
                continue
            }
            if CharacterSet.letters.contains(c) {
                var j = i
                while j < s.count && CharacterSet.letters.contains(s[j]) { j += 1 }
                out.append(.ident(String(String.UnicodeScalarView(s[i..<j]))))
                i = j
                continue
            }
            if (c == "<" || c == ">") && i + 1 < s.count && s[i + 1] == "=" {
                out.append(.symbol(String(c) + "=")); i += 2; continue
            }
            if "+-*/(),<>~".unicodeScalars.contains(c) { out.append(.symbol(String(c))); i += 1; continue }
            throw ClaimParseError("unexpected character '\(c)'")
        }
        return out
    }

    private mutating func peekSymbol(_ s: String) -> Bool {
        pos < tokens.count && tokens[pos] == .symbol(s)
    }

    private mutating func parseSum() throws -> ClaimExpression {
        var e = try parseProduct()
        while peekSymbol("+") || peekSymbol("-") {
            let op: Character = peekSymbol("+") ? "+" : "-"
            pos += 1
            e = .binary(op, e, try parseProduct())
        }
        return e
    }

    private mutating func parseProduct() throws -> ClaimExpression {
        var e = try parseUnary()
        while peekSymbol("*") || peekSymbol("/") {
            let op: Character = peekSymbol("*") ? "*" : "/"
            pos += 1
            e = .binary(op, e, try parseUnary())
        }
        return e
    }

    private mutating func parseUnary() throws -> ClaimExpression {
        if peekSymbol("-") { pos += 1; return .negate(try parseUnary()) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> ClaimExpression {
        guard pos < tokens.count else { throw ClaimParseError("expression ends too early") }
        let t = tokens[pos]
        pos += 1
        switch t {
        case let .number(v): return .number(v)
        case let .cell(path):
            guard let k = CellKey(path: path) else {
                throw ClaimParseError("cell '[\(path)]' is not paper/table/row/column")
            }
            return .cell(k)
        case let .ident(name):
            guard name == "min" || name == "max" else { throw ClaimParseError("unknown function '\(name)' (min, max)") }
            guard peekSymbol("(") else { throw ClaimParseError("expected '(' after \(name)") }
            pos += 1
            var args = [try parseSum()]
            while peekSymbol(",") { pos += 1; args.append(try parseSum()) }
            guard peekSymbol(")") else { throw ClaimParseError("expected ')' to close \(name)(") }
            pos += 1
            return name == "min" ? .minimum(args) : .maximum(args)
        case .symbol("("):
            let e = try parseSum()
            guard peekSymbol(")") else { throw ClaimParseError("expected ')'") }
            pos += 1
            return e
        case let .symbol(s):
            throw ClaimParseError("unexpected '\(s)'")
        }
    }
}

struct ClaimParseError: Error {
    let message: String
    init(_ m: String) { message = m }
}
