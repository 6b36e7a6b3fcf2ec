import XCTest
import Plots

/// The committed transcription in data/published: counts per table, spot values, claims.
final class PublishedDataTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/published").path

    func path(_ name: String) -> String { (Self.dir as NSString).appendingPathComponent(name) }

    func testCountsPerTable() throws {
        let t = try PublishedTable.loadDirectory(Self.dir)
        let expected: [(String, String, Int)] = [("A", "1", 84), ("A", "2", 48), ("A", "4", 22), ("A", "5", 84), ("A", "6", 24),
                                                 ("B", "1", 11), ("B", "3", 6)]
        for (p, tab, n) in expected {
            XCTAssertEqual(t.cells(paper: p, table: tab).count, n, "paper \(p) table \(tab)")
        }
        XCTAssertEqual(t.cells.count, 279)
        // Only paper B prints SDs.
        XCTAssertEqual(t.cells.filter { $0.sd != nil }.count, 17)
        XCTAssertTrue(t.cells.filter { $0.key.paper == "A" }.allSatisfy { $0.sd == nil })
    }

    func testSpotValues() throws {
        let t = try PublishedTable.loadDirectory(Self.dir)
        func cell(_ p: String) -> NumberCell? { t[CellKey(path: p)!] }
        XCTAssertEqual(cell("B/1/Oracle/GPT-2")?.value, 0.443)
        XCTAssertEqual(cell("B/1/Oracle/GPT-2")?.sd, 0.002)
        XCTAssertEqual(cell("B/1/Base/GPT-2")?.value, 0.607)
        XCTAssertEqual(cell("B/1/FT (Mul. labels)/Mistral-7B-IT")?.value, 0.499)
        XCTAssertEqual(cell("B/1/FT (Mul. labels)/Mistral-7B-IT")?.sd, 0.006)
        XCTAssertEqual(cell("B/1/FT (Maj. label)/GPT-2")?.sd, 0.005)
        XCTAssertEqual(cell("B/3/Base/Mistral-7B-IT")?.value, 0.590)
        XCTAssertEqual(cell("B/3/FT (Mul. labels)/GPT-2")?.value, 0.041)
        XCTAssertEqual(cell("A/1/Compare-to-None/GoEmotions/NLL")?.value, 23.93)
        XCTAssertEqual(cell("A/1/Max-Over-Generations/MFRC/F1")?.value, 0.63)
        XCTAssertEqual(cell("A/5/Hard Predictions/MFRC/NLL")?.value, 40.79)
        XCTAssertEqual(cell("A/5/Unary Breakdown/MSPPodcast/F1")?.value, 0.12)
        XCTAssertEqual(cell("A/2/70B Instruct/MFRC/Pred 2+")?.value, 0.550)
        XCTAssertEqual(cell("A/2/70B Base/GoEmotions/Pred 2+")?.value, 0.0)
        XCTAssertEqual(cell("A/4/MFRC/8B Base")?.value, 100)
        XCTAssertEqual(cell("A/4/Boxes/70B Instruct")?.value, 56.8)
        XCTAssertEqual(cell("A/6/8B Base/Boxes/Label")?.value, 3.11)
        XCTAssertEqual(cell("A/6/8B Instruct/SemEval/1st Tokens")?.value, 2.84)
        // Cells the papers print as N/A, N/S or '-' have no number.
        XCTAssertNil(cell("B/1/1-Shot/GPT-2"))
        XCTAssertNil(cell("A/1/Linear Probing/Hatexplain/NLL"))
        XCTAssertNil(cell("A/5/Max-Over-Generations/MSPPodcast/L1"))
        XCTAssertNil(cell("A/4/Boxes/8B SFT"))
    }

    func testClaimsParseAndMatchThePapersOwnNumbers() throws {
        let claims = try ClaimSet.loadDirectory(Self.dir)
        XCTAssertEqual(claims.claims.filter { $0.paper == "A" }.count, 81)
        XCTAssertEqual(claims.claims.filter { $0.paper == "B" }.count, 29)
        let published = try PublishedTable.loadDirectory(Self.dir)
        let results = claims.evaluate(on: published)
        // Where the paper's prose and its own tables disagree (documented in the README).
        let notHeld = Set(results.filter { $0.outcome == .notHeld }.map(\.claim.id))
        XCTAssertEqual(notHeld, ["A1-supervised-nll-MFRC", "A5-unary-like-maxgen-nll-GoEmotions",
                                 "A5-unary-like-maxgen-nll-MFRC", "A5-bert-best-l1-MFRC", "A5-bert-best-f1-MFRC"])
        // Claims on figure cells (tables F*) have no published numbers; every table claim can be judged.
        for r in results {
            let onFigure = r.claim.cells.contains { $0.table.hasPrefix("F") }
            XCTAssertEqual(r.outcome == .notEvaluable, onFigure, r.claim.id)
        }
        XCTAssertEqual(results.filter { $0.outcome == .notEvaluable }.count, 22)
        XCTAssertEqual(results.filter { $0.outcome == .held }.count, 83)
        // Every table cell a claim names exists in the transcription (catches typos in claims).
        for c in claims.claims {
            for k in c.cells where !k.table.hasPrefix("F") {
                XCTAssertNotNil(published[k], "claim \(c.id) names \(k), which is not a published cell")
            }
        }
    }

    func testMappingRenamesOurLabels() throws {
        let m = try LabelMapping.load(path: path("mapping.csv"))
        // Paper B's model labels come from pipeline/paperB.yaml (report adds them), not this file.
        XCTAssertEqual(m.apply(CellKey(path: "B/1/Base/Gemma-3-270M")!), CellKey(path: "B/1/Base/Gemma-3-270M")!)
        XCTAssertEqual(m.apply(CellKey(path: "A/1/BERT/HS-Brexit/NLL")!), CellKey(path: "A/1/BERT/Hatexplain/NLL")!)
        XCTAssertEqual(m.apply(CellKey(path: "A/2/Qwen2.5-Coder-0.5B-Instruct/MFRC/Pred")!), CellKey(path: "A/2/70B Instruct/MFRC/Pred")!)
        XCTAssertEqual(m.apply(CellKey(path: "A/4/GoEmotions/SmolLM2-135M-Instruct SFT")!), CellKey(path: "A/4/GoEmotions/8B SFT")!)
        // Papers are kept apart: Gemma is 8B Base in paper A only.
        XCTAssertEqual(m.apply(CellKey(path: "A/2/Gemma-3-270M/MFRC/Gold")!).row, "8B Base")
    }
}
