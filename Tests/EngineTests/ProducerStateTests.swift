@testable import Engine
import Foundation
import XCTest

/// The idempotent-producer checks of the append path (Kafka's `ProducerAppendInfo` rules):
/// duplicates, gaps, fencing, new epochs, unknown producers, wrapping sequences, transactions and
/// expiry. A rejected append must leave no bytes and no state change.
final class ProducerStateTests: XCTestCase {
    static let baseTimestamp: Int64 = 1_700_000_000_000

    /// A producer batch of `count` records as a client sends it (base offset 0).
    static func batch(
        producerId: Int64, epoch: Int16 = 0, sequence: Int32, count: Int = 2, transactional: Bool = false,
        timestamp: Int64 = baseTimestamp
    ) -> [UInt8] {
        var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: transactional)
        for index in 0..<count {
            builder.append(key: Array("k\(index)".utf8), value: Array("p\(producerId)-s\(sequence)-\(index)".utf8), timestamp: timestamp + Int64(index))
        }
        return builder.build().bytes
    }

    static func marker(_ kind: EndTransactionMarker.Kind, producerId: Int64, epoch: Int16 = 0, coordinatorEpoch: Int32 = 1, timestamp: Int64 = baseTimestamp) -> [UInt8] {
        RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: kind, coordinatorEpoch: coordinatorEpoch), producerId: producerId, producerEpoch: epoch, timestamp: timestamp).bytes
    }

    private var directory: TemporaryDirectory!
    private var log: PartitionLog!

    override func setUpWithError() throws {
        directory = TemporaryDirectory("strata-producer-state")
        log = try LogFixtures.open(directory.path).log
    }

    @discardableResult
    private func append(_ bytes: [UInt8]) throws -> AppendResult {
        var bytes = bytes
        return try log.append(&bytes)
    }

    /// Appending `bytes` fails with `expected`, and the log's bytes, end and producer state stay as they were.
    private func assertRejected(_ bytes: [UInt8], _ expected: EngineError, file: StaticString = #filePath, line: UInt = #line) throws {
        let end = log.logEndOffset
        let size = log.size
        let producers = log.activeProducers
        XCTAssertThrowsError(try append(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? EngineError, expected, file: file, line: line)
        }
        XCTAssertEqual(log.logEndOffset, end, "nothing appended", file: file, line: line)
        XCTAssertEqual(log.size, size, "no bytes written", file: file, line: line)
        XCTAssertEqual(log.activeProducers, producers, "no state change", file: file, line: line)
    }

    func testInOrderBatchesAreAppendedAndRemembered() throws {
        try append(Self.batch(producerId: 7, sequence: 0, count: 2))
        let second = try append(Self.batch(producerId: 7, sequence: 2, count: 3, timestamp: Self.baseTimestamp + 50))
        XCTAssertEqual([second.firstOffset, second.lastOffset], [2, 4])
        XCTAssertFalse(second.isDuplicate)
        let entry = try XCTUnwrap(log.producerState(of: 7))
        XCTAssertEqual(entry.producerEpoch, 0)
        XCTAssertEqual(entry.lastSequence, 4)
        XCTAssertEqual(entry.batches.map(\.firstSequence), [0, 2])
        XCTAssertEqual(entry.batches.map(\.firstOffset), [0, 2])
        XCTAssertEqual(entry.batches.map(\.lastOffset), [1, 4])
        XCTAssertEqual(entry.lastTimestamp, Self.baseTimestamp + 52)
        XCTAssertNil(log.producerState(of: 8))
    }

    func testARetryOfEachOfTheLastFiveBatchesReturnsTheOriginalOffsetsAndWritesNothing() throws {
        var originals: [AppendResult] = []
        for index in 0..<6 {
            originals.append(try append(Self.batch(producerId: 7, sequence: Int32(index * 2), count: 2, timestamp: Self.baseTimestamp + Int64(index))))
            try append(Self.batch(producerId: -1, sequence: -1, count: 1))  // other traffic in between
        }
        let end = log.logEndOffset
        let size = log.size
        for index in 1..<6 {
            let retry = try append(Self.batch(producerId: 7, sequence: Int32(index * 2), count: 2, timestamp: Self.baseTimestamp + Int64(index)))
            XCTAssertTrue(retry.isDuplicate, "batch \(index)")
            XCTAssertEqual([retry.firstOffset, retry.lastOffset], [originals[index].firstOffset, originals[index].lastOffset], "batch \(index)")
            XCTAssertEqual(retry.maxTimestamp, Self.baseTimestamp + Int64(index) + 1)
            XCTAssertEqual([retry.batchCount, retry.bytes], [0, 0])
        }
        XCTAssertEqual(log.logEndOffset, end)
        XCTAssertEqual(log.size, size)
        XCTAssertEqual(try LogFixtures.allRecords(log).count, Int(end), "no second copy")
        // The sixth-newest batch is forgotten: its retry is out of order, as in Kafka.
        try assertRejected(Self.batch(producerId: 7, sequence: 0, count: 2),
                           .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 0, lastSequence: 11))
        // A retry with the same first sequence but another range is not a duplicate.
        try assertRejected(Self.batch(producerId: 7, sequence: 10, count: 1),
                           .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 10, lastSequence: 11))
    }

    func testAGapInSequenceIsOutOfOrder() throws {
        try append(Self.batch(producerId: 7, sequence: 0, count: 2))
        try assertRejected(Self.batch(producerId: 7, sequence: 5), .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 5, lastSequence: 1))
        try assertRejected(Self.batch(producerId: 7, sequence: 1), .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 1, lastSequence: 1))
        XCTAssertEqual(try append(Self.batch(producerId: 7, sequence: 2)).firstOffset, 2)
        try assertRejected(Self.batch(producerId: 7, sequence: -1), .invalidRecord("invalid sequence number -1 in a batch of producer 7 (at offset 4)"))
    }

    func testAnOlderEpochIsFenced() throws {
        try append(Self.batch(producerId: 7, epoch: 3, sequence: 0))
        try assertRejected(Self.batch(producerId: 7, epoch: 2, sequence: 2), .invalidProducerEpoch(producerId: 7, producerEpoch: 2, currentEpoch: 3))
        try assertRejected(Self.marker(.commit, producerId: 7, epoch: 1), .invalidProducerEpoch(producerId: 7, producerEpoch: 1, currentEpoch: 3))
    }

    func testANewEpochMustStartAtSequenceZeroAndForgetsTheOldBatches() throws {
        try append(Self.batch(producerId: 7, epoch: 0, sequence: 0))
        try append(Self.batch(producerId: 7, epoch: 0, sequence: 2))
        try assertRejected(Self.batch(producerId: 7, epoch: 1, sequence: 4), .outOfOrderSequence(producerId: 7, producerEpoch: 1, sequence: 4, lastSequence: -1))
        let bumped = try append(Self.batch(producerId: 7, epoch: 1, sequence: 0))
        XCTAssertFalse(bumped.isDuplicate, "same sequence, new epoch: not a retry")
        XCTAssertEqual(bumped.firstOffset, 4)
        let entry = try XCTUnwrap(log.producerState(of: 7))
        XCTAssertEqual(entry.producerEpoch, 1)
        XCTAssertEqual(entry.batches.count, 1)
        // A retry from the old epoch is fenced, not answered as a duplicate.
        try assertRejected(Self.batch(producerId: 7, epoch: 0, sequence: 2), .invalidProducerEpoch(producerId: 7, producerEpoch: 0, currentEpoch: 1))
    }

    func testAnUnknownProducerMayStartAtAnySequenceAsInKafka() throws {
        // Kafka (since KIP-360) accepts the first batch of a producer it has no state for at any
        // sequence: its state may have expired or its batches been deleted by retention.
        XCTAssertEqual(try append(Self.batch(producerId: 9, epoch: 4, sequence: 42, count: 3)).firstOffset, 0)
        XCTAssertEqual(log.producerState(of: 9)?.lastSequence, 44)
        try assertRejected(Self.batch(producerId: 9, epoch: 4, sequence: 46), .outOfOrderSequence(producerId: 9, producerEpoch: 4, sequence: 46, lastSequence: 44))
        XCTAssertEqual(try append(Self.batch(producerId: 9, epoch: 4, sequence: 45)).firstOffset, 3)
    }

    func testSequencesWrapAtInt32Max() throws {
        // Three records numbered Int32.max - 1, Int32.max, 0.
        try append(Self.batch(producerId: 7, sequence: Int32.max - 1, count: 3))
        XCTAssertEqual(log.producerState(of: 7)?.lastSequence, 0)
        XCTAssertEqual(log.producerState(of: 7)?.batches.last?.firstSequence, Int32.max - 1)
        XCTAssertTrue(try append(Self.batch(producerId: 7, sequence: Int32.max - 1, count: 3)).isDuplicate)
        try assertRejected(Self.batch(producerId: 7, sequence: 2), .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 2, lastSequence: 0))
        XCTAssertEqual(try append(Self.batch(producerId: 7, sequence: 1, count: 1)).firstOffset, 3)
        // A batch ending exactly at Int32.max is followed by 0.
        try append(Self.batch(producerId: 8, sequence: Int32.max - 1, count: 2))
        XCTAssertEqual(try append(Self.batch(producerId: 8, sequence: 0, count: 1)).firstOffset, 6)
    }

    func testSequenceArithmeticWraps() {
        XCTAssertEqual(ProducerStateEntry.incrementSequence(Int32.max - 1, by: 2), 0)
        XCTAssertEqual(ProducerStateEntry.incrementSequence(Int32.max, by: 1), 0)
        XCTAssertEqual(ProducerStateEntry.incrementSequence(5, by: 3), 8)
        XCTAssertEqual(ProducerStateEntry.decrementSequence(0, by: 2), Int32.max - 1)
        XCTAssertEqual(ProducerStateEntry.decrementSequence(8, by: 3), 5)
        XCTAssertTrue(ProducerStateEntry.inSequence(last: Int32.max, next: 0))
        XCTAssertFalse(ProducerStateEntry.inSequence(last: Int32.max, next: 1))
        XCTAssertTrue(ProducerStateEntry.inSequence(last: -1, next: 0))
    }

    func testARejectedBatchInAMultiBatchAppendRejectsTheWholeAppend() throws {
        try append(Self.batch(producerId: 7, sequence: 0))
        // Valid batch of producer 8, then producer 7 in order, then producer 7 with a gap.
        let bytes = Self.batch(producerId: 8, sequence: 0) + Self.batch(producerId: 7, sequence: 2) + Self.batch(producerId: 7, sequence: 9)
        try assertRejected(bytes, .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 9, lastSequence: 3))
        XCTAssertNil(log.producerState(of: 8))
        // In one append, later batches are checked against the earlier ones.
        let ok = try append(Self.batch(producerId: 7, sequence: 2) + Self.batch(producerId: 7, sequence: 4, count: 1))
        XCTAssertEqual([ok.firstOffset, ok.lastOffset], [2, 4])
        XCTAssertEqual(log.producerState(of: 7)?.batches.map(\.lastSequence), [1, 3, 4])
    }

    func testTransactionRules() throws {
        try append(Self.batch(producerId: 7, sequence: 0, transactional: true))
        XCTAssertEqual(log.producerState(of: 7)?.currentTransactionFirstOffset, 0)
        try assertRejected(Self.batch(producerId: 7, sequence: 2), .invalidTransactionState(producerId: 7, reason: "a non-transactional batch at offset 2 while a transaction is open"))
        log.updateHighWatermark(Int64.max)
        XCTAssertEqual(log.lastStableOffset, 0)
        try append(Self.marker(.commit, producerId: 7, coordinatorEpoch: 5))
        XCTAssertNil(log.producerState(of: 7)?.currentTransactionFirstOffset)
        XCTAssertEqual(log.producerState(of: 7)?.coordinatorEpoch, 5)
        log.updateHighWatermark(Int64.max)
        XCTAssertEqual(log.lastStableOffset, 3)
        try assertRejected(Self.marker(.abort, producerId: 7, coordinatorEpoch: 4),
                           .transactionCoordinatorFenced(producerId: 7, coordinatorEpoch: 4, currentCoordinatorEpoch: 5))
        // Markers carry no sequence: the next batch continues after the last data batch.
        XCTAssertEqual(try append(Self.batch(producerId: 7, sequence: 2)).firstOffset, 3)
    }

    func testReplicatedAppendsAreNotValidatedButUpdateTheState() throws {
        try append(Self.batch(producerId: 7, epoch: 2, sequence: 0))
        var gap = try RecordBatch(bytes: Self.batch(producerId: 7, epoch: 1, sequence: 50))
        gap.setBaseOffset(2)
        var bytes = gap.bytes
        XCTAssertEqual(try log.append(&bytes, origin: .replication).firstOffset, 2)
        // An older epoch from the leader is taken as it is (Kafka only logs a warning).
        XCTAssertEqual(log.producerState(of: 7)?.producerEpoch, 1)
        XCTAssertEqual(log.producerState(of: 7)?.lastSequence, 51)
    }

    func testIdleProducersExpireButNotWithAnOpenTransaction() throws {
        let clock = ManualClock(Self.baseTimestamp)
        var config = LogConfig()
        config.producerIdExpirationMs = 1000
        let (log, _) = try LogFixtures.open(TemporaryDirectory("strata-expiry").path, config: config, clock: clock.read)
        var idle = Self.batch(producerId: 1, sequence: 0)
        var open = Self.batch(producerId: 2, sequence: 0, transactional: true)
        _ = try log.append(&idle)
        _ = try log.append(&open)
        clock.advance(1000)  // the idle producer's last timestamp is base + 1
        XCTAssertEqual(log.removeExpiredProducers(), 0)
        clock.advance(1)
        XCTAssertEqual(log.removeExpiredProducers(), 1)
        XCTAssertNil(log.producerState(of: 1))
        XCTAssertNotNil(log.producerState(of: 2))
        // Once forgotten, the producer is unknown: any sequence is accepted again.
        var again = Self.batch(producerId: 1, sequence: 77)
        XCTAssertEqual(try log.append(&again).firstOffset, 4)
    }

    func testTheAppendPathExpiresProducersOnItsOwn() throws {
        let clock = ManualClock(Self.baseTimestamp)
        var config = LogConfig()
        config.producerIdExpirationMs = 100
        let (log, _) = try LogFixtures.open(TemporaryDirectory("strata-expiry").path, config: config, clock: clock.read)
        var first = Self.batch(producerId: 1, sequence: 0)
        _ = try log.append(&first)
        clock.advance(500)
        var other = Self.batch(producerId: 2, sequence: 0, timestamp: clock.read())
        _ = try log.append(&other)
        XCTAssertNil(log.producerState(of: 1))
        XCTAssertNotNil(log.producerState(of: 2))
    }
}
