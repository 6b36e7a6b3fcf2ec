import XCTest
import Plots

final class PublishedDiffTests: XCTestCase {
    func published() throws -> PublishedTable {
        let text = """
        paper,table,row,column,value,sd,note
        B,1,Base,GPT-2,0.607,0.001,
        B,1,Oracle,GPT-2,0.443,0.002,
        A,1,BERT,Hatexplain/NLL,2.69,,no sd
        B,3,Base,GPT-2,0.032,0.002,

        """
        return try PublishedTable.parse(try CSVTable.parse(text, source: "pub.csv"))
    }

    func mapping() throws -> LabelMapping {
        try LabelMapping(entries: [.init(paper: "B", table: "*", ours: "Gemma-3-270M", published: "GPT-2"),
                                   .init(paper: "A", table: "*", ours: "HS-Brexit", published: "Hatexplain")])
    }

    func testDiffOnHandMadeNumbers() throws {
        let ours = [NumberCell(paper: "B", table: "1", row: "Base", column: "Gemma-3-270M", value: 0.6095, sd: 0.002),
                    NumberCell(paper: "B", table: "1", row: "Oracle", column: "Gemma-3-270M", value: 0.444),
                    NumberCell(paper: "A", table: "1", row: "BERT", column: "HS-Brexit/NLL", value: 2.5),
                    NumberCell(paper: "B", table: "F9", row: "16", column: "Gemma-3-270M", value: 0.5)]
        let d = try diffAgainstPublished(ours: ours, published: try published(), mapping: try mapping())
        XCTAssertEqual(d.rows.map(\.key.description), ["B/1/Base/GPT-2", "B/1/Oracle/GPT-2", "A/1/BERT/Hatexplain/NLL"])
        XCTAssertEqual(d.rows[0].delta, 0.0025, accuracy: 1e-12)
        // |0.0025| > sqrt(0.002^2 + 0.001^2) = 0.00224
        XCTAssertEqual(d.rows[0].withinSD, false)
        // |0.001| <= sqrt(0 + 0.002^2)
        XCTAssertEqual(d.rows[1].withinSD, true)
        // Neither side has an SD: undecided.
        XCTAssertNil(d.rows[2].withinSD)
        XCTAssertEqual(d.rows[2].delta, -0.19, accuracy: 1e-12)
        XCTAssertEqual(d.missingOurs.map(\.description), ["B/3/Base/GPT-2"])
        XCTAssertEqual(d.missingPublished.map(\.description), ["B/F9/16/GPT-2"])
        XCTAssertEqual(d.csv(digits: 4).render(), """
            paper,table,row,column,ours,ours_sd,published,published_sd,delta,within_sd
            B,1,Base,GPT-2,0.6095,0.0020,0.6070,0.0010,0.0025,no
            B,1,Oracle,GPT-2,0.4440,,0.4430,0.0020,0.0010,yes
            A,1,BERT,Hatexplain/NLL,2.5000,,2.6900,,-0.1900,

            """)
        XCTAssertEqual(d.missingCSV().render(), """
            paper,table,row,column,missing_in
            B,3,Base,GPT-2,ours
            B,F9,16,GPT-2,published

            """)
    }

    func testDiffRejectsCollisionsAndNonFiniteNumbers() throws {
        let twice = [NumberCell(paper: "B", table: "1", row: "Base", column: "Gemma-3-270M", value: 0.6),
                     NumberCell(paper: "B", table: "1", row: "Base", column: "GPT-2", value: 0.6)]
        XCTAssertThrowsError(try diffAgainstPublished(ours: twice, published: try published(), mapping: try mapping())) {
            XCTAssertTrue("\($0)".contains("B/1/Base/GPT-2 given twice"), "\($0)")
        }
        let nan = [NumberCell(paper: "B", table: "1", row: "Base", column: "GPT-2", value: .nan)]
        XCTAssertThrowsError(try diffAgainstPublished(ours: nan, published: try published()))
    }

