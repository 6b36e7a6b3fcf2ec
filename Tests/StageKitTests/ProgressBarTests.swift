import StageKit
import XCTest

final class ProgressBarTests: XCTestCase {
    func testDurationFormatting() {
        XCTAssertEqual(ProgressBar.formatDuration(0), "0:00")
        XCTAssertEqual(ProgressBar.formatDuration(7.4), "0:07")
        XCTAssertEqual(ProgressBar.formatDuration(59.6), "1:00")
        XCTAssertEqual(ProgressBar.formatDuration(725), "12:05")
        XCTAssertEqual(ProgressBar.formatDuration(3723), "1:02:03")
        XCTAssertEqual(ProgressBar.formatDuration(nil), "--:--")
        XCTAssertEqual(ProgressBar.formatDuration(.infinity), "--:--")
    }

    func testETAFromAverageRate() {
        // 25 of 100 done in 10 s: 0.4 s each, 75 left => 30 s.
        XCTAssertEqual(ProgressBar.eta(done: 25, total: 100, elapsed: 10)!, 30, accuracy: 1e-9)
        XCTAssertNil(ProgressBar.eta(done: 0, total: 100, elapsed: 10))
        XCTAssertEqual(ProgressBar.eta(done: 100, total: 100, elapsed: 10), 0)
        XCTAssertEqual(ProgressBar.eta(done: 0, total: 0, elapsed: 0), 0)
    }

    func testRateAndRender() {
        XCTAssertEqual(ProgressBar.formatRate(done: 25, elapsed: 10), "2.5/s")
        XCTAssertEqual(ProgressBar.formatRate(done: 2, elapsed: 10), "5.0s/it")
        XCTAssertEqual(ProgressBar.formatRate(done: 0, elapsed: 10), "-/s")
        XCTAssertEqual(ProgressBar.render(label: "infer", done: 25, total: 100, elapsed: 10, message: "loss=2.31", barWidth: 8),
                       "infer [##......] 25/100 25% 2.5/s 0:10<0:30 loss=2.31")
        XCTAssertEqual(ProgressBar.render(label: "", done: 0, total: 0, elapsed: 0, message: nil, barWidth: 4),
                       "[####] 0/0 100% -/s 0:00<0:00")
    }

    /// A resumed run (50 of 350 steps done before) reports its own rate and the ETA of what is
    /// left at that rate, not 50 steps in zero seconds.
    func testResumedRunRateAndETACountOnlyThisProcess() {
        XCTAssertEqual(ProgressBar.eta(done: 60, total: 350, elapsed: 20, initialDone: 50)!, 580, accuracy: 1e-9)
        XCTAssertNil(ProgressBar.eta(done: 50, total: 350, elapsed: 0, initialDone: 50))
        var lines: [String] = []
        var now = 0.0
        let bar = ProgressBar(total: 350, label: "finetune", alreadyDone: 50, isTTY: false, logEveryPercent: 10,
                              output: { lines.append($0) }, clock: { now })
        for _ in 0..<30 { now += 2; bar.advance() }
        // 50 → 80 of 350: the first line is at 20% (70/350), not at 10% (passed before the resume).
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("70/350 20% 2.0s/it 0:40<9:20"), lines[0])
    }

    func testFitCutsToTerminalWidth() {
        XCTAssertEqual(ProgressBar.fit("abcdef", 5), "abcd")
        XCTAssertEqual(ProgressBar.fit("abc", 5), "abc")
        XCTAssertEqual(ProgressBar.fit("abcdef", nil), "abcdef")
    }

    func testNonTTYPrintsAPlainLineEveryStep() {
        var lines: [String] = []
        var now = 0.0
        let bar = ProgressBar(total: 10, label: "t", isTTY: false, logEveryPercent: 25,
                              output: { lines.append($0) }, clock: { now })
        for _ in 0..<10 { now += 1; bar.advance() }
        bar.finish(message: "done")
        // 25%, 50%, 75% (at 3/10=30%, 5/10, 8/10), 100%, then finish.
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[0].hasPrefix("t [") && lines[0].contains("3/10 30%"), lines[0])
        XCTAssertTrue(lines[1].contains("5/10 50%"))
        XCTAssertTrue(lines[2].contains("8/10 80%"))
        XCTAssertTrue(lines[3].contains("10/10 100%"))
        XCTAssertTrue(lines[4].hasSuffix("done\n"))
        XCTAssertFalse(lines.joined().contains("\r"), "no carriage returns in logs")

        // Finishing right after the 100% line without a new message does not repeat it.
        var quiet: [String] = []
        let b2 = ProgressBar(total: 4, isTTY: false, logEveryPercent: 50, output: { quiet.append($0) }, clock: { 0 })
        b2.advance(by: 4)
        b2.finish()
        XCTAssertEqual(quiet.count, 1)
    }

    func testNotesGetLinesOfTheirOwn() {
        var log: [String] = []
        let bar = ProgressBar(total: 10, label: "t", isTTY: false, logEveryPercent: 50, output: { log.append($0) }, clock: { 0 })
        bar.advance()
        bar.note("epoch 1: validation loss 0.5")
        XCTAssertEqual(log, ["epoch 1: validation loss 0.5\n"], "in logs a note is printed at once, between the percent lines")
        var tty: [String] = []
        let b2 = ProgressBar(total: 10, label: "t", isTTY: true, output: { tty.append($0) }, clock: { 0 })
        b2.advance()
        b2.note("epoch 1")
        let last = tty.last!
        XCTAssertTrue(last.hasPrefix("\r\u{1B}[Kepoch 1\n"), last)
        XCTAssertTrue(last.contains("1/10"), "the bar is drawn again below the note: \(last)")
    }

    func testTTYRedrawsAtMostTenTimesASecond() {
        var draws: [String] = []
        var now = 0.0
        let bar = ProgressBar(total: 1000, isTTY: true, output: { draws.append($0) }, clock: { now })
        for _ in 0..<1000 { now += 0.001; bar.advance(message: "x") }  // 1 s of work in 1000 steps
        XCTAssertLessThanOrEqual(draws.count, 12)
        XCTAssertGreaterThanOrEqual(draws.count, 10)
        XCTAssertTrue(draws.allSatisfy { $0.hasPrefix("\r") })
        XCTAssertTrue(draws.last!.contains("1000/1000 100%"), "the final state is always drawn")
        bar.finish()
        XCTAssertTrue(draws.last!.hasSuffix("\n"))
    }
}
