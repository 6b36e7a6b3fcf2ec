import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr: `label [#####.....] 120/300 40% 3.2/s 0:37<0:56 loss=2.31`
/// (done/total, percent, rate, elapsed<ETA, optional live message).
///
/// On a terminal it redraws in place at most 10×/s; when stderr is not a terminal (CI
/// logs, `make` output captured to a file) it prints a plain line each time another
/// `logEveryPercent` percent is done, so logs stay short. Not thread-safe: drive it from
/// the thread doing the work.
public final class ProgressBar {
    public let total: Int
    public let label: String
    public let isTTY: Bool
    public let logEveryPercent: Int
    private let output: (String) -> Void
    private let clock: () -> Double

    private let start: Double
    private var lastDraw = -Double.infinity
    private var nextLogPercent: Int
    private var done = 0
    /// Work already done when the bar started (a resumed run): it counts toward done/total but
    /// not toward the rate and ETA, which are this process's own.
    private let initialDone: Int
    private var message: String?
    private var finished = false
    private var loggedDone = -1  // done count of the last plain (non-TTY) line
    /// A redrawn line must not wrap, or "\r" would only return to the wrapped part.
    private let columns: Int?

    /// - Parameters:
    ///   - isTTY: defaults to whether stderr is a terminal.
    ///   - output: where text goes (default stderr); `clock` returns seconds (default
    ///     monotonic uptime). Both are injectable for tests.
    ///   - alreadyDone: work finished before this process started (resumed runs).
    public init(total: Int, label: String = "", alreadyDone: Int = 0, isTTY: Bool = isatty(2) != 0, logEveryPercent: Int = 10,
                output: ((String) -> Void)? = nil, clock: (() -> Double)? = nil) {
        self.total = max(total, 0)
        self.initialDone = min(max(alreadyDone, 0), max(total, 0))
        self.done = self.initialDone
        self.label = label
        self.isTTY = isTTY
        self.logEveryPercent = max(logEveryPercent, 1)
        self.output = output ?? { FileHandle.standardError.write(Data($0.utf8)) }
        self.clock = clock ?? { ProcessInfo.processInfo.systemUptime }
        self.start = self.clock()
        self.nextLogPercent = (Self.percent(done: initialDone, total: self.total) / self.logEveryPercent + 1) * self.logEveryPercent
        self.columns = isTTY ? Self.terminalColumns() : nil
    }

    /// Width of the terminal on stderr, nil if unknown.
    private static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Add `n` to the done count, optionally replacing the live message.
    public func advance(by n: Int = 1, message: String? = nil) { update(done: done + n, message: message) }

    /// Set the done count, optionally replacing the live message.
    public func update(done: Int, message: String? = nil) {
        if finished { return }
        self.done = min(max(done, 0), total)
        if let message { self.message = message }
        let now = clock()
        if isTTY {
            guard now - lastDraw >= 0.1 || self.done == total else { return }
            lastDraw = now
            output("\r" + Self.fit(line(now), columns) + "\u{1B}[K")
        } else {
            let pct = Self.percent(done: self.done, total: total)
            guard pct >= nextLogPercent else { return }
            while nextLogPercent <= pct { nextLogPercent += logEveryPercent }
            loggedDone = self.done
            output(line(now) + "\n")
        }
    }

    /// A line of its own above the bar (an epoch's validation loss, a chunk reused): on a terminal
    /// the bar is cleared, the line printed and the bar drawn again below it; in logs, where every
    /// few percent would hide it, it is printed as it comes.
    public func note(_ text: String) {
        if finished { output(text + "\n"); return }
        if isTTY {
            output("\r\u{1B}[K" + text + "\n" + Self.fit(line(clock()), columns) + "\u{1B}[K")
        } else {
            output(text + "\n")
        }
    }

    /// Draw the final state and end the line. Idempotent. In logs, the final state is not
    /// repeated if it was just printed and there is no new message.
    public func finish(message: String? = nil) {
        if finished { return }
        finished = true
        if !isTTY && message == nil && loggedDone == done { return }
        if let message { self.message = message }
        let text = line(clock())
        output(isTTY ? "\r" + Self.fit(text, columns) + "\u{1B}[K\n" : text + "\n")
    }

    private func line(_ now: Double) -> String {
        Self.render(label: label, done: done, total: total, elapsed: now - start, message: message, initialDone: initialDone)
    }

    // MARK: Pure formatting (tested directly)

    /// `text` cut to `columns - 1` characters (the last column would make some terminals wrap).
    public static func fit(_ text: String, _ columns: Int?) -> String {
        guard let columns, columns > 1, text.count > columns - 1 else { return text }
        return String(text.prefix(columns - 1))
    }

    /// Whole percent done, 100 for an empty job.
    public static func percent(done: Int, total: Int) -> Int {
        total == 0 ? 100 : Int((Double(done) * 100 / Double(total)).rounded(.down))
    }

    /// Seconds left at this process's average rate so far (`initialDone` was done before it
    /// started); nil before it has done anything.
    public static func eta(done: Int, total: Int, elapsed: Double, initialDone: Int = 0) -> Double? {
        let own = done - initialDone
        guard own > 0, elapsed > 0 else { return done >= total ? 0 : nil }
        return elapsed / Double(own) * Double(max(total - done, 0))
    }

    /// `m:ss` under an hour, `h:mm:ss` above, `--:--` when unknown.
    public static func formatDuration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, sec) : String(format: "%d:%02d", m, sec)
    }

    /// Items per second, switching to seconds per item when slower than one per second
    /// (a training step can take several seconds).
    public static func formatRate(done: Int, elapsed: Double) -> String {
        guard done > 0, elapsed > 0 else { return "-/s" }
        let rate = Double(done) / elapsed
        return rate >= 1 ? String(format: "%.1f/s", rate) : String(format: "%.1fs/it", 1 / rate)
    }

    /// The full progress line.
    public static func render(label: String, done: Int, total: Int, elapsed: Double, message: String?,
                              initialDone: Int = 0, barWidth: Int = 20) -> String {
        let pct = percent(done: done, total: total)
        let filled = min(barWidth, pct * barWidth / 100)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
        var s = label.isEmpty ? "" : label + " "
        s += "[\(bar)] \(done)/\(total) \(pct)% \(formatRate(done: done - initialDone, elapsed: elapsed)) "
        s += "\(formatDuration(elapsed))<\(formatDuration(eta(done: done, total: total, elapsed: elapsed, initialDone: initialDone)))"
        if let message, !message.isEmpty { s += " " + message }
        return s
    }
}