    func testPublishedLoaderNamesFileAndLine() {
        func message(_ body: String) -> String {
            let text = "paper,table,row,column,value,sd,note\nB,1,Base,GPT-2,0.6,,\n" + body
            do { _ = try PublishedTable.parse(try CSVTable.parse(text, source: "p.csv")); return "ok" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("B,1,Oracle,GPT-2,abc,,\n"), "p.csv:3: value 'abc' is not a finite number")
        XCTAssertEqual(message("B,1,Oracle,GPT-2,0.4,-1,\n"), "p.csv:3: sd '-1' is not a finite number >= 0")
        XCTAssertEqual(message("B,1,Base,GPT-2,0.5,,\n"), "p.csv:3: cell B/1/Base/GPT-2 already given on line 2")
        XCTAssertEqual(message("B,1,a/b,GPT-2,0.5,,\n"),
                       "p.csv:3: row label 'a/b' contains '/', which would make cell paths ambiguous")
        XCTAssertEqual(message("B,,Base,GPT-2,0.5,,\n"), "p.csv:3: field 'table' is empty or has surrounding spaces: ''")
        XCTAssertThrowsError(try PublishedTable.parse(try CSVTable.parse("paper,table\nA,1\n", source: "h.csv")))
    }

    func testMappingConflictsAndPrecedence() throws {
        XCTAssertThrowsError(try LabelMapping(entries: [.init(paper: "B", table: "*", ours: "x", published: "GPT-2"),
                                                        .init(paper: "B", table: "*", ours: "x", published: "Mistral-7B-IT")]))
        let m = try LabelMapping(entries: [.init(paper: "A", table: "*", ours: "m", published: "8B Instruct"),
                                           .init(paper: "A", table: "2", ours: "m", published: "70B Instruct")])
        XCTAssertEqual(m.map("m", paper: "A", table: "2"), "70B Instruct")
        XCTAssertEqual(m.map("m", paper: "A", table: "4"), "8B Instruct")
        XCTAssertEqual(m.map("m", paper: "B", table: "1"), "m")
    }
}

final class ClaimTests: XCTestCase {
    let values: [String: Double] = ["X/1/a/c": 0.5, "X/1/b/c": 0.6, "X/1/c/d/e": 2, "X/1/zero/c": 0]
    func lookup(_ k: CellKey) -> Double? { values[k.description] }

    func judge(_ kind: String, _ args: String) throws -> ClaimResult {
        try Claim(paper: "X", id: "t", text: "", kind: kind, args: args).evaluate(lookup)
    }

    func testOrderChains() throws {
        let r = try judge("order", "[X/1/a/c] < [X/1/b/c] < 0.9")
        XCTAssertEqual(r.outcome, .held)
        XCTAssertEqual(r.detail, "0.5000 < 0.6000 < 0.9000")
        XCTAssertEqual(try judge("order", "[X/1/a/c] < [X/1/b/c] > 0.9").outcome, .notHeld)
        XCTAssertEqual(try judge("order", "[X/1/a/c] <= 0.5").outcome, .held)
        XCTAssertEqual(try judge("order", "[X/1/a/c] < 0.5").outcome, .notHeld)
        XCTAssertEqual(try judge("order", "[X/1/b/c] >= 0.6 >= [X/1/a/c]").outcome, .held)
    }

    /// Values that differ only past the 4th decimal get the digits that tell them apart.
    func testDetailShowsDigitsThatSeparateComparedValues() throws {
        let r = try judge("order", "[X/1/zero/c] - 0.00002 < [X/1/zero/c]")
        XCTAssertEqual(r.outcome, .held)
        XCTAssertEqual(r.detail, "-0.00002 < 0.00000")
        XCTAssertEqual(try judge("order", "[X/1/zero/c] - 1e-17 < [X/1/zero/c]").detail, "-1e-17 < 0.0")
        // Equal values keep 4 decimals.
        XCTAssertEqual(try judge("order", "[X/1/a/c] < 0.5").detail, "0.5000 < 0.5000")
        let a = try judge("approx", "[X/1/a/c] ~ 0.500001; tol=0")
        XCTAssertEqual(a.outcome, .notHeld)
        XCTAssertEqual(a.detail, "|0.500000 - 0.500001| = 0.000001 > 0.000000")
    }

    func testArithmeticMinMaxAndPaths() throws {
        // 0.6 - 0.5 = 0.1 ; 2 * (2 - 1.95) = 0.1 ; min(0.5, 0.6, 2) = 0.5 ; max(...) = 2
        let d = try judge("order", "[X/1/b/c] - [X/1/a/c] < 2 * ([X/1/c/d/e] - 1.9) + 0.1")
        XCTAssertEqual(d.outcome, .held, d.detail)
        XCTAssertEqual(d.detail, "0.1000 < 0.3000")
        XCTAssertEqual(try judge("order", "min([X/1/a/c], [X/1/b/c], [X/1/c/d/e]) > 0.49").outcome, .held)
        XCTAssertEqual(try judge("order", "max([X/1/a/c], [X/1/b/c], [X/1/c/d/e]) / 4 < 0.5").outcome, .notHeld)
        XCTAssertEqual(try judge("order", "-[X/1/a/c] < -0.4").outcome, .held)
        XCTAssertEqual(try judge("order", "1e-1 * [X/1/c/d/e] > 0.19").outcome, .held)
        // The column part of a cell keeps its slashes.
        let c = try Claim(paper: "X", id: "t", text: "", kind: "order", args: "[X/1/c/d/e] > 1")
        XCTAssertEqual(c.cells, [CellKey(paper: "X", table: "1", row: "c", column: "d/e")])
    }

