import TestSupport
import Foundation
import XCTest

/// scripts/fits-in-session.sh: a fine-tuning run starts only if its expected time (the longest
/// finished run of the same config in the ledger, as scripts/ledger.sh counts it, else
/// FT_MINUTES) plus its samples' (SAMPLE_MINUTES)
/// ends before SESSION_END; without SESSION_END every run starts, and with SPAN_SESSIONS=1 (a kept
/// machine) every run that starts before SESSION_END.
final class FitsInSessionTests: XCTestCase {
    func testExpectedTimeFromTheLedgerAgainstSessionEnd() throws {
        let dir = try Stages.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ledger = dir + "/timings.tsv"
        // 50 min for gemma-full-mul (an interrupted 150-min row and another config's 150 min do not count).
        try """
            target\tstarted_utc\tseconds\texit_status\tcores
            /a/provo/finetune/gemma-full-mul/seed42/model/finetuned.json\tx\t3000.0\t0\t2
            /a/provo/finetune/gemma-full-mul/seed123/model/finetuned.json\tx\t9000.0\tinterrupted\t2
            /a/provo/finetune/gemma-full-mul-x/seed42/model/finetuned.json\tx\t9000.0\t0\t2
            /a/paperA/mfrc/bert/predictions.h5\tx\t600.0\t0\t2
            /a/provo/finetune/smollm2-lora-mul/seed42/model/finetuned.json\tx\t1800.0\tinterrupted\t2
            /a/provo/finetune/smollm2-lora-mul/seed42/model/finetuned.json\tx\t1800.0\t0\t2

            """.write(toFile: ledger, atomically: true, encoding: .utf8)
        let script = TestPaths.packageRoot.appendingPathComponent("scripts/fits-in-session.sh")
        func fits(_ target: String, minutesLeft: Int?, defaultMinutes: String? = nil) throws -> Bool {
            var env: [String: String] = [:]
            if let m = minutesLeft { env["SESSION_END"] = String(Int(Date().timeIntervalSince1970) + m * 60) }
            return try Stages.runExecutable(script, [ledger, target] + (defaultMinutes.map { [$0] } ?? []), environment: env, unset: ["SPAN_SESSIONS"]).status == 0
        }
        let seed456 = "/b/provo/finetune/gemma-full-mul/seed456/model/finetuned.json"
        XCTAssertFalse(try fits(seed456, minutesLeft: 60))   // 50 + 12 > 60
        XCTAssertTrue(try fits(seed456, minutesLeft: 64))
        XCTAssertTrue(try fits(seed456, minutesLeft: nil))
        // No finished run of the config: FT_MINUTES (60) + 12.
        XCTAssertFalse(try fits("/b/provo/finetune/smollm2-lora-maj/seed42/model/finetuned.json", minutesLeft: 70))
        XCTAssertTrue(try fits("/b/provo/finetune/smollm2-lora-maj/seed42/model/finetuned.json", minutesLeft: 74))
        // A run resumed on a kept machine counts with its interrupted part: 30 + 30 min, plus 12.
        XCTAssertFalse(try fits("/b/provo/finetune/smollm2-lora-mul/seed123/model/finetuned.json", minutesLeft: 71))
        XCTAssertTrue(try fits("/b/provo/finetune/smollm2-lora-mul/seed123/model/finetuned.json", minutesLeft: 73))
        // The rule's own default when the ledger has none: 25 + 12 min.
        XCTAssertTrue(try fits("/b/paperA/mfrc/sft/smollm2/model/finetuned.json", minutesLeft: 40, defaultMinutes: "25"))
        XCTAssertFalse(try fits("/b/paperA/mfrc/sft/smollm2/model/finetuned.json", minutesLeft: 35, defaultMinutes: "25"))
        // A BERT baseline by its predictions file: 10 + 12 min (the ledger wins over the default).
        XCTAssertTrue(try fits("/b/paperA/mfrc/bert/predictions.h5", minutesLeft: 24, defaultMinutes: "25"))
        XCTAssertTrue(try fits("/b/paperA/mfrc/bert/predictions.h5", minutesLeft: 24))
        XCTAssertFalse(try fits("/b/paperA/mfrc/bert/predictions.h5", minutesLeft: 20))
        // Resuming from a checkpoint at step 30 of 40: a quarter of the 50 min, plus 12.
        let resumed = dir + "/provo/finetune/gemma-full-mul/seed7"
        try FileManager.default.createDirectory(atPath: resumed + "/checkpoint", withIntermediateDirectories: true)
        let header = #"{"__metadata__":{"config_hash":"x","step":"30","total_steps":"40"}}"#
        var bytes = Data([UInt8(header.utf8.count), 0, 0, 0, 0, 0, 0, 0]); bytes.append(Data(header.utf8))
        try bytes.write(to: URL(fileURLWithPath: resumed + "/checkpoint/trainable.safetensors"))
        XCTAssertTrue(try fits(resumed + "/model/finetuned.json", minutesLeft: 26))
        XCTAssertFalse(try fits(resumed + "/model/finetuned.json", minutesLeft: 23))
        let refused = try Stages.runExecutable(script, [ledger, seed456], environment: ["SESSION_END": String(Int(Date().timeIntervalSince1970))],
                                               unset: ["SPAN_SESSIONS"])
        XCTAssertTrue(refused.stderr.contains("not starting \(seed456): expected 62 min"), refused.stderr)

        // On a kept machine (SPAN_SESSIONS=1) a run starts whenever SESSION_END has not passed: its
        // checkpoints carry it into the next session.
        func spanning(minutesLeft: Int) throws -> (status: Int32, stderr: String) {
            let end = String(Int(Date().timeIntervalSince1970) + minutesLeft * 60)
            let r = try Stages.runExecutable(script, [ledger, seed456], environment: ["SESSION_END": end, "SPAN_SESSIONS": "1"])
            return (r.status, r.stderr)
        }
        let spans = try spanning(minutesLeft: 10)
        XCTAssertEqual(spans.status, 0, spans.stderr)
        XCTAssertTrue(spans.stderr.contains("starting \(seed456) though it is expected to take 62 min"), spans.stderr)
        XCTAssertNotEqual(try spanning(minutesLeft: -1).status, 0, "not after SESSION_END")
        XCTAssertFalse(try Stages.runExecutable(script, [ledger, seed456], environment: [
            "SESSION_END": String(Int(Date().timeIntervalSince1970) + 600), "SPAN_SESSIONS": "0"]).status == 0)
    }
}
