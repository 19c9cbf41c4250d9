@testable import Engine
import Foundation
import XCTest

final class RetentionTests: XCTestCase {
    /// 10 segments of 5 batches of 2 records; batch i has timestamps 1000*i and 1000*i+1.
    private func makeLog(_ directory: String, _ configure: (inout LogConfig) -> Void = { _ in }, clock: ManualClock) throws -> PartitionLog {
        var config = LogConfig()
        config.fileDeleteDelayMs = 0
        configure(&config)
        let (log, _) = try LogFixtures.open(directory, config: config, clock: clock.read)
        for tag in 0..<50 {
            var bytes = LogFixtures.batch(count: 2, valueSize: 50, timestamp: Int64(tag * 1000), tag: tag).bytes
            _ = try log.append(&bytes)
            if tag % 5 == 4 { try log.roll() }
        }
        log.updateHighWatermark(log.logEndOffset)
        return log
    }

    func testRetentionMsDeletesSegmentsWhoseNewestRecordIsTooOld() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(50_000)
        let log = try makeLog(directory.path, { $0.retentionMs = 20_000 }, clock: clock)
        XCTAssertEqual(log.segmentInfos.count, 11)
        // Segment k's newest record has timestamp 1000*(5k+4)+1; older than 30_000 goes.
        let result = try log.applyRetention()
        XCTAssertEqual(result.deletedSegments, 6)
        XCTAssertEqual(result.reasons, ["retention.ms"])
        XCTAssertEqual(log.logStartOffset, 60)
        XCTAssertEqual(try LogFixtures.allRecords(log).first?.offset, 60)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("00000000000000000000.log")))
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".deleted") })
    }

    func testRetentionBytesDeletesTheOldestSegmentsBeyondTheLimit() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(0)
        let segmentSize = Int64(LogFixtures.batch(count: 2, valueSize: 50).bytes.count * 5)
        let log = try makeLog(directory.path, { $0.retentionBytes = segmentSize * 3 + 10; $0.retentionMs = -1 }, clock: clock)
        let result = try log.applyRetention()
        XCTAssertEqual(result.deletedSegments, 7)
        // Kafka's rule: a segment goes only if the log stays at or above retention.bytes without it.
        XCTAssertGreaterThanOrEqual(log.size, segmentSize * 3 + 10)
        XCTAssertLessThan(log.size - log.segmentInfos[0].size, segmentSize * 3 + 10)
        XCTAssertEqual(log.logStartOffset, 70)
    }

    func testTheActiveSegmentIsRolledNotDeletedWhenItAlonIsExpired() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(1_000_000)
        var config = LogConfig()
        config.retentionMs = 1000
        config.fileDeleteDelayMs = 0
        let (log, _) = try LogFixtures.open(directory.path, config: config, clock: clock.read)
        var bytes = LogFixtures.batch(count: 3, timestamp: 10).bytes
        _ = try log.append(&bytes)
        let result = try log.applyRetention()
        XCTAssertEqual(result.deletedSegments, 1)
        XCTAssertEqual(log.segmentInfos.map(\.baseOffset), [3])
        XCTAssertEqual(log.logStartOffset, 3)
        XCTAssertEqual(log.logEndOffset, 3)
        var next = LogFixtures.batch(count: 1, timestamp: 1_000_000).bytes
        XCTAssertEqual(try log.append(&next).firstOffset, 3)
    }

    func testCompactOnlyLogsIgnoreTimeAndSizeRetention() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(10_000_000)
        let log = try makeLog(directory.path, { $0.retentionMs = 1; $0.retentionBytes = 1; $0.cleanupPolicy = "compact" }, clock: clock)
        XCTAssertEqual(try log.applyRetention().deletedSegments, 0)
    }

    func testDeleteRecordsMovesTheStartInsideASegmentThenDropsWholeSegments() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(0)
        let log = try makeLog(directory.path, { $0.retentionMs = -1 }, clock: clock)
        XCTAssertEqual(try log.deleteRecords(before: 25), 25)
        XCTAssertEqual(log.segmentInfos.first?.baseOffset, 20)
        XCTAssertEqual(try LogFixtures.allRecords(log).first?.offset, 25)
        XCTAssertThrowsError(try log.read(from: 24, maxBytes: 100, isolation: .logEnd))
        XCTAssertThrowsError(try log.deleteRecords(before: 1000))
        XCTAssertEqual(try log.deleteRecords(before: 10), 25, "the start never moves back")
    }

    func testReadersKeepReadingADeletedSegment() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(100_000)
        let log = try makeLog(directory.path, { $0.retentionMs = 1; $0.fileDeleteDelayMs = 0 }, clock: clock)
        let region = try XCTUnwrap(try log.read(from: 0, maxBytes: 1 << 20).region)
        _ = try log.applyRetention()
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("00000000000000000000.log")))
        let batches = try region.readBytes()
        XCTAssertEqual(batches.count, region.length)
        XCTAssertEqual(try RecordBatch(bytes: Array(batches[..<LogFixtures.batch(count: 2, valueSize: 50).bytes.count])).baseOffset, 0)
    }

    func testACrashBetweenRenameAndRemovalLosesNothingKept() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(35_000)
        let log = try makeLog(directory.path, { $0.retentionMs = 20_000; $0.fileDeleteDelayMs = 3_600_000 }, clock: clock)
        _ = try log.applyRetention()
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".log.deleted") })
        let kept = try LogFixtures.allRecords(log)
        // Crash now: the checkpoint still says log start 0, the .deleted files are still there.
        let (reopened, _) = try LogFixtures.open(directory.path, checkpoints: PartitionLogCheckpoints(logStartOffset: 0))
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".deleted") })
        XCTAssertEqual(reopened.logStartOffset, kept.first?.offset)
        XCTAssertEqual(try LogFixtures.allRecords(reopened), kept)
    }

    func testLogManagerCheckpointsTheNewLogStartOffset() throws {
        let directory = TemporaryDirectory()
        let (manager, _) = try LogManager.open(directory: directory.path)
        let partition = TopicPartition(topic: "r", partition: 0)
        let log = try manager.getOrCreateLog(partition)
        for tag in 0..<3 {
            var bytes = LogFixtures.batch(count: 4, timestamp: PartitionLog.systemClock(), tag: tag).bytes
            _ = try log.append(&bytes)
        }
        log.updateHighWatermark(12)
        XCTAssertEqual(try manager.deleteRecords(partition, before: 6), 6)
        let checkpoint = try String(contentsOfFile: directory.file("log-start-offset-checkpoint"), encoding: .utf8)
        XCTAssertTrue(checkpoint.contains("r 0 6"), checkpoint)
    }
}
