import TestSupport
import XCTest
import Datasets

final class LabeledDatasetTests: XCTestCase {
    private func expectMessage(_ body: @autoclosure () throws -> Any, contains text: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(text), "message was: \(e)", file: file, line: line)
        }
    }

    func testSemEval() throws {
        let d = try SemEvalEc.load(path: fixturePath("semeval_ec_small.txt"))
        XCTAssertEqual(d.labels.count, 11)
        XCTAssertEqual(d.items.count, 2)
        XCTAssertEqual(d.items[0].text, "So angry \"today\" & sad")   // quote inside an unquoted field
        XCTAssertEqual(d.items[0].proportions, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertNil(d.items[0].annotators)
        let bad = try temporaryFile("ec.txt", "ID\tTweet\tanger\tanticipation\tdisgust\tfear\tjoy\tlove\toptimism\tpessimism\tsadness\tsurprise\ttrust\nx\ty\t0\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\n")
        expectMessage(try SemEvalEc.load(path: bad), contains: "ec.txt:2: column 'anticipation': invalid value '2': expected 0 or 1")
    }

    func testGoEmotionsAggregatedPooledAndRaw() throws {
        let names = try GoEmotions.labelNames(path: fixturePath("goemotions_labels.txt"))
        XCTAssertEqual(names, GoEmotions.emotionNames)
        let pooled = try GoEmotions.loadAggregated(path: fixturePath("goemotions_small.tsv"), labelNames: names, pooled: true)
        XCTAssertEqual(pooled.labels, ["admiration", "anger", "fear", "joy", "optimism", "sadness", "surprise"])
        XCTAssertEqual(pooled.items.map(\.proportions), [[0, 0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]])
        XCTAssertEqual(pooled.items[0].text, "Ha, \"fun\" day")
        XCTAssertEqual(pooled.items.map(\.id), ["c1", "c2", "c3"])
        let raw = try GoEmotions.loadAggregated(path: fixturePath("goemotions_small.tsv"), labelNames: names, pooled: false)
        XCTAssertEqual(raw.labels.count, 28)
        XCTAssertEqual(raw.items[2].proportions[27], 1)   // neutral
        // Every emotion is in exactly one cluster, except neutral.
        let members = GoEmotions.clusters.flatMap(\.members)
        XCTAssertEqual(Set(members).count, 27)
        XCTAssertEqual(Set(members + ["neutral"]), Set(names))
        let bad = try temporaryFile("ge.tsv", "fine\t1\tx\nbroken\t3,99\ty\n")
        expectMessage(try GoEmotions.loadAggregated(path: bad, labelNames: names, pooled: true),
                      contains: "ge.tsv:2: column 'labels': invalid value '3,99'")
    }

    func testGoEmotionsRaters() throws {
        let (pooled, dropped) = try GoEmotions.loadRaters(paths: [fixturePath("goemotions_raters_small.csv")], pooled: true)
        XCTAssertEqual(dropped, 1)                       // comment c: its only rater found it unclear
        XCTAssertEqual(pooled.items.map(\.id), ["a", "b"])
        XCTAssertEqual(pooled.items[0].text, "Great, thanks!")
        XCTAssertEqual(pooled.items[0].annotators, 2)    // the unclear rater is not counted
        // a: r1 amusement+joy -> joy (once), r2 admiration. b: r1 neutral, r2 fear+nervousness -> fear.
        XCTAssertEqual(pooled.items[0].proportions, [0.5, 0, 0, 0.5, 0, 0, 0])
        XCTAssertEqual(pooled.items[1].proportions, [0, 0, 0.5, 0, 0, 0, 0])
        let (raw, _) = try GoEmotions.loadRaters(paths: [fixturePath("goemotions_raters_small.csv")], pooled: false)
        let names = GoEmotions.emotionNames
        XCTAssertEqual(raw.items[1].proportions[names.firstIndex(of: "nervousness")!], 0.5)
        XCTAssertEqual(raw.items[1].proportions[names.firstIndex(of: "neutral")!], 0.5)
        XCTAssertEqual(raw.items[0].proportions.reduce(0, +), 1.5)
        // A repeated rater is an error naming the file and line.
        let text = try String(contentsOfFile: fixturePath("goemotions_raters_small.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines.append(lines[1])
        let bad = try temporaryFile("raters.csv", lines.joined(separator: "\n") + "\n")
        expectMessage(try GoEmotions.loadRaters(paths: [bad], pooled: true), contains: "raters.csv:8: rater r1 rates comment a twice")
    }

    func testMFRCVoteCounts() throws {
        let d = try MFRC.loadVoteCounts(path: fixturePath("mfrc_votes_small.tsv"))
        XCTAssertEqual(d.labels, ["care", "proportionality", "equality", "purity", "authority", "loyalty"])
        XCTAssertEqual(d.items[0].proportions, [1, 0, 0, 0, 1.0 / 3, 0])
        XCTAssertEqual(d.items[0].annotators, 3)
        XCTAssertEqual(d.items[1].proportions, [1, 0.5, 0.25, 0, 0, 0])   // a count of 4 -> denominator 4
        XCTAssertEqual(d.items[1].annotators, 4)
        let bad = try temporaryFile("mfrc.tsv", "ID\ttext\tEquality\tCare\tNon-Moral\tAuthority\tThin Morality\tLoyalty\tProportionality\tPurity\n0\tx\t0\tone\t0\t0\t0\t0\t0\t0\n")
        expectMessage(try MFRC.loadVoteCounts(path: bad), contains: "mfrc.tsv:2: column 'Care': expected a number, found 'one'")
        let missing = try temporaryFile("mfrc2.tsv", "ID\ttext\tEquality\n")
        expectMessage(try MFRC.loadVoteCounts(path: missing), contains: "mfrc2.tsv: missing column 'Care'")
    }

    func testMFRCAnnotations() throws {
        let d = try MFRC.loadAnnotations(path: fixturePath("mfrc_annotations_small.csv"))
        XCTAssertEqual(d.items.count, 2)
        XCTAssertEqual(d.items[0].text, "Help them, please")
        XCTAssertEqual(d.items[0].annotators, 3)
        XCTAssertEqual(d.items[0].proportions, [2.0 / 3, 0, 0, 1.0 / 3, 0, 0])
        XCTAssertEqual(d.items[1].proportions, [0, 0, 0, 0, 0, 0.5])
        let bad = try temporaryFile("ann.csv", "text,annotator,annotation,confidence,subreddit,bucket\nx,a1,Care,c,s,b\ny,a1,Fairness,c,s,b\n")
        expectMessage(try MFRC.loadAnnotations(path: bad), contains: "ann.csv:3: column 'annotation': invalid value 'Fairness': unknown category 'Fairness'")
    }

    func testLeWiDi() throws {
        let all = try LeWiDi.load(path: fixturePath("lewidi_small.tsv"))
        XCTAssertEqual(all.name, "HS-Brexit")
        XCTAssertEqual(all.items.count, 3)
        XCTAssertFalse(all.multiLabel)
        let train = try LeWiDi.load(path: fixturePath("lewidi_small.tsv"), split: "train")
        XCTAssertEqual(train.items.map(\.id), ["train/1", "train/2"])
        XCTAssertEqual(train.items[0].text, "a \"quoted\" tweet")
        XCTAssertEqual(train.items[0].proportions[1], 1.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(train.items[1].proportions[0], 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(train.items[1].annotators, 6)
        let h = "dataset\tsplit\tid\ttext\tn_annotators\tannotations\tsoft_label_1\n"
        expectMessage(try LeWiDi.load(path: temporaryFile("l1.tsv", h + "X\ttrain\t1\tt\t3\t0,1\t0.5\n")),
                      contains: "l1.tsv:2: n_annotators is 3 but annotations has 2 labels")
        expectMessage(try LeWiDi.load(path: temporaryFile("l2.tsv", h + "X\ttrain\t1\tt\t2\t0,2\t0.5\n")),
                      contains: "l2.tsv:2: column 'annotations': invalid value '0,2'")
        expectMessage(try LeWiDi.load(path: temporaryFile("l3.tsv", h + "X\ttrain\t1\tt\t2\t0,1\t0.7\n")),
                      contains: "l3.tsv:2: soft_label_1 0.7 != share of 1s 0.5")
    }

    func testLeWiDiAnnotators() throws {
        let rows = try LeWiDi.loadAnnotators(path: fixturePath("lewidi_annotators_small.tsv"))
        XCTAssertEqual(rows, [LeWiDiAnnotators(id: "train/1", annotators: ["Ann1", "Ann2", "Ann3"], hardLabel: 0, otherInfoJSON: "{\"domain\": \"x\"}"),
                              LeWiDiAnnotators(id: "dev/1", annotators: ["Ann4", "Ann5"], hardLabel: 1, otherInfoJSON: "{}")])
        XCTAssertEqual(try LeWiDi.loadAnnotators(path: fixturePath("lewidi_annotators_small.tsv"), split: "dev").count, 1)
        let h = "dataset\tsplit\tid\tannotators\thard_label\tother_info_json\n"
        expectMessage(try LeWiDi.loadAnnotators(path: temporaryFile("la.tsv", h + "X\ttrain\t1\tA1\tyes\t{}\n")),
                      contains: "la.tsv:2: column 'hard_label': expected a number, found 'yes'")
    }

    func testRealPaperAFiles() throws {
        guard let dir = TestPaths.datasets else { throw XCTSkip("no datasets directory") }
        let ec = try ["train", "dev", "test-gold"].map { try SemEvalEc.load(path: "\(dir)/semeval2018_ec/2018-E-c-En-\($0).txt").items.count }
        XCTAssertEqual(ec, [6838, 886, 3259])
        let names = try GoEmotions.labelNames(path: dir + "/goemotions/labels.txt")
        let ge = try ["train", "dev", "test"].map { try GoEmotions.loadAggregated(path: "\(dir)/goemotions/\($0).tsv", labelNames: names, pooled: true).items.count }
        XCTAssertEqual(ge, [43_410, 5_426, 5_427])
        let mfrc = try MFRC.loadVoteCounts(path: dir + "/mfrc/mfrc_vote_counts.tsv")
        XCTAssertEqual(mfrc.items.count, 17_457)
        XCTAssertEqual(mfrc.items.filter { $0.annotators == 4 }.count, 2)
        let brexit = try LeWiDi.load(path: dir + "/lewidi/HS-Brexit.tsv")
        XCTAssertEqual(brexit.items.count, 784 + 168 + 168)
        XCTAssertEqual(try LeWiDi.load(path: dir + "/lewidi/MD-Agreement.tsv", split: "test").items.count, 3057)
        // The annotator file lists as many annotators per item as the label file has labels.
        let ann = try LeWiDi.loadAnnotators(path: dir + "/lewidi/HS-Brexit_annotators.tsv")
        XCTAssertEqual(ann.map(\.id), brexit.items.map(\.id))
        XCTAssertEqual(ann.map(\.annotators.count), brexit.items.map { $0.annotators! })
    }
}
