@testable import Engine
import Foundation
import XCTest

final class LogManagerTests: XCTestCase {
    func testASecondProcessGetsAClearErrorWhileTheDirectoryIsLocked() throws {
        let directory = TemporaryDirectory("lock")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: try CrashRecoveryTests.writerPath())
        writer.arguments = [directory.path]
        let output = Pipe()
        writer.standardOutput = output
        try writer.run()
        defer {
            writer.terminate()
            writer.waitUntilExit()
        }
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("READY") { seen.append(output.fileHandleForReading.availableData) }
        XCTAssertThrowsError(try LogManager.open(directory: directory.path)) { error in
            guard case let .directoryLocked(path, reason) = error as? EngineError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, directory.path)
            XCTAssertTrue(reason.contains("locked by process \(writer.processIdentifier)"), reason)
        }
        // A second writer process reports the same and exits non-zero.
        let second = Process()
        second.executableURL = writer.executableURL
        second.arguments = [directory.path]
        let errors = Pipe()
        second.standardError = errors
        second.standardOutput = Pipe()
        try second.run()
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 1)
        XCTAssertTrue(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("is in use by another process"))
    }

    func testRecoversManyPartitionsInParallelAndWritesKafkasCheckpointFiles() throws {
        let directory = TemporaryDirectory("manager")
        var config = LogConfig()
        config.segmentBytes = 4000
        do {
            let (manager, _) = try LogManager.open(directory: directory.path, defaultConfig: config)
            for partition in 0..<24 {
                let log = try manager.getOrCreateLog(TopicPartition(topic: partition % 2 == 0 ? "even-topic" : "odd", partition: Int32(partition)))
                for tag in 0..<(10 + partition) {
                    var bytes = LogFixtures.batch(count: 2, valueSize: 100, tag: tag).bytes
                    _ = try log.append(&bytes)
                }
                log.updateHighWatermark(log.logEndOffset - 1)
            }
            try manager.checkpoint()
            // No close: an unclean stop.
        }
        let (manager, report) = try LogManager.open(directory: directory.path, defaultConfig: config, recoveryThreads: 4)
        XCTAssertFalse(report.hadCleanShutdown)
        XCTAssertEqual(report.partitions.count, 24)
        XCTAssertTrue(report.partitions.values.allSatisfy { $0.recoveredSegments >= 1 })
        for partition in 0..<24 {
            let tp = TopicPartition(topic: partition % 2 == 0 ? "even-topic" : "odd", partition: Int32(partition))
            let log = try XCTUnwrap(manager.log(for: tp))
            XCTAssertEqual(log.logEndOffset, Int64(2 * (10 + partition)))
            XCTAssertEqual(log.highWatermark, log.logEndOffset - 1, "the high watermark comes back from replication-offset-checkpoint")
        }
        try manager.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file(".kafka_cleanshutdown")))
        let checkpoint = try String(contentsOfFile: directory.file("recovery-point-offset-checkpoint"), encoding: .utf8)
        let lines = checkpoint.split(separator: "\n")
        XCTAssertEqual(lines[0], "0")
        XCTAssertEqual(lines[1], "24")
        XCTAssertTrue(lines.contains("even-topic 0 20"))
        XCTAssertTrue(lines.contains("odd 23 66"))
        // After a clean close nothing is recovered, and the marker is consumed.
        let (again, cleanReport) = try LogManager.open(directory: directory.path, defaultConfig: config)
        XCTAssertTrue(cleanReport.hadCleanShutdown)
        XCTAssertTrue(cleanReport.partitions.values.allSatisfy { $0.recoveredSegments == 0 && $0.rebuiltIndexes == 0 })
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file(".kafka_cleanshutdown")))
        try again.close()
    }

    func testDeleteLogRemovesItsDirectoryAndCheckpointEntries() throws {
        let directory = TemporaryDirectory("delete")
        let (manager, _) = try LogManager.open(directory: directory.path)
        let doomed = TopicPartition(topic: "gone", partition: 0)
        let log = try manager.getOrCreateLog(doomed)
        var bytes = LogFixtures.batch(count: 2).bytes
        _ = try log.append(&bytes)
        try manager.deleteLog(doomed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("gone-0")))
        XCTAssertThrowsError(try log.append(&bytes), "a deleted log takes no appends") { error in
            XCTAssertEqual(error as? EngineError, .invalidArgument("log gone-0 is closed"))
        }
        XCTAssertNil(manager.log(for: doomed))
        XCTAssertFalse(try String(contentsOfFile: directory.file("recovery-point-offset-checkpoint"), encoding: .utf8).contains("gone"))
        try manager.close()
    }

    func testMalformedCheckpointIsReportedWithItsLine() throws {
        let directory = TemporaryDirectory("badcheckpoint")
        try "0\n2\nt 0 5\nt x 6\n".write(toFile: directory.file("recovery-point-offset-checkpoint"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LogManager.open(directory: directory.path)) { error in
            XCTAssertEqual(error as? EngineError, .corruptCheckpoint(file: directory.file("recovery-point-offset-checkpoint"), line: 4, reason: "'t x 6' is not 'topic partition offset'"))
        }
    }

    func testTopicPartitionDirectoryNames() {
        XCTAssertEqual(TopicPartition(directoryName: "my-topic-12"), TopicPartition(topic: "my-topic", partition: 12))
        XCTAssertNil(TopicPartition(directoryName: "orders-0.abc-delete"))
        XCTAssertNil(TopicPartition(directoryName: "orders"))
        XCTAssertNil(TopicPartition(directoryName: "orders-01"))
        XCTAssertEqual(SegmentFileName.name(baseOffset: 42, suffix: ".log"), "00000000000000000042.log")
        XCTAssertEqual(SegmentFileName.baseOffset(of: "00000000000000000042.timeindex", suffix: ".timeindex"), 42)
        XCTAssertNil(SegmentFileName.baseOffset(of: "42.log", suffix: ".log"))
    }

    func testTopicConfigsAreValidatedByKafkaName() throws {
        let config = try LogConfig(overrides: ["segment.bytes": "1048576", "message.timestamp.type": "LogAppendTime", "cleanup.policy": "delete,compact"])
        XCTAssertEqual(config.segmentBytes, 1_048_576)
        XCTAssertEqual(config.messageTimestampType, .logAppendTime)
        XCTAssertEqual(config.cleanupPolicy, "compact,delete")
        XCTAssertThrowsError(try LogConfig(overrides: ["segment.bytes": "ten"])) { error in
            XCTAssertEqual("\(error)", "invalid value 'ten' for segment.bytes: not an integer")
        }
        XCTAssertThrowsError(try LogConfig(overrides: ["segment.bytez": "1"])) { error in
            XCTAssertEqual("\(error)", "invalid value '1' for segment.bytez: unknown topic config")
        }
        XCTAssertThrowsError(try LogConfig(overrides: ["retention.ms": "-2"]))
    }
}
