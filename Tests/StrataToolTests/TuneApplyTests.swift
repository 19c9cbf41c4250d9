import Engine
import Foundation
import XCTest

/// `strata tune apply`: runs retention and compaction offline, keeps every key's latest value,
/// persists settings into the broker's topic files, and is refused while another process holds
/// the directory.
final class TuneApplyTests: TuneTestCase {
    func testShrinksTheDirectoryAndKeepsTheLatestValueOfEveryKey() throws {
        let copy = try copyOfFixture()
        let before = try document(try tune("analyze", copy.directory, "--json"))
        let run = try tune("apply", copy.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.lines[0].hasPrefix("Applied retention and compaction to \(copy.directory) (every topic) in "), run.stdout)
        XCTAssertTrue(run.stdout.contains("Settings: each topic's own configs"), run.stdout)
        let header = try XCTUnwrap(run.lines.first { $0.hasPrefix("PARTITION") })
        for column in ["SIZE BEFORE", "SIZE AFTER", "SEGMENTS", "RECORDS", "RETENTION DELETED", "COMPACTION REMOVED", "RECLAIMED"] {
            XCTAssertTrue(header.contains(column), column)
        }
        let events = try XCTUnwrap(run.lines.first { $0.hasPrefix("events-0 ") })
        XCTAssertTrue(events.contains("5 → 2"), events)
        XCTAssertTrue(events.contains("300 → 120"), events)
        XCTAssertTrue(events.contains("3 segments, 18.8 KiB (retention.ms)"), events)
        let users0 = try XCTUnwrap(run.lines.first { $0.hasPrefix("users-0 ") })
        XCTAssertTrue(users0.contains("4000 → "), users0)
        XCTAssertTrue(run.lines.contains { $0.hasPrefix("TOTAL ") })
        XCTAssertTrue(run.lines.last?.hasPrefix("Reclaimed ") == true, run.stdout)
        XCTAssertTrue(run.stdout.contains("the directory was closed cleanly"))
        // Not a terminal: progress as lines on standard error.
        XCTAssertTrue(run.stderr.contains("strata tune apply: applying retention to 3 partitions"), run.stderr)
        XCTAssertTrue(run.stderr.contains("strata tune apply: compacting users-0 (1 of 2)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("strata tune apply: compacting users-0: 100%"), run.stderr)

        let after = try document(try tune("analyze", copy.directory, "--json"))
        let sizesBefore = try partitions(before).mapValues { $0["size"] as? Int ?? 0 }
        let sizesAfter = try partitions(after).mapValues { $0["size"] as? Int ?? 0 }
        for name in ["events-0", "users-0", "users-1"] {
            XCTAssertLessThan(try XCTUnwrap(sizesAfter[name]), try XCTUnwrap(sizesBefore[name]), name)
        }
        // Cleaned: nothing dirty is left, nothing more to reclaim.
        let users = try XCTUnwrap(try partitions(after)["users-0"]?["compaction"] as? [String: Any])
        XCTAssertEqual(users["dirtyRatio"] as? Double, 0)
        XCTAssertEqual(users["bytes"] as? Int, 0)

        XCTAssertTrue(FileManager.default.fileExists(atPath: copy.directory + "/" + LogManager.cleanShutdownFileName))
        let files = try copy.snapshot().keys
        XCTAssertFalse(files.contains { $0.hasSuffix(".deleted") || $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") }, "\(files.sorted())")
        for partition in [Int32(0), 1] {
            let read = try copy.readLatest(partition: partition)
            let expected = try XCTUnwrap(copy.latest[partition])
            XCTAssertEqual(expected.count, TuneFixture.userKeys[Int(partition)])
            for (key, value) in expected {
                if let value {
                    XCTAssertEqual(read[key] ?? nil, value, "users-\(partition) \(key)")
                } else {
                    XCTAssertNil(read[key] ?? nil, "users-\(partition) \(key) should stay deleted")
                }
            }
        }
    }

    func testPersistsSettingsIntoTheBrokerTopicFile() throws {
        let copy = try copyOfFixture()
        let topicFile = copy.directory + "/strata-topics/users.topic"
        let original = try String(contentsOfFile: topicFile, encoding: .utf8)

        let thisRunOnly = try tune("apply", copy.directory, "--topic", "users", "--delete.retention.ms", "0", "--no-persist")
        XCTAssertEqual(thisRunOnly.status, 0, thisRunOnly.stderr)
        XCTAssertTrue(thisRunOnly.stdout.contains("used for this run only (--no-persist)"), thisRunOnly.stdout)
        XCTAssertEqual(try String(contentsOfFile: topicFile, encoding: .utf8), original)

        let run = try tune("apply", copy.directory, "--topic", "users", "--json", "--min.cleanable.dirty.ratio", "0.25", "--retention.ms", "-1")
        let doc = try document(run)
        let persisted = try XCTUnwrap((doc["persisted"] as? [[String: Any]])?.first)
        XCTAssertEqual(persisted["persisted"] as? Bool, true)
        XCTAssertEqual(persisted["file"] as? String, topicFile)
        let text = try String(contentsOfFile: topicFile, encoding: .utf8)
        XCTAssertTrue(text.contains("config.min.cleanable.dirty.ratio=0.25"), text)
        XCTAssertTrue(text.contains("config.retention.ms=-1"), text)
        XCTAssertTrue(text.contains("config.cleanup.policy=compact"), text)
        XCTAssertTrue(text.contains("topic.id=3q2-7wAAQAC2oLvwAAAAAQ"), text)
        XCTAssertFalse(text.contains("delete.retention.ms"), text)
        let analysis = try document(try tune("analyze", copy.directory, "--json", "--topic", "users"))
        let settings = try XCTUnwrap(try partitions(analysis)["users-0"]?["settings"] as? [[String: Any]])
        XCTAssertTrue(settings.contains { $0["name"] as? String == "min.cleanable.dirty.ratio" && $0["value"] as? String == "0.25" && $0["source"] as? String == "topic file" })

        // events has no topic file: the settings hold for this run only, and no file appears.
        let events = try tune("apply", copy.directory, "--topic", "events", "--retention.bytes", "20000")
        XCTAssertEqual(events.status, 0, events.stderr)
        XCTAssertTrue(events.stdout.contains("NOT persisted for events, used for this run only: no topic file"), events.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy.directory + "/strata-topics/events.topic"))
    }

    func testRefusedWhileAnotherProcessHoldsTheDirectory() throws {
        let copy = try copyOfFixture()
        let writerPath = try XCTUnwrap(StrataTool.binary?.deletingLastPathComponent().appendingPathComponent("strata-crash-writer"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: writerPath.path), "strata-crash-writer is built next to strata")
        let writer = Process()
        writer.executableURL = writerPath
        writer.arguments = [copy.directory]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer {
            if writer.isRunning { kill(writer.processIdentifier, SIGKILL) }
            writer.waitUntilExit()
        }
        // The lock file names its holder once the lock is taken.
        let lockFile = copy.directory + "/" + DirectoryLock.fileName
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: lockFile, encoding: .utf8)) != String(writer.processIdentifier) && Date() < deadline {
            usleep(10_000)
        }
        let run = try tune("apply", copy.directory, "--topic", "users")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("strata tune apply: cannot apply: data directory \(copy.directory) is in use by another process"), run.stderr)
        XCTAssertTrue(run.stderr.contains("locked by process \(writer.processIdentifier)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("stop the broker"), run.stderr)
        // analyze and simulate still work next to it (they take no lock).
        XCTAssertEqual(try tune("simulate", copy.directory, "--topic", "users").status, 0)
    }
}