    func testApproxTolerances() throws {
        let vals: [String: Double] = ["P/1/r/a": 1.0, "P/1/r/b": 1.04]
        func j(_ args: String) throws -> ClaimOutcome {
            try Claim(paper: "P", id: "t", text: "", kind: "approx", args: args).evaluate { vals[$0.description] }.outcome
        }
        XCTAssertEqual(try j("[P/1/r/a] ~ [P/1/r/b]; tol=0.05"), .held)
        XCTAssertEqual(try j("[P/1/r/a] ~ [P/1/r/b]; tol=0.03"), .notHeld)
        XCTAssertEqual(try j("[P/1/r/a] ~ [P/1/r/b]; rtol=0.05"), .held)          // bound 0.052
        XCTAssertEqual(try j("[P/1/r/a] ~ [P/1/r/b]; tol=0.01; rtol=0.02"), .notHeld)  // bound 0.0308
        XCTAssertEqual(try j("[P/1/r/b] ~ 1.0; tol=0.04"), .held)            // exactly on the bound, in decimal
        XCTAssertEqual(try j("[P/1/r/b] ~ 1.0; tol=0.0399"), .notHeld)
    }

    func testMissingCellsAndNonFiniteTermsAreNotEvaluable() throws {
        let r = try judge("order", "[X/1/a/c] < [X/1/nope/c]")
        XCTAssertEqual(r.outcome, .notEvaluable)
        XCTAssertEqual(r.detail, "missing X/1/nope/c")
        XCTAssertEqual(try judge("order", "[X/1/a/c] / [X/1/zero/c] > 1").outcome, .notEvaluable)
    }

    func testSyntaxErrorsNameFileLineAndClaim() {
        func message(_ kind: String, _ args: String) -> String {
            var t = CSVTable(header: ["paper", "claim_id", "text", "kind", "args"], source: "c.csv")
            try! t.append(["X", "ok", "", "order", "1 < 2"])
            try! t.append(["X", "bad", "", kind, args])
            do { _ = try ClaimSet.parse(try CSVTable.parse(t.render(), source: "c.csv")); return "ok" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("order", "1 < 2"), "ok")
        XCTAssertEqual(message("ordre", "1 < 2"), "c.csv:3: claim bad: unknown kind 'ordre' (order, approx)")
        XCTAssertEqual(message("order", "1 ~ 2; tol=1"), "c.csv:3: claim bad: order needs a chain of <, >, <=, >= comparisons")
        XCTAssertEqual(message("order", "[X/1/a/c]"), "c.csv:3: claim bad: order needs a chain of <, >, <=, >= comparisons")
        XCTAssertEqual(message("approx", "1 ~ 2"), "c.csv:3: claim bad: approx needs tol= and/or rtol=")
        XCTAssertEqual(message("approx", "1 ~ 2; eps=1"), "c.csv:3: claim bad: unknown option 'eps' (tol, rtol)")
        XCTAssertEqual(message("order", "[X/1/a < 2"), "c.csv:3: claim bad: unclosed '['")
        XCTAssertEqual(message("order", "[X/1/a] < 2"), "c.csv:3: claim bad: cell '[X/1/a]' is not paper/table/row/column")
        XCTAssertEqual(message("order", "mean(1, 2) < 2"), "c.csv:3: claim bad: unknown function 'mean' (min, max)")
        XCTAssertEqual(message("order", "1 < 2 3"), "c.csv:3: claim bad: expected a comparison (<, >, <=, >=, ~) at token 4")
        XCTAssertEqual(message("order", "1 < (2"), "c.csv:3: claim bad: expected ')'")
        XCTAssertEqual(message("order", "1 < 2 $"), "c.csv:3: claim bad: unexpected character '$'")
        var dup = CSVTable(header: ["paper", "claim_id", "text", "kind", "args"], source: "d.csv")
        try! dup.append(["X", "same", "", "order", "1 < 2"])
        try! dup.append(["X", "same", "", "order", "1 < 2"])
        XCTAssertThrowsError(try ClaimSet.parse(try CSVTable.parse(dup.render(), source: "d.csv"))) {
            XCTAssertEqual("\($0)", "d.csv:3: claim same: id already used on line 2")
        }
    }

    func testResultsCSV() throws {
        let set = try ClaimSet(claims: [try Claim(paper: "X", id: "c1", text: "a below b", kind: "order", args: "[X/1/a/c] < [X/1/b/c]")])
        let csv = ClaimSet.resultsCSV(set.claims.map { $0.evaluate(lookup) })
        XCTAssertEqual(csv.render(), "paper,claim_id,outcome,detail,text\nX,c1,held,0.5000 < 0.6000,a below b\n")
    }
}
