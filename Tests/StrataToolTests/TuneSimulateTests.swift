import Engine
import XCTest

/// `strata tune simulate` predicts what `strata tune apply` then does.
final class TuneSimulateTests: TuneTestCase {
    func testPredictsWhatApplyDoes() throws {
        let scenarios: [[String]] = [
            [],                                                                           // each topic's own configs
            ["--topic", "users", "--cleanup.policy", "compact,delete", "--retention.bytes", "60000"],  // retention, then compaction
            ["--topic", "users", "--min.compaction.lag.ms", "7200000"],                   // every segment too young to clean
            ["--retention.ms", "-1", "--config", "segment.bytes=1073741824"],              // nothing expires; cleaned segments merge
        ]
        for settings in scenarios {
            let copy = try copyOfFixture()
            let simulated = try document(try StrataTool.run(["tune", "simulate", copy.directory, "--json"] + settings))
            let applied = try document(try StrataTool.run(["tune", "apply", copy.directory, "--json", "--no-persist"] + settings))
            let predicted = try partitions(simulated)
            let done = try partitions(applied)
            XCTAssertEqual(predicted.keys.sorted(), done.keys.sorted(), "\(settings)")
            for (name, prediction) in predicted {
                let context = "\(name) with \(settings)"
                let result = try XCTUnwrap(done[name])
                let retention = try XCTUnwrap(prediction["retention"] as? [String: Any])
                let deleted = try XCTUnwrap(result["retention"] as? [String: Any])
                XCTAssertEqual(retention["segments"] as? Int, deleted["deletedSegments"] as? Int, context)
                XCTAssertEqual(retention["bytes"] as? Int, deleted["deletedBytes"] as? Int, context)
                let cleaned = result["compaction"] as? [String: Any]
                if let compaction = prediction["compaction"] as? [String: Any] {
                    XCTAssertEqual(compaction["records"] as? Int, try XCTUnwrap(cleaned?["recordsRemoved"] as? Int), context)
                } else {
                    XCTAssertNil(cleaned, context)
                }
                let after = try XCTUnwrap(prediction["after"] as? [String: Any])
                let actual = try XCTUnwrap(result["after"] as? [String: Any])
                XCTAssertEqual(after["records"] as? Int, actual["records"] as? Int, context)
                XCTAssertEqual(after["segments"] as? Int, actual["segments"] as? Int, context)
                // Bytes: exact for whole segments and batches; a batch that keeps a tombstone gets a
                // delete horizon and re-based timestamp deltas, which the estimate leaves out.
                let size = try XCTUnwrap(prediction["size"] as? Int)
                XCTAssertEqual(Double(try XCTUnwrap(after["size"] as? Int)), Double(try XCTUnwrap(actual["size"] as? Int)),
                               accuracy: Double(size) * 0.05, context)
                XCTAssertEqual(prediction["size"] as? Int, (result["before"] as? [String: Any])?["size"] as? Int, context)
            }
        }
    }

    func testReportsRetentionCleanerAndSizeAfter() throws {
        let run = try tune("simulate", fixture.directory, "--topic", "users", "--cleanup.policy", "compact,delete",
                           "--retention.bytes", "60000", "--min.cleanable.dirty.ratio", "0.9")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("no file is changed"), run.stdout)
        XCTAssertTrue(run.stdout.contains("retention.bytes=60000 (command line)"), run.stdout)
        let users0 = try XCTUnwrap(run.lines.first { $0.hasPrefix("users-0 ") })
        XCTAssertTrue(users0.contains("compact,delete"), users0)
        XCTAssertTrue(users0.contains("retention.bytes"), users0)
        XCTAssertTrue(users0.contains("picks: 100% ≥ 90%"), users0)
        XCTAssertTrue(run.lines.contains { $0.hasPrefix("Would reclaim ") }, run.stdout)

        let doc = try document(try tune("simulate", fixture.directory, "--json", "--topic", "users", "--min.cleanable.dirty.ratio", "0.9",
                                        "--retention.ms", "1000", "--cleanup.policy", "delete"))
        XCTAssertEqual(doc["overrides"] as? [String: String], ["min.cleanable.dirty.ratio": "0.9", "retention.ms": "1000", "cleanup.policy": "delete"])
        let users = try XCTUnwrap(try partitions(doc)["users-0"])
        XCTAssertTrue(users["compaction"] is NSNull)
        let retention = try XCTUnwrap(users["retention"] as? [String: Any])
        XCTAssertEqual(retention["rollsActive"] as? Bool, true)
        XCTAssertEqual(retention["segments"] as? Int, users["segments"] as? Int)
        XCTAssertEqual((users["after"] as? [String: Any])?["size"] as? Int, 0)
        XCTAssertEqual((users["after"] as? [String: Any])?["segments"] as? Int, 1)
        XCTAssertTrue((doc["notes"] as? [String])?.contains { $0.contains("the active segment rolls first") } == true)
    }
}
