@testable import Engine
import Foundation
import XCTest

final class LogCleanerTests: XCTestCase {
    static func compacted(_ configure: (inout LogConfig) -> Void = { _ in }) -> LogConfig {
        var config = LogConfig()
        config.cleanupPolicy = "compact"
        config.segmentBytes = 4096
        config.fileDeleteDelayMs = 0
        config.minCleanableDirtyRatio = 0.01
        configure(&config)
        return config
    }

    /// Appends `rounds` rounds of `keys` keys; value "<key>@<round>"; nil value for tombstones.
    static func write(_ log: PartitionLog, keys: Int, rounds: Int, tombstone: (Int, Int) -> Bool = { _, _ in false }, timestamp: Int64 = 1_000) throws {
        for round in 0..<rounds {
            var builder = RecordBatchBuilder()
            for key in 0..<keys {
                let value: [UInt8]? = tombstone(key, round) ? nil : Array("k\(key)@\(round)".utf8)
                builder.append(key: Array("k\(key)".utf8), value: value, timestamp: timestamp + Int64(round))
                if builder.count == 7 {
                    var bytes = builder.build().bytes
                    _ = try log.append(&bytes)
                    builder = RecordBatchBuilder()
                }
            }
            if !builder.isEmpty {
                var bytes = builder.build().bytes
                _ = try log.append(&bytes)
            }
        }
        log.updateHighWatermark(log.logEndOffset)
    }

    /// key → (offset, value) of the latest record per key, read through the public read path.
    static func latest(_ log: PartitionLog) throws -> [String: String?] {
        var map: [String: String?] = [:]
        var last: Int64 = -1
        for record in try LogFixtures.allRecords(log) {
            XCTAssertGreaterThan(record.offset, last, "offsets must strictly increase")
            last = record.offset
            map.updateValue(record.value.map { String(decoding: $0, as: UTF8.self) }, forKey: String(decoding: record.key ?? [], as: UTF8.self))
        }
        return map
    }

