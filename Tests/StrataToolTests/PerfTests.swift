import Foundation
import XCTest

/// `strata perf produce|consume` against a running `strata serve` on 127.0.0.1.
final class PerfTests: XCTestCase {
    private func startBroker(data: String) throws -> (Process, String) {
        let broker = Process()
        broker.executableURL = try XCTUnwrap(StrataTool.binary)
        broker.arguments = ["serve", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=\(data)"]
        let logs = Pipe()
        broker.standardOutput = logs
        broker.standardError = logs
        try broker.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        var port: String?
        while port == nil, Date() < deadline, broker.isRunning {
            text += String(decoding: logs.fileHandleForReading.availableData, as: UTF8.self)
            if let range = text.range(of: #"listening on PLAINTEXT://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = String(text[range].split(separator: ":").last!)
            }
        }
        guard let port else {
            if broker.isRunning { broker.terminate() }
            broker.waitUntilExit()
            XCTFail("the broker did not start: \(text)")
            throw XCTSkip("no broker")
        }
        return (broker, "127.0.0.1:" + port)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testProducesConsumesAndRateLimits() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("perf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (broker, address) = try startBroker(data: data)
        defer {
            if broker.isRunning { broker.terminate() }
            broker.waitUntilExit()
        }

        let produced = try StrataTool.run(["perf", "produce", "--bootstrap-server", address, "--topic", "load", "--num-records", "20000", "--record-size", "100", "--throughput", "-1", "--json"])
        XCTAssertEqual(produced.status, 0, produced.stderr)
        let report = try json(produced.stdout)
        XCTAssertEqual(report["records"] as? Int, 20000)
        XCTAssertEqual(report["bytes"] as? Int, 2_000_000)
        XCTAssertGreaterThan(report["recordsPerSecond"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(report["mbPerSecond"] as? Double ?? 0, 0)
        let latency = try XCTUnwrap(report["latencyMs"] as? [String: Double], produced.stdout)
        let ordered = try ["p50", "p95", "p99", "p99.9", "max"].map { try XCTUnwrap(latency[$0], $0) }
        XCTAssertEqual(ordered, ordered.sorted(), produced.stdout)
        XCTAssertGreaterThan(ordered.last!, 0)
        XCTAssertLessThanOrEqual(latency["avg"] ?? .infinity, ordered.last!)

        let consumed = try StrataTool.run(["perf", "consume", "--bootstrap-server", address, "--topic", "load", "--num-records", "20000", "--json"])
        XCTAssertEqual(consumed.status, 0, consumed.stderr)
        let read = try json(consumed.stdout)
        XCTAssertEqual(read["records"] as? Int, 20000)
        XCTAssertGreaterThan(read["bytes"] as? Int ?? 0, 2_000_000)
        XCTAssertGreaterThan(read["recordsPerSecond"] as? Double ?? 0, 0)

        let started = Date()
        let limited = try StrataTool.run(["perf", "produce", "--bootstrap-server", address, "--topic", "limited", "--partitions", "2",
                                          "--throughput", "5000", "--num-records", "5000", "--acks", "-1", "--compression", "lz4"])
        let took = Date().timeIntervalSince(started)
        XCTAssertEqual(limited.status, 0, limited.stderr)
        XCTAssertTrue(limited.stdout.hasPrefix("5000 records sent, "), limited.stdout)
        XCTAssertTrue(limited.stdout.contains("ms 99.9th."), limited.stdout)
        XCTAssertGreaterThan(took, 0.9, limited.stdout)
        XCTAssertLessThan(took, 5, limited.stdout)

        let missing = try StrataTool.run(["perf", "consume", "--bootstrap-server", address, "--topic", "absent", "--num-records", "1"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("topic absent does not exist"), missing.stderr)
    }

    func testUnreachableBrokerAndBadFlags() throws {
        let unreachable = try StrataTool.run(["perf", "produce", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.stderr.contains("cannot connect to 127.0.0.1:1"), unreachable.stderr)
        let unreachableConsumer = try StrataTool.run(["perf", "consume", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10"])
        XCTAssertEqual(unreachableConsumer.status, 1)
        XCTAssertTrue(unreachableConsumer.stderr.contains("cannot connect to 127.0.0.1:1"), unreachableConsumer.stderr)

        let badAcks = try StrataTool.run(["perf", "produce", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10", "--acks", "2"])
        XCTAssertEqual(badAcks.status, 64)
        XCTAssertTrue(badAcks.stderr.contains("--acks"), badAcks.stderr)
        let badCodec = try StrataTool.run(["perf", "produce", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10", "--compression", "brotli"])
        XCTAssertEqual(badCodec.status, 64)
        XCTAssertTrue(badCodec.stderr.contains("--compression"), badCodec.stderr)
        let both = try StrataTool.run(["perf", "produce", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10", "--duration", "1"])
        XCTAssertEqual(both.status, 64)
        let badAddress = try StrataTool.run(["perf", "consume", "--bootstrap-server", "localhost", "--topic", "t", "--duration", "1"])
        XCTAssertEqual(badAddress.status, 1)
        XCTAssertTrue(badAddress.stderr.contains("expected host:port"), badAddress.stderr)

        let help = try StrataTool.run(["perf", "produce", "--help"])
        for flag in ["--bootstrap-server", "--topic", "--num-records", "--duration", "--record-size", "--throughput", "--batch-size",
                     "--linger-ms", "--acks", "--compression", "--partitions", "--max-in-flight", "--json"] {
            XCTAssertTrue(help.stdout.contains(flag), "\(flag) missing from help: \(help.stdout)")
        }
        let consumeHelp = try StrataTool.run(["perf", "consume", "--help"])
        for flag in ["--bootstrap-server", "--topic", "--num-records", "--duration", "--fetch-max-bytes", "--timeout-ms", "--json"] {
            XCTAssertTrue(consumeHelp.stdout.contains(flag), "\(flag) missing from help: \(consumeHelp.stdout)")
        }
    }
}
