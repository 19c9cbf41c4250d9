import Engine
import XCTest

/// `strata tune analyze`: the table, the JSON document, and that it changes nothing.
final class TuneAnalyzeTests: TuneTestCase {
    func testTableHasOneRowPerPartitionAndTotals() throws {
        let run = try tune("analyze", fixture.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let lines = run.lines
        XCTAssertTrue(lines[0].hasPrefix("Data directory \(fixture.directory): 3 partitions of 2 topics"), lines[0])
        XCTAssertTrue(run.stdout.contains("  users: segment.bytes=16384 (topic file), cleanup.policy=compact (topic file)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("  events: Kafka's defaults"), run.stdout)
        let header = try XCTUnwrap(lines.first { $0.hasPrefix("PARTITION") })
        for column in ["POLICY", "SIZE", "SEGS", "OLDEST", "NEWEST", "~KEYS", "TOMBSTONES", "DIRTY", "COMPACTABLE", "RETENTION DUE"] {
            XCTAssertTrue(header.contains(column), column)
        }
        let users0 = try XCTUnwrap(lines.first { $0.hasPrefix("users-0 ") })
        XCTAssertTrue(users0.contains(" compact "), users0)
        XCTAssertTrue(users0.contains("100% due"), users0)
        XCTAssertTrue(users0.contains(" 100 "), users0)  // tombstones
        XCTAssertTrue(users0.contains(" KiB"), users0)
        let events = try XCTUnwrap(lines.first { $0.hasPrefix("events-0 ") })
        XCTAssertTrue(events.contains("2020-01-26 00:53 ("), events)
        XCTAssertTrue(events.contains("d ago)"), events)
        XCTAssertTrue(lines.contains { $0.hasPrefix("TOTAL ") })
        XCTAssertTrue(lines.contains("Retention due: events-0 3 segments, 18.8 KiB (retention.ms)"), run.stdout)

        let only = try tune("analyze", fixture.directory, "--topic", "users")
        XCTAssertEqual(only.status, 0, only.stderr)
        XCTAssertFalse(only.stdout.contains("events-0"))
        XCTAssertTrue(only.stdout.contains("users-1"))
    }

    func testJSONFields() throws {
        let doc = try document(try tune("analyze", fixture.directory, "--json"))
        XCTAssertEqual(doc["command"] as? String, "analyze")
        XCTAssertEqual(doc["directory"] as? String, fixture.directory)
        XCTAssertNotNil(doc["now"] as? Int)
        XCTAssertTrue(doc["brokerConfig"] is NSNull)
        XCTAssertEqual(doc["topicFiles"] as? String, fixture.directory + "/strata-topics")
        XCTAssertEqual((doc["failures"] as? [Any])?.count, 0)
        let partitions = try partitions(doc)
        XCTAssertEqual(partitions.keys.sorted(), ["events-0", "users-0", "users-1"])

        for (number, keys) in TuneFixture.userKeys {
            let users = try XCTUnwrap(partitions["users-\(number)"])
            XCTAssertEqual(users["topic"] as? String, "users")
            XCTAssertEqual(users["partition"] as? Int, number)
            XCTAssertEqual(users["cleanupPolicy"] as? String, "compact")
            XCTAssertEqual(Double(try XCTUnwrap(users["distinctKeys"] as? Int)), Double(keys), accuracy: Double(keys) * 0.03)
            XCTAssertEqual(users["records"] as? Int, keys * (number == 0 ? 4 : 3))
            XCTAssertEqual(users["tombstones"] as? Int, keys / 10)
            XCTAssertEqual(users["recordsWithoutKey"] as? Int, 0)
            let compaction = try XCTUnwrap(users["compaction"] as? [String: Any])
            XCTAssertEqual(compaction["dirtyRatio"] as? Double, 1)
            XCTAssertEqual(compaction["cleanBytes"] as? Int, 0)
            XCTAssertGreaterThan(try XCTUnwrap(compaction["dirtyBytes"] as? Int), 0)
            XCTAssertEqual(compaction["cleanerPicks"] as? Bool, true)
            XCTAssertEqual(compaction["minCleanableDirtyRatio"] as? Double, 0.5)
            XCTAssertGreaterThan(try XCTUnwrap(compaction["bytes"] as? Int), 0)
            XCTAssertLessThan(try XCTUnwrap(compaction["bytes"] as? Int), try XCTUnwrap(users["size"] as? Int))
            XCTAssertGreaterThan(try XCTUnwrap(compaction["records"] as? Int), 0)
            let settings = try XCTUnwrap(users["settings"] as? [[String: Any]])
            XCTAssertTrue(settings.contains { $0["name"] as? String == "cleanup.policy" && $0["value"] as? String == "compact" && $0["source"] as? String == "topic file" })
            let segments = try XCTUnwrap(users["segmentDetails"] as? [[String: Any]])
            XCTAssertEqual(segments.count, users["segments"] as? Int)
            XCTAssertEqual(segments.reduce(0) { $0 + ($1["size"] as? Int ?? 0) }, users["size"] as? Int)
            XCTAssertEqual((users["retention"] as? [String: Any])?["segments"] as? Int, 0)
        }
        // users-0 is big enough to have several segments; the cleaner never sees its active one.
        XCTAssertGreaterThan(try XCTUnwrap(partitions["users-0"]?["segments"] as? Int), 4)

        let events = try XCTUnwrap(partitions["events-0"])
        XCTAssertEqual(events["cleanupPolicy"] as? String, "delete")
        XCTAssertTrue(events["compaction"] is NSNull)
        XCTAssertEqual(events["records"] as? Int, 300)
        XCTAssertEqual(events["recordsWithoutKey"] as? Int, 300)
        XCTAssertEqual(events["distinctKeys"] as? Int, 0)
        XCTAssertEqual(events["segments"] as? Int, 5)
        XCTAssertEqual(events["oldestTimestamp"] as? Int, Int(TuneFixture.oldTimestamp))
        XCTAssertEqual(events["oldestDate"] as? String, "2020-01-26T00:53:20.000Z")
        let retention = try XCTUnwrap(events["retention"] as? [String: Any])
        XCTAssertEqual(retention["segments"] as? Int, 3)
        XCTAssertEqual(retention["records"] as? Int, 180)
        XCTAssertEqual(retention["reasons"] as? [String], ["retention.ms"])
        XCTAssertEqual(retention["rollsActive"] as? Bool, false)

        let totals = try XCTUnwrap(doc["totals"] as? [String: Any])
        XCTAssertEqual(totals["partitions"] as? Int, 3)
        XCTAssertEqual(totals["records"] as? Int, 5800)
        XCTAssertEqual(totals["size"] as? Int, partitions.values.reduce(0) { $0 + ($1["size"] as? Int ?? 0) })
    }

    func testAnalyzeAndSimulateChangeNoFile() throws {
        let before = try fixture.snapshot()
        XCTAssertEqual(try tune("analyze", fixture.directory).status, 0)
        XCTAssertEqual(try tune("analyze", fixture.directory, "--json", "--topic", "users").status, 0)
        XCTAssertEqual(try tune("simulate", fixture.directory).status, 0)
        XCTAssertEqual(try tune("simulate", fixture.directory, "--json", "--cleanup.policy", "compact,delete", "--retention.bytes", "1",
                                "--retention.ms", "1", "--min.compaction.lag.ms", "0", "--delete.retention.ms", "0").status, 0)
        let after = try fixture.snapshot()
        XCTAssertEqual(before.keys.sorted(), after.keys.sorted())
        for (path, (bytes, modified)) in before {
            XCTAssertEqual(after[path]?.0, bytes, "\(path) changed")
            XCTAssertEqual(after[path]?.1, modified, "\(path) was written")
        }
        XCTAssertTrue(before.keys.contains { $0.hasSuffix(".log") })
        XCTAssertTrue(before.keys.contains("strata-topics/users.topic"))
    }
}