    func testKeepsTheLatestRecordPerKeyAndNeverChangesOffsets() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted())
        try Self.write(log, keys: 50, rounds: 10)
        try log.roll()
        let before = try Self.latest(log)
        let offsetsBefore = Dictionary(uniqueKeysWithValues: try LogFixtures.allRecords(log).map { ($0.offset, $0.value) })
        let sizeBefore = log.size
        let result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertTrue(result.coveredAllDirty)
        XCTAssertEqual(result.nextDirtyOffset, 500)
        XCTAssertEqual(result.recordsRemoved, 450)
        XCTAssertEqual(try Self.latest(log), before)
        let after = try LogFixtures.allRecords(log)
        XCTAssertEqual(after.count, 50)
        for record in after { XCTAssertEqual(offsetsBefore[record.offset], record.value, "offset \(record.offset) changed") }
        XCTAssertLessThan(log.size, sizeBefore / 5)
        var next = LogFixtures.batch(count: 1).bytes
        XCTAssertEqual(try log.append(&next).firstOffset, 500, "appends continue after the cleaned section")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") || $0.hasSuffix(".deleted") })
    }

    /// As Kafka's cleaner does: each producer's last data batch stays (empty when none of its
    /// records do), so the producer's state can be rebuilt from the log alone; its other batches
    /// go like any other once their records are superseded.
    func testAProducersLastBatchStaysEmptyAndItsStateRebuildsFromTheLog() throws {
        let directory = TemporaryDirectory()
        let now = PartitionLog.systemClock()
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted())
        var produced = [
            ProducerStateTests.batch(producerId: 7, sequence: 0, count: 2, timestamp: now),
            ProducerStateTests.batch(producerId: 8, sequence: 0, count: 2, timestamp: now),
            ProducerStateTests.batch(producerId: 8, sequence: 2, count: 2, timestamp: now),
        ]
        for index in produced.indices { _ = try log.append(&produced[index]) }
        // k0 and k1, the keys of every producer batch, written again by plain producers
        try Self.write(log, keys: 2, rounds: 20)
        try log.roll()
        let before = try Self.latest(log)

        let result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.recordsRemoved, 6 + 2 * 19, "every producer record and all but the last round")
        XCTAssertEqual(try Self.latest(log), before)
        let producerBatches = try log.readBatches(from: 0).map(\.header).filter { $0.producerId >= 0 }
        XCTAssertEqual(producerBatches.map(\.producerId), [7, 8], "producer 8's first batch went, each last batch stayed")
        for header in producerBatches {
            XCTAssertEqual(header.recordCount, 0)
            XCTAssertEqual(header.lastOffsetDelta, 1, "offsets and sequences still span the original records")
        }
        XCTAssertEqual(producerBatches.map(\.baseOffset), [0, 4])
        XCTAssertEqual(producerBatches.map(\.baseSequence), [0, 2])
        try log.close()

        // Without snapshots, an unclean start replays the log: the empty batches bring back
        // each producer's last sequence.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".snapshot") {
            try FileSystem.remove(directory.file(name))
        }
        let (reopened, _) = try LogFixtures.open(directory.path, config: Self.compacted(), checkpoints: PartitionLogCheckpoints(hadCleanShutdown: false))
        XCTAssertEqual(reopened.producerState(of: 7)?.lastSequence, 1)
        XCTAssertEqual(reopened.producerState(of: 8)?.lastSequence, 3)
        var outOfOrder = ProducerStateTests.batch(producerId: 7, sequence: 5, timestamp: now)
        XCTAssertThrowsError(try reopened.append(&outOfOrder)) {
            XCTAssertEqual($0 as? EngineError, .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 5, lastSequence: 1))
        }
        var retry = ProducerStateTests.batch(producerId: 8, sequence: 2, timestamp: now)
        XCTAssertTrue(try reopened.append(&retry).isDuplicate, "a retry of producer 8's last batch is still recognised")
        var next = ProducerStateTests.batch(producerId: 7, sequence: 2, timestamp: now)
        XCTAssertEqual(try reopened.append(&next).firstOffset, reopened.logEndOffset - 2)

        // A second pass keeps the empty batch while it is still the producer's last, and drops it
        // once the producer has written another (superseded) one.
        reopened.updateHighWatermark(reopened.logEndOffset)
        try Self.write(reopened, keys: 2, rounds: 3)
        try reopened.roll()
        _ = try LogCleaner().clean(reopened, firstDirtyOffset: nil)
        let remaining = try reopened.readBatches(from: 0).map(\.header).filter { $0.producerId >= 0 }
        XCTAssertEqual(remaining.map(\.producerId), [8, 7])
        XCTAssertEqual(remaining.map(\.baseSequence), [2, 2], "producer 7's empty first batch went once a later one was its last")
        try reopened.close()
    }

    func testAFullOffsetMapCleansInPassesToTheSameResult() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted())
        try Self.write(log, keys: 200, rounds: 5)
        try log.roll()
        let before = try Self.latest(log)
        let cleaner = LogCleaner(config: CleanerConfig(dedupeBufferBytes: 24 * 160))  // room for ~144 keys
        var firstDirty: Int64? = nil
        var passes = 0
        repeat {
            let result = try cleaner.clean(log, firstDirtyOffset: firstDirty)
            XCTAssertLessThanOrEqual(result.mapEntries, 144)
            firstDirty = result.nextDirtyOffset
            passes += 1
            if result.coveredAllDirty { break }
        } while passes < 50
        XCTAssertGreaterThan(passes, 3)
        XCTAssertEqual(try Self.latest(log), before)
        XCTAssertEqual(try LogFixtures.allRecords(log).count, 200)
    }

    func testTombstonesStayForDeleteRetentionAfterTheFirstCleaningThenGo() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(1_000_000)
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted { $0.deleteRetentionMs = 5_000 }, clock: clock.read)
        try Self.write(log, keys: 10, rounds: 3, tombstone: { key, round in round == 2 && key < 4 })
        try log.roll()
        var result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.tombstonesRemoved, 0)
        var latest = try Self.latest(log)
        XCTAssertEqual(latest.count, 10)
        XCTAssertEqual(latest["k1"], .some(nil), "the tombstone is still readable")
        let withHorizon = try log.readBatches(from: 0).filter { $0.header.attributes.hasDeleteHorizon }
        XCTAssertFalse(withHorizon.isEmpty)
        XCTAssertTrue(withHorizon.allSatisfy { $0.header.baseTimestamp == 1_005_000 })
        // Record timestamps survive the re-based batch timestamp.
        XCTAssertEqual(try LogFixtures.allRecords(log).first { $0.key == Array("k1".utf8) }?.timestamp, 1_002)
        clock.advance(4_000)
        result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.tombstonesRemoved, 0)
        clock.advance(1_000)
        result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.tombstonesRemoved, 4)
        latest = try Self.latest(log)
        XCTAssertEqual(Set(latest.keys), Set((4..<10).map { "k\($0)" }))
    }

    func testRecordsWithoutAKeyAreRefusedByACompactedLog() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted())
        var builder = RecordBatchBuilder(compression: .gzip)
        builder.append(key: Array("a".utf8), value: [1], timestamp: 1)
        builder.append(key: nil, value: [2], timestamp: 1)
        var bytes = builder.build().bytes
        XCTAssertThrowsError(try log.append(&bytes)) { error in
            guard case let .invalidRecord(reason) = error as? EngineError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("without a key"), reason)
        }
        XCTAssertEqual(log.logEndOffset, 0)
    }

    func testAbortedTransactionsAreRemovedAndMarkersKeptUntilTheHorizon() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(10_000)
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted { $0.deleteRetentionMs = 100 }, clock: clock.read)
        func transactional(_ producer: Int64, _ key: String, _ value: String) -> [UInt8] {
            var builder = RecordBatchBuilder(producerId: producer, producerEpoch: 0, baseSequence: 0, isTransactional: true)
            builder.append(key: Array(key.utf8), value: Array(value.utf8), timestamp: 5)
            return builder.build().bytes
        }
        var plain = RecordBatchBuilder()
        plain.append(key: Array("x".utf8), value: Array("committed-before".utf8), timestamp: 5)
        var bytes = plain.build().bytes
        _ = try log.append(&bytes)
        var aborted = transactional(7, "x", "aborted")
        _ = try log.append(&aborted)
        var abort = RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: .abort, coordinatorEpoch: 0), producerId: 7, producerEpoch: 0, timestamp: 6).bytes
        _ = try log.append(&abort)
        var committed = transactional(8, "y", "committed")
        _ = try log.append(&committed)
        var commit = RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: .commit, coordinatorEpoch: 0), producerId: 8, producerEpoch: 0, timestamp: 6).bytes
        _ = try log.append(&commit)
        log.updateHighWatermark(log.logEndOffset)
        try log.roll()
        let result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.recordsRemoved, 1)
        let records = try LogFixtures.allRecords(log)
        XCTAssertFalse(records.contains { $0.value == Array("aborted".utf8) })
        XCTAssertEqual(try log.readBatches(from: 0).filter(\.header.isControl).count, 2, "markers stay until their horizon")
        XCTAssertEqual(try Self.latest(log)["x"], "committed-before")
        clock.advance(200)
        let second = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(second.markersRemoved, 1, "the abort marker goes; the commit marker keeps its transaction's record company")
        XCTAssertEqual(try Self.latest(log)["y"], "committed")
    }

    func testTheLogManagerHonoursTheDirtyRatioAndCheckpointsTheDirtyOffset() throws {
        let directory = TemporaryDirectory()
        let (manager, _) = try LogManager.open(directory: directory.path, defaultConfig: Self.compacted { $0.minCleanableDirtyRatio = 0.9 })
        let partition = TopicPartition(topic: "changelog", partition: 0)
        let log = try manager.getOrCreateLog(partition)
        try Self.write(log, keys: 20, rounds: 4)
        try log.roll()
        XCTAssertEqual(manager.cleanableRanges()[partition]?.dirtyRatio, 1)
        XCTAssertEqual(try manager.runCleaner().count, 1)
        XCTAssertTrue(try String(contentsOfFile: directory.file("cleaner-offset-checkpoint"), encoding: .utf8).contains("changelog 0 80"))
        try Self.write(log, keys: 2, rounds: 1)
        try log.roll()
        let range = try XCTUnwrap(manager.cleanableRanges()[partition])
        XCTAssertEqual(range.firstDirtyOffset, 80)
        XCTAssertLessThan(range.dirtyRatio, 0.9)
        XCTAssertEqual(try manager.runCleaner().count, 0, "below min.cleanable.dirty.ratio nothing is cleaned")
        XCTAssertEqual(try manager.runCleaner(force: true).count, 1)
        try manager.close()
    }

    func testMinCompactionLagKeepsYoungSegmentsDirty() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(100_000)
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted { $0.minCompactionLagMs = 50_000 }, clock: clock.read)
        try Self.write(log, keys: 10, rounds: 3, timestamp: 90_000)
        try log.roll()
        XCTAssertEqual(log.cleanableRange(firstDirtyOffset: nil).dirtyBytes, 0)
        clock.advance(50_000)
        XCTAssertGreaterThan(log.cleanableRange(firstDirtyOffset: nil).dirtyBytes, 0)
    }

    func testThrottleBoundsTheCleanersIORate() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path, config: Self.compacted())
        try Self.write(log, keys: 100, rounds: 4)
        try log.roll()
        let started = Date()
        let result = try LogCleaner(config: CleanerConfig(ioMaxBytesPerSecond: 100_000)).clean(log, firstDirtyOffset: nil)
        let seconds = Date().timeIntervalSince(started)
        let io = Double(result.bytesRead * 2 + result.bytesWritten)
        XCTAssertGreaterThan(seconds, io / 100_000 * 0.5, "\(io) bytes in \(seconds) s")
    }
}

