import Engine
import Foundation
import XCTest

/// `strata tune apply --bootstrap-server`: configs set on a running `strata serve` through
/// IncrementalAlterConfigs, persisted by the broker.
final class TuneBootstrapServerTests: XCTestCase {
    func testAppliesTopicConfigsToARunningBroker() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tune-remote-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        // A partition directory without a topic file: the broker adopts the topic at start.
        let (manager, _) = try LogManager.open(directory: data)
        _ = try manager.getOrCreateLog(TopicPartition(topic: "orders", partition: 0))
        try manager.close()

        let broker = Process()
        broker.executableURL = try XCTUnwrap(StrataTool.binary)
        broker.arguments = ["serve", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=\(data)"]
        let logs = Pipe()
        broker.standardOutput = logs
        broker.standardError = logs
        try broker.run()
        defer {
            if broker.isRunning { broker.terminate() }
            broker.waitUntilExit()
        }
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        var port: String?
        while port == nil, Date() < deadline, broker.isRunning {
            text += String(decoding: logs.fileHandleForReading.availableData, as: UTF8.self)
            if let range = text.range(of: #"listening on PLAINTEXT://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = String(text[range].split(separator: ":").last!)
            }
        }
        let address = "127.0.0.1:" + (try XCTUnwrap(port, "the broker did not start: \(text)"))

        let applied = try StrataTool.run(["tune", "apply", "--bootstrap-server", address, "--topic", "orders", "--retention.ms", "123456", "--cleanup.policy", "compact,delete"])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertTrue(applied.stdout.contains("Set retention.ms=123456, cleanup.policy=compact,delete on topic orders"), applied.stdout)

        let unknown = try StrataTool.run(["tune", "apply", "--bootstrap-server", address, "--topic", "nope", "--retention.ms", "1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("refused retention.ms=1 for topic nope"), unknown.stderr)

        let invalid = try StrataTool.run(["tune", "apply", "--bootstrap-server", address, "--topic", "orders", "--retention.ms", "soon"])
        XCTAssertNotEqual(invalid.status, 0)
        XCTAssertTrue(invalid.stderr.contains("retention.ms"), invalid.stderr)

        broker.terminate()
        broker.waitUntilExit()
        let topicFile = try String(contentsOfFile: data + "/strata-topics/orders.topic", encoding: .utf8)
        XCTAssertTrue(topicFile.contains("retention.ms=123456"), topicFile)
        XCTAssertTrue(topicFile.contains("cleanup.policy=compact,delete"), topicFile)
    }

    func testRefusesAnUnreachableBrokerAndMixedTargets() throws {
        let unreachable = try StrataTool.run(["tune", "apply", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--retention.ms", "5"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.stderr.contains("cannot connect to 127.0.0.1:1"), unreachable.stderr)
        let both = try StrataTool.run(["tune", "apply", "/tmp", "--bootstrap-server", "127.0.0.1:1", "--topic", "t"])
        XCTAssertEqual(both.status, 64)
        let noTopic = try StrataTool.run(["tune", "apply", "--bootstrap-server", "127.0.0.1:1", "--retention.ms", "5"])
        XCTAssertEqual(noTopic.status, 64)
    }
}
