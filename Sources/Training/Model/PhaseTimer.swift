import Foundation

/// Wall time per phase of training steps (blocks forward, LM head, blocks backward, optimiser…),
/// for `finetune bench --phases`. Off unless a trainer or loop is given one.
public final class PhaseTimer {
    public private(set) var seconds: [String: Double] = [:]
    public private(set) var order: [String] = []
    public init() {}

    /// Runs `body`, adding its wall time to `phase`.
    @discardableResult
    public func measure<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let t0 = ProcessInfo.processInfo.systemUptime
        defer {
            if seconds[phase] == nil { order.append(phase) }
            seconds[phase, default: 0] += ProcessInfo.processInfo.systemUptime - t0
        }
        return try body()
    }

    public func reset() { seconds = [:]; order = [] }

    /// Each phase's seconds per step over `steps` steps, in the order the phases first ran.
    public func perStep(steps: Int) -> [(phase: String, seconds: Double)] {
        order.map { ($0, seconds[$0]! / Double(max(1, steps))) }
    }

    /// One printable line per phase: its seconds per step and its share of `secondsPerStep`.
    public func summaryLines(steps: Int, secondsPerStep: Double) -> [String] {
        perStep(steps: steps).map { p, t in
            "  " + p.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: " %6.3f s/step (%4.1f%%)", t, 100 * t / max(secondsPerStep, 1e-12))
        }
    }
}

extension Optional where Wrapped == PhaseTimer {
    /// `timer.measure(phase) { … }` that just runs the body when there is no timer.
    @inline(__always)
    func measure<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        switch self {
        case .some(let t): return try t.measure(phase, body)
        case .none: return try body()
        }
    }
}
