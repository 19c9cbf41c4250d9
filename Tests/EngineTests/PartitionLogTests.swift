@testable import Engine
import Foundation
import TestSupport
import XCTest

final class PartitionLogTests: XCTestCase {
    func testAppendAssignsOffsetsAndReadsBack() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        for tag in 0..<5 {
            var bytes = LogFixtures.batch(count: 4, tag: tag).bytes
            let result = try log.append(&bytes, leaderEpoch: 3)
            XCTAssertEqual(result.firstOffset, Int64(tag * 4))
            XCTAssertEqual(result.lastOffset, Int64(tag * 4 + 3))
            XCTAssertEqual(result.recordCount, 4)
        }
        XCTAssertEqual(log.logEndOffset, 20)
        let records = try LogFixtures.allRecords(log)
        XCTAssertEqual(records.map(\.offset), Array(0..<20))
        XCTAssertEqual(records[5].value.map { String(decoding: $0, as: UTF8.self).prefix(5) }, "v1-1-")
        let batches = try log.readBatches(from: 0)
        XCTAssertTrue(batches.allSatisfy { $0.header.partitionLeaderEpoch == 3 })
        XCTAssertEqual(log.leaderEpochs, [LeaderEpochCache.Entry(epoch: 3, startOffset: 0)])
    }

    func testAppendLeavesTheCallersBytesUnchangedAndStoresThemNumbered() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        // 1,500 batches in one append: 3,000 pieces to write, more than one pwritev takes.
        var input: [UInt8] = []
        var starts: [Int] = []
        for tag in 0..<1_500 {
            starts.append(input.count)
            input += LogFixtures.batch(count: 2, valueSize: tag % 50, tag: tag).bytes
        }
        let original = input
        let result = try log.append(&input, leaderEpoch: 7)
        XCTAssertEqual(input, original, "the caller's buffer is not modified")
        XCTAssertEqual(result.firstOffset, 0)
        XCTAssertEqual(result.lastOffset, 2_999)

        // The file holds the same bytes with each batch's base offset and leader epoch filled in.
        var expected = original
        for (index, start) in starts.enumerated() {
            expected.storeBigEndian(Int64(index * 2), at: start)
            expected.storeBigEndian(Int32(7), at: start + 12)
        }
        let stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(log.segmentInfos.last).logPath)))
        XCTAssertEqual(stored, expected)
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<3_000))
    }

    func testReadReturnsWholeBatchesWithinTheByteLimit() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 256
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var sizes: [Int] = []
        for tag in 0..<50 {
            var bytes = LogFixtures.batch(count: 3, valueSize: 40 + tag, tag: tag).bytes
            sizes.append(bytes.count)
            _ = try log.append(&bytes)
        }
        for maxBytes in [1, 100, 500, 1000, 5000, 1 << 20] {
            for start in stride(from: Int64(0), to: 150, by: 7) {
                let result = try log.read(from: start, maxBytes: maxBytes, isolation: .logEnd)
                let region = try XCTUnwrap(result.region)
                let firstBatch = Int(start / 3)
                XCTAssertEqual(result.firstBatchBaseOffset, Int64(firstBatch * 3))
                // Whole batches: the region's length is a sum of consecutive batch sizes.
                var expected = sizes[firstBatch]
                var index = firstBatch + 1
                while index < sizes.count, expected + sizes[index] <= maxBytes { expected += sizes[index]; index += 1 }
                XCTAssertEqual(region.length, expected, "start \(start) maxBytes \(maxBytes)")
            }
        }
        let tooSmall = try log.read(from: 0, maxBytes: 10, isolation: .logEnd, minOneBatch: false)
        XCTAssertNil(tooSmall.region)
        XCTAssertTrue(tooSmall.firstBatchTooLarge)
    }

    func testReadsStopAtTheHighWatermarkUnlessAskedForTheLogEnd() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        for tag in 0..<4 {
            var bytes = LogFixtures.batch(count: 5, tag: tag).bytes
            _ = try log.append(&bytes)
        }
        XCTAssertEqual(log.highWatermark, 0)
        XCTAssertNil(try log.read(from: 0, maxBytes: 1 << 20).region)
        log.updateHighWatermark(10)
        XCTAssertEqual(try log.readBatches(from: 0, isolation: .highWatermark).map(\.lastOffset), [4, 9])
        XCTAssertEqual(try log.readBatches(from: 0, isolation: .logEnd).map(\.lastOffset), [4, 9, 14, 19])
        XCTAssertEqual(log.updateHighWatermark(1000), 20)
        XCTAssertThrowsError(try log.read(from: 21, maxBytes: 100)) { error in
            XCTAssertEqual(error as? EngineError, .offsetOutOfRange(offset: 21, logStartOffset: 0, logEndOffset: 20))
        }
        XCTAssertNil(try log.read(from: 20, maxBytes: 100).region)
    }

    func testRollsOnSegmentBytesAndKeepsKafkaFileNames() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 2000
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        for tag in 0..<30 {
            var bytes = LogFixtures.batch(count: 2, valueSize: 100, tag: tag).bytes
            _ = try log.append(&bytes)
        }
        let segments = log.segmentInfos
        XCTAssertGreaterThan(segments.count, 3)
        XCTAssertTrue(segments.dropLast().allSatisfy { $0.size <= 2000 })
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        for segment in segments {
            let stem = String(repeating: "0", count: 20 - String(segment.baseOffset).count) + String(segment.baseOffset)
            XCTAssertTrue(names.contains(stem + ".log"))
            XCTAssertTrue(names.contains(stem + ".index"))
            XCTAssertTrue(names.contains(stem + ".timeindex"))
        }
        // Inactive indexes are trimmed to their entries; the active one is preallocated.
        let activeIndex = directory.file(SegmentFileName.name(baseOffset: segments.last!.baseOffset, suffix: ".index"))
        XCTAssertEqual(FileSystem.fileSize(activeIndex), Int64(config.segmentIndexBytes / 8 * 8))
        let firstIndex = directory.file(SegmentFileName.name(baseOffset: 0, suffix: ".index"))
        XCTAssertEqual(FileSystem.fileSize(firstIndex)! % 8, 0)
        XCTAssertLessThan(FileSystem.fileSize(firstIndex)!, 100)
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<60))
    }

    func testRollsOnSegmentMsCountedFromTheFirstBatchTimestamp() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentMs = 1000
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var first = LogFixtures.batch(count: 1, timestamp: 10_000).bytes
        _ = try log.append(&first)
        var close = LogFixtures.batch(count: 1, timestamp: 10_900).bytes
        _ = try log.append(&close)
        XCTAssertEqual(log.segmentInfos.count, 1)
        var late = LogFixtures.batch(count: 1, timestamp: 11_001).bytes
        _ = try log.append(&late)
        XCTAssertEqual(log.segmentInfos.map(\.baseOffset), [0, 2])
    }

    func testRollsWhenTheIndexIsFull() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 1
        config.segmentIndexBytes = 8 * 4  // four offset-index entries
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        for tag in 0..<12 {
            var bytes = LogFixtures.batch(count: 1, tag: tag).bytes
            _ = try log.append(&bytes)
        }
        XCTAssertGreaterThan(log.segmentInfos.count, 1)
        XCTAssertEqual(try LogFixtures.allRecords(log).count, 12)
    }

    func testIndexesMatchWhatRecoveryRebuilds() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 300
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var random = SeededRandom(seed: 3)
        for tag in 0..<80 {
            var bytes = LogFixtures.batch(count: Int.random(in: 1...6, using: &random), valueSize: Int.random(in: 1...200, using: &random),
                                          timestamp: Int64(tag * 1000 + Int.random(in: -3000...3000, using: &random)), tag: tag).bytes
            _ = try log.append(&bytes)
        }
        let segment = log.state.active
        let liveOffsets = segment.offsetIndex.file.all()
        let liveTimes = segment.timeIndex.file.all()
        XCTAssertGreaterThan(liveOffsets.count, 10)
        _ = try segment.recover(policy: .fail) { _ in }
        XCTAssertEqual(segment.offsetIndex.file.all(), liveOffsets)
        XCTAssertEqual(segment.timeIndex.file.all(), liveTimes)
        // Every entry points at the start of the batch whose last offset it names.
        for index in 0..<segment.offsetIndex.entryCount {
            let entry = segment.offsetIndex.entry(index)
            let header = try XCTUnwrap(try segment.batchHeader(at: entry.position))
            XCTAssertEqual(header.lastOffset, entry.offset)
        }
    }

    func testLookupByTimestampFindsTheFirstRecordAtOrAfterIt() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 100
        config.segmentBytes = 3000
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        for tag in 0..<40 {
            var bytes = LogFixtures.batch(count: 5, timestamp: Int64(tag * 100), tag: tag).bytes
            _ = try log.append(&bytes)
        }
        XCTAssertGreaterThan(log.segmentInfos.count, 2)
        XCTAssertEqual(try log.offset(forTimestamp: 0), TimestampOffset(timestamp: 0, offset: 0))
        XCTAssertEqual(try log.offset(forTimestamp: 1502), TimestampOffset(timestamp: 1502, offset: 77))
        XCTAssertEqual(try log.offset(forTimestamp: 1505), TimestampOffset(timestamp: 1600, offset: 80))
        XCTAssertNil(try log.offset(forTimestamp: 10_000))
        XCTAssertEqual(try log.maxTimestampRecord(), TimestampOffset(timestamp: 3904, offset: 199))
    }

    func testLogAppendTimeStampsTheBrokerClockAndKeepsTheCRCValid() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.messageTimestampType = .logAppendTime
        let (log, _) = try LogFixtures.open(directory.path, config: config, clock: { 5_000_000 })
        var bytes = LogFixtures.batch(count: 3, timestamp: 1).bytes
        let result = try log.append(&bytes)
        XCTAssertEqual(result.logAppendTime, 5_000_000)
        let batch = try XCTUnwrap(try log.readBatches(from: 0).first)
        XCTAssertEqual(batch.header.attributes.timestampType, .logAppendTime)
        XCTAssertEqual(batch.header.maxTimestamp, 5_000_000)
    }

    func testRejectsMalformedAppendsWithoutWritingAnything() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.maxMessageBytes = 2000
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var good = LogFixtures.batch(count: 2).bytes
        _ = try log.append(&good)
        let sizeBefore = log.size

        var corrupt = LogFixtures.batch(count: 2).bytes + LogFixtures.batch(count: 2).bytes
        corrupt[corrupt.count - 3] ^= 1
        XCTAssertThrowsError(try log.append(&corrupt)) { error in
            guard case let .corruptBatch(file, position, reason) = error as? EngineError else { return XCTFail("\(error)") }
            XCTAssertNil(file)
            XCTAssertEqual(position, Int64(LogFixtures.batch(count: 2).bytes.count))
            XCTAssertTrue(reason.contains("CRC"))
        }
        var trailing = LogFixtures.batch(count: 2).bytes + [1, 2, 3]
        XCTAssertThrowsError(try log.append(&trailing))
        var huge = LogFixtures.batch(count: 40, valueSize: 100).bytes
        XCTAssertThrowsError(try log.append(&huge)) { error in
            guard case .recordTooLarge(_, 2000) = error as? EngineError else { return XCTFail("\(error)") }
        }
        var empty: [UInt8] = []
        XCTAssertThrowsError(try log.append(&empty))
        XCTAssertEqual(log.size, sizeBefore)
        XCTAssertEqual(log.logEndOffset, 2)
        XCTAssertEqual(try LogFixtures.allRecords(log).count, 2)
    }

    func testTruncateRemovesWholeBatchesAndSegmentsAndAppendsContinue() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 1500
        config.indexIntervalBytes = 100
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        for tag in 0..<30 {
            var bytes = LogFixtures.batch(count: 4, valueSize: 50, tag: tag).bytes
            _ = try log.append(&bytes, leaderEpoch: Int32(tag / 10))
        }
        log.updateHighWatermark(120)
        XCTAssertGreaterThan(log.segmentInfos.count, 4)
        XCTAssertEqual(try log.truncate(to: 50), 48)  // offset 50 is inside batch 48...51
        XCTAssertEqual(log.logEndOffset, 48)
        XCTAssertEqual(log.highWatermark, 48)
        XCTAssertTrue(log.segmentInfos.allSatisfy { $0.baseOffset <= 48 && $0.nextOffset <= 48 })
        XCTAssertEqual(log.leaderEpochs.map(\.epoch), [0, 1])
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<48))
        var more = LogFixtures.batch(count: 4, tag: 99).bytes
        XCTAssertEqual(try log.append(&more, leaderEpoch: 5).firstOffset, 48)
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<52))
        XCTAssertEqual(log.leaderEpochs.last, LeaderEpochCache.Entry(epoch: 5, startOffset: 48))
        // Reopening after a clean close gives the same log.
        try log.close()
        let (reopened, report) = try LogFixtures.open(directory.path, config: config, checkpoints: PartitionLogCheckpoints(hadCleanShutdown: true))
        XCTAssertEqual(report.recoveredSegments, 0)
        XCTAssertEqual(reopened.logEndOffset, 52)
        XCTAssertEqual(try LogFixtures.allRecords(reopened).map(\.offset), Array(0..<52))
        XCTAssertEqual(reopened.leaderEpochs.map(\.epoch), [0, 1, 5])
    }

    func testTruncateBelowTheStartEmptiesTheLog() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        var bytes = LogFixtures.batch(count: 4).bytes
        _ = try log.append(&bytes)
        try log.truncateFully(startAt: 100)
        XCTAssertEqual(log.logStartOffset, 100)
        XCTAssertEqual(log.logEndOffset, 100)
        var next = LogFixtures.batch(count: 1).bytes
        XCTAssertEqual(try log.append(&next).firstOffset, 100)
        XCTAssertEqual(log.segmentInfos.map(\.baseOffset), [100])
    }

    func testFlushMessagesAdvancesTheRecoveryPoint() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.flushMessages = 3
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var one = LogFixtures.batch(count: 2).bytes
        _ = try log.append(&one)
        XCTAssertEqual(log.recoveryPoint, 0)
        var two = LogFixtures.batch(count: 2).bytes
        _ = try log.append(&two)
        XCTAssertEqual(log.recoveryPoint, 4)
    }

    func testFlushMsFlushesOnTheSchedulersCall() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.flushMs = 100
        let clock = ManualClock(1000)
        let (log, _) = try LogFixtures.open(directory.path, config: config, clock: clock.read)
        var bytes = LogFixtures.batch(count: 2).bytes
        _ = try log.append(&bytes)
        try log.flushIfDue()
        XCTAssertEqual(log.recoveryPoint, 0)
        clock.advance(100)
        try log.flushIfDue()
        XCTAssertEqual(log.recoveryPoint, 2)
    }

    func testReplicationAppendsKeepTheLeadersOffsets() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        var batch = LogFixtures.batch(count: 3, baseOffset: 0).bytes
        batch.withUnsafeMutableBytes { $0.storeBigEndian(Int32(7), at: RecordBatchHeader.Field.partitionLeaderEpoch) }
        _ = try log.append(&batch, origin: .replication)
        var gap = LogFixtures.batch(count: 2, baseOffset: 10).bytes
        _ = try log.append(&gap, origin: .replication)
        XCTAssertEqual(log.logEndOffset, 12)
        XCTAssertEqual(log.leaderEpochs, [LeaderEpochCache.Entry(epoch: 7, startOffset: 0)])
        var stale = LogFixtures.batch(count: 2, baseOffset: 5).bytes
        XCTAssertThrowsError(try log.append(&stale, origin: .replication))
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), [0, 1, 2, 10, 11])
    }

    func testAbortedTransactionsAreIndexedAndBoundTheStableOffset() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path)
        func transactional(_ producerId: Int64, count: Int) -> [UInt8] {
            var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true)
            for index in 0..<count { builder.append(key: nil, value: [UInt8(index)], timestamp: 1) }
            return builder.build().bytes
        }
        var a = transactional(1, count: 3)
        _ = try log.append(&a)
        var b = transactional(2, count: 2)
        _ = try log.append(&b)
        log.updateHighWatermark(log.logEndOffset)
        XCTAssertEqual(log.lastStableOffset, 0)
        var abort = RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: .abort, coordinatorEpoch: 1), producerId: 1, producerEpoch: 0, timestamp: 2).bytes
        _ = try log.append(&abort)
        var commit = RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: .commit, coordinatorEpoch: 1), producerId: 2, producerEpoch: 0, timestamp: 2).bytes
        _ = try log.append(&commit)
        log.updateHighWatermark(log.logEndOffset)
        XCTAssertEqual(log.lastStableOffset, 7)
        let read = try log.read(from: 0, maxBytes: 1 << 20, isolation: .committed)
        XCTAssertEqual(read.abortedTransactions, [AbortedTransaction(producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 3)])
        XCTAssertEqual(FileSystem.fileSize(directory.file("00000000000000000000.txnindex")), Int64(AbortedTransaction.size))
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(_ start: Int64) { now = start }

    func advance(_ milliseconds: Int64) { lock.withLock { now += milliseconds } }

    var read: @Sendable () -> Int64 { { [self] in lock.withLock { now } } }
}
