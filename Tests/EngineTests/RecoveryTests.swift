@testable import Engine
import Foundation
import XCTest

/// Recovery after unclean stops, corrupt files and foreign files (issue: crash safety).
final class RecoveryTests: XCTestCase {
    private func fill(_ directory: String, config: LogConfig, batches: Int, recordsPerBatch: Int = 3) throws -> PartitionLog {
        let (log, _) = try LogFixtures.open(directory, config: config)
        for tag in 0..<batches {
            var bytes = LogFixtures.batch(count: recordsPerBatch, valueSize: 60, timestamp: Int64(1000 + tag), tag: tag).bytes
            _ = try log.append(&bytes, leaderEpoch: 1)
        }
        return log
    }

    private var smallSegments: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 2500
        config.indexIntervalBytes = 200
        return config
    }

    func testUncleanStopRecoversFromTheRecoveryPointAndKeepsEverything() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: smallSegments, batches: 40)
        let expected = try LogFixtures.allRecords(log)
        let checkpoint = log.recoveryPoint
        // No close(): the active index stays preallocated with zeros, as after a crash.
        let (reopened, report) = try LogFixtures.open(directory.path, config: smallSegments, checkpoints: PartitionLogCheckpoints(recoveryPoint: checkpoint))
        XCTAssertGreaterThanOrEqual(report.recoveredSegments, 1)
        XCTAssertEqual(report.truncatedBytes, 0)
        XCTAssertEqual(reopened.logEndOffset, 120)
        XCTAssertEqual(try LogFixtures.allRecords(reopened), expected)
        XCTAssertEqual(reopened.recoveryPoint, 120)
    }

    func testTornTailIsCutAndAppendsContinueWithoutGaps() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: LogConfig(), batches: 10)
        let activeLog = log.segmentInfos.last!.logPath
        let torn = LogFixtures.batch(count: 3, baseOffset: 30).bytes
        for cut in [5, 12, 40, torn.count - 1] {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: activeLog))
            handle.seekToEndOfFile()
            handle.write(Data(torn[..<cut]))
            try handle.close()
            let (reopened, report) = try LogFixtures.open(directory.path)
            XCTAssertEqual(report.truncatedBytes, Int64(cut), "cut \(cut)")
            XCTAssertNil(report.corruption)
            XCTAssertEqual(reopened.logEndOffset, 30)
            try reopened.close()
        }
        let (reopened, _) = try LogFixtures.open(directory.path)
        var next = LogFixtures.batch(count: 2).bytes
        XCTAssertEqual(try reopened.append(&next).firstOffset, 30)
        XCTAssertEqual(try LogFixtures.allRecords(reopened).map(\.offset), Array(0..<32))
    }

    func testZeroFilledTailIsCut() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: LogConfig(), batches: 5)
        let path = log.segmentInfos.last!.logPath
        let size = FileSystem.fileSize(path)!
        XCTAssertEqual(truncate(path, off_t(size + 4096)), 0)  // what a power loss after a size update leaves
        let (reopened, report) = try LogFixtures.open(directory.path)
        XCTAssertEqual(report.truncatedBytes, 4096)
        XCTAssertEqual(reopened.logEndOffset, 15)
    }

    func testCorruptBatchInTheMiddleFailsWithFileAndPositionUnderTheFailPolicy() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: LogConfig(), batches: 10)
        let path = log.segmentInfos.last!.logPath
        let batchSize = Int64(LogFixtures.batch(count: 3, valueSize: 60).bytes.count)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var damaged = before
        damaged[Int(batchSize * 4 + 70)] ^= 0x40
        try damaged.write(to: URL(fileURLWithPath: path))
        var config = LogConfig()
        config.recoveryPolicy = .fail
        XCTAssertThrowsError(try LogFixtures.open(directory.path, config: config)) { error in
            guard case let .corruptBatch(file, position, reason) = error as? EngineError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, path)
            XCTAssertEqual(position, batchSize * 4)
            XCTAssertTrue(reason.contains("CRC mismatch"), reason)
            XCTAssertTrue("\(error)".contains("at byte \(batchSize * 4)"))
        }
        // Nothing was cut.
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), damaged)
    }

    func testCorruptBatchInTheMiddleIsCutWithLaterSegmentsUnderTheTruncatePolicy() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: smallSegments, batches: 40)
        let segments = log.segmentInfos
        XCTAssertGreaterThan(segments.count, 3)
        let victim = segments[1]
        let batchSize = Int64(LogFixtures.batch(count: 3, valueSize: 60).bytes.count)
        var damaged = try Data(contentsOf: URL(fileURLWithPath: victim.logPath))
        damaged[Int(batchSize + 30)] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: victim.logPath))
        let (reopened, report) = try LogFixtures.open(directory.path, config: smallSegments)
        XCTAssertNotNil(report.corruption)
        XCTAssertEqual(report.deletedSegments, segments.count - 2)
        XCTAssertEqual(reopened.logEndOffset, victim.baseOffset + 3)
        XCTAssertEqual(try LogFixtures.allRecords(reopened).map(\.offset), Array(0..<(victim.baseOffset + 3)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: segments.last!.logPath))
    }

    func testCorruptedIndexOfAFlushedSegmentIsRebuilt() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: smallSegments, batches: 40)
        let expected = try LogFixtures.allRecords(log)
        try log.close()
        let first = SegmentFileName.path(directory: directory.path, baseOffset: 0, suffix: ".index")
        var index = try Data(contentsOf: URL(fileURLWithPath: first))
        XCTAssertGreaterThan(index.count, 8)
        index[index.count - 1] = 0xFF  // last entry now points past the log
        try index.write(to: URL(fileURLWithPath: first))
        let time = SegmentFileName.path(directory: directory.path, baseOffset: 0, suffix: ".timeindex")
        try FileManager.default.removeItem(atPath: SegmentFileName.path(directory: directory.path, baseOffset: log.segmentInfos[1].baseOffset, suffix: ".index"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: time))
        let (reopened, report) = try LogFixtures.open(directory.path, config: smallSegments, checkpoints: PartitionLogCheckpoints(hadCleanShutdown: true))
        XCTAssertEqual(report.rebuiltIndexes, 2)
        XCTAssertEqual(try LogFixtures.allRecords(reopened), expected)
        XCTAssertEqual(FileSystem.fileSize(time)! % 12, 0)
        let rebuilt = try Data(contentsOf: URL(fileURLWithPath: first))
        XCTAssertEqual(rebuilt.count % 8, 0)
        XCTAssertNotEqual(rebuilt.last, 0xFF)
    }

    func testFilesTheEngineDoesNotKnowAreLeftUntouched() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: LogConfig(), batches: 3)
        try log.close()
        let strangers = ["notes.txt", "00000000000000000000.snapshot.bak", "partition.metadata", "123.log.bak", "0000.log"]
        for name in strangers { try Data("keep \(name)".utf8).write(to: URL(fileURLWithPath: directory.file(name))) }
        try Data().write(to: URL(fileURLWithPath: directory.file("00000000000000000099.log.deleted")))
        let (reopened, _) = try LogFixtures.open(directory.path)
        XCTAssertEqual(reopened.logEndOffset, 9)
        for name in strangers {
            XCTAssertEqual(try String(contentsOfFile: directory.file(name), encoding: .utf8), "keep \(name)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("00000000000000000099.log.deleted")))
    }

    func testOnlyLogFilesGetTheirIndexesRebuiltLikeKafkaAfterAnUncleanStop() throws {
        let directory = TemporaryDirectory()
        let log = try fill(directory.path, config: smallSegments, batches: 40)
        let expected = try LogFixtures.allRecords(log)
        try log.close()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !name.hasSuffix(".log") {
            try FileManager.default.removeItem(atPath: directory.file(name))
        }
        let (reopened, report) = try LogFixtures.open(directory.path, config: smallSegments)
        XCTAssertEqual(report.recoveredSegments, reopened.segmentInfos.count)
        XCTAssertEqual(try LogFixtures.allRecords(reopened), expected)
        for segment in reopened.segmentInfos {
            XCTAssertTrue(FileManager.default.fileExists(atPath: SegmentFileName.path(directory: directory.path, baseOffset: segment.baseOffset, suffix: ".index")))
        }
        XCTAssertEqual(reopened.leaderEpochs, [LeaderEpochCache.Entry(epoch: 1, startOffset: 0)])
        XCTAssertEqual(try reopened.offset(forTimestamp: 1020)?.offset, 56)  // batch 18 holds 1018, 1019, 1020
    }
}