final class LogCleanerCancellationTests: XCTestCase {
    func testACancelledPassSwapsNothingAndKeepsTheSectionDirty() throws {
        let directory = TemporaryDirectory()
        let (log, _) = try LogFixtures.open(directory.path, config: LogCleanerTests.compacted())
        try LogCleanerTests.write(log, keys: 50, rounds: 5)
        try log.roll()
        let before = log.segmentInfos
        let cancellation = CleanerCancellation()
        cancellation.cancel()
        let result = try LogCleaner(cancellation: cancellation).clean(log, firstDirtyOffset: nil)
        XCTAssertFalse(result.coveredAllDirty)
        XCTAssertEqual(result.nextDirtyOffset, 0)
        XCTAssertEqual(log.segmentInfos, before)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".cleaned") })
    }

    func testTheOffsetMapOnlyTouchesThePagesItUses() {
        let map = CleanerOffsetMap(memoryBytes: 64 << 20)
        for index in 0..<1000 {
            let key = Array("key-\(index)".utf8)
            map.put(key.withUnsafeBytes { KeyHash($0) }, offset: Int64(index))
        }
        XCTAssertEqual(map.get(Array("key-7".utf8).withUnsafeBytes { KeyHash($0) }), 7)
        XCTAssertEqual(map.get(Array("key-0".utf8).withUnsafeBytes { KeyHash($0) }), 0, "offset 0 is a real offset, not an empty slot")
        XCTAssertNil(map.get(Array("absent".utf8).withUnsafeBytes { KeyHash($0) }))
        XCTAssertEqual(map.count, 1000)
    }
}
