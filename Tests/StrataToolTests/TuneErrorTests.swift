import Engine
import Foundation
import XCTest

/// `strata tune` refuses wrong directories, unknown topics and bad settings, naming them.
final class TuneErrorTests: TuneTestCase {
    func testWrongDirectoriesAreNamed() throws {
        let missing = try tune("analyze", "/nonexistent/strata-data")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "strata tune analyze: no such directory: /nonexistent/strata-data\n")

        let file = fixture.directory + "/users-0/00000000000000000000.log"
        let notDirectory = try tune("simulate", file)
        XCTAssertEqual(notDirectory.status, 1)
        XCTAssertTrue(notDirectory.stderr.contains("strata tune simulate: \(file) is not a directory"), notDirectory.stderr)

        let partition = try tune("apply", fixture.directory + "/users-0")
        XCTAssertEqual(partition.status, 1)
        XCTAssertTrue(partition.stderr.contains("is a partition directory"), partition.stderr)
        XCTAssertTrue(partition.stderr.contains("\(fixture.directory) --topic users"), partition.stderr)

        let empty = NSTemporaryDirectory() + "strata-tune-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty + "/notes", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let notData = try tune("apply", empty)
        XCTAssertEqual(notData.status, 1)
        XCTAssertTrue(notData.stderr.contains("\(empty) is not a data directory"), notData.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: empty), ["notes"], "apply created nothing")

        let topic = try tune("analyze", fixture.directory, "--topic", "orders")
        XCTAssertEqual(topic.status, 1)
        XCTAssertTrue(topic.stderr.contains("no partition of topic 'orders' in \(fixture.directory) (its topics are events, users)"), topic.stderr)
    }

    func testBadSettingsAreRefusedNamingThem() throws {
        let before = try fixture.snapshot()
        let cases: [([String], String)] = [
            (["--retention.ms", "abc"], "invalid value 'abc' for retention.ms: not an integer"),
            (["--retention.bytes", "-2"], "invalid value '-2' for retention.bytes"),
            (["--cleanup.policy", "shred"], "invalid value 'shred' for cleanup.policy: must be delete, compact or compact,delete"),
            (["--min.cleanable.dirty.ratio", "1.5"], "invalid value '1.5' for min.cleanable.dirty.ratio"),
            (["--config", "foo.bar=1"], "unknown topic config 'foo.bar'"),
            (["--config", "retention.ms"], "--config needs name=value"),
            (["--retention.ms", "5", "--config", "retention.ms=6"], "retention.ms is given twice"),
            (["--retention.mss", "5"], "Unknown option '--retention.mss'"),
        ]
        for (settings, message) in cases {
            for command in ["simulate", "apply"] {
                let run = try StrataTool.run(["tune", command, fixture.directory] + settings)
                XCTAssertEqual(run.status, 64, "\(command) \(settings)")
                XCTAssertTrue(run.stderr.contains(message), "\(command) \(settings): \(run.stderr)")
                XCTAssertEqual(run.stdout, "")
            }
        }
        let buffer = try tune("apply", fixture.directory, "--dedupe-buffer-size", "lots")
        XCTAssertEqual(buffer.status, 64)
        XCTAssertTrue(buffer.stderr.contains("invalid value 'lots' for --dedupe-buffer-size"), buffer.stderr)
        let rate = try tune("apply", fixture.directory, "--io-max-bytes-per-second", "0")
        XCTAssertEqual(rate.status, 64)
        XCTAssertTrue(rate.stderr.contains("--io-max-bytes-per-second"), rate.stderr)
        let brokerConfig = try tune("analyze", fixture.directory, "--broker-config", "/nonexistent/server.properties")
        XCTAssertEqual(brokerConfig.status, 1)
        XCTAssertTrue(brokerConfig.stderr.contains("cannot read --broker-config /nonexistent/server.properties"), brokerConfig.stderr)
        XCTAssertEqual(Set(try fixture.snapshot().keys), Set(before.keys))
    }

    func testBrokerDefaultsAndABadTopicFile() throws {
        let copy = try copyOfFixture()
        let properties = copy.root + "/server.properties"
        try "log.retention.ms=3390000\nlog.segment.bytes=1048576\n".write(toFile: properties, atomically: true, encoding: .utf8)
        let doc = try document(try tune("analyze", copy.directory, "--json", "--broker-config", properties))
        XCTAssertEqual(doc["brokerConfig"] as? String, properties)
        let events = try XCTUnwrap(try partitions(doc)["events-0"])
        let settings = try XCTUnwrap(events["settings"] as? [[String: Any]])
        XCTAssertTrue(settings.contains { $0["name"] as? String == "retention.ms" && $0["value"] as? String == "3390000" && $0["source"] as? String == "broker config" }, "\(settings)")
        XCTAssertEqual((events["retention"] as? [String: Any])?["segments"] as? Int, 4)

        let topicFile = copy.directory + "/strata-topics/users.topic"
        try (try String(contentsOfFile: topicFile, encoding: .utf8) + "config.retention.ms=soon\n").write(toFile: topicFile, atomically: true, encoding: .utf8)
        let analyze = try tune("analyze", copy.directory, "--topic", "users")
        XCTAssertEqual(analyze.status, 0)
        XCTAssertTrue(analyze.stderr.contains("\(topicFile): invalid value 'soon' for topic config retention.ms"), analyze.stderr)
        let apply = try tune("apply", copy.directory, "--topic", "users")
        XCTAssertEqual(apply.status, 1)
        XCTAssertTrue(apply.stderr.contains("strata tune apply: \(topicFile): invalid value 'soon' for topic config retention.ms"), apply.stderr)
    }

    func testHelpExplainsEveryFlag() throws {
        let simulate = try tune("simulate", "--help")
        XCTAssertEqual(simulate.status, 0)
        for name in LogConfig.names {
            XCTAssertTrue(simulate.stdout.contains("--\(name) <"), "simulate --help lacks --\(name)")
        }
        for flag in ["--topic <topic>", "--json", "--broker-config <file>", "--config <name=value>"] {
            XCTAssertTrue(simulate.stdout.contains(flag), flag)
        }
        let apply = try tune("apply", "--help")
        for text in ["--dedupe-buffer-size <bytes>", "--io-max-bytes-per-second <bytes>", "--no-persist", "persisted",
                     "for this run only", "--bootstrap-server", "--retention.ms <ms>"] {
            XCTAssertTrue(apply.stdout.contains(text), text)
        }
        let analyze = try tune("analyze", "--help")
        XCTAssertTrue(analyze.stdout.contains("HyperLogLog"))
    }
}
