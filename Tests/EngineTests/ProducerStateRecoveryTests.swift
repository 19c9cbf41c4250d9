@testable import Engine
import Foundation
import XCTest

/// Producer-state snapshots in the partition directory: when they are written (roll, close),
/// how a log reopens from them (clean close, unclean stop, damaged files), and how retention,
/// truncation and open remove them.
final class ProducerStateRecoveryTests: XCTestCase {
    private var directory: TemporaryDirectory!
    /// Record timestamps near the real clock, so nothing expires (`producer.id.expiration.ms`).
    private let now = PartitionLog.systemClock()

    override func setUp() {
        directory = TemporaryDirectory("strata-producer-recovery")
    }

    private var smallSegments: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 1000
        config.fileDeleteDelayMs = 0
        return config
    }

    private func open(clean: Bool = true, recoveryPoint: Int64 = 0, config: LogConfig? = nil) throws -> (log: PartitionLog, report: PartitionLogOpenReport) {
        try LogFixtures.open(directory.path, config: config ?? smallSegments,
                             checkpoints: PartitionLogCheckpoints(recoveryPoint: recoveryPoint, hadCleanShutdown: clean))
    }

    @discardableResult
    private func append(_ log: PartitionLog, _ bytes: [UInt8]) throws -> AppendResult {
        var bytes = bytes
        return try log.append(&bytes)
    }

    /// Producer 7 writes `batches` batches of 3 records, in sequence, interleaved with
    /// non-idempotent records; the log rolls every few batches. Returns the results.
    private func produce(_ log: PartitionLog, batches: Int, from start: Int32 = 0) throws -> [AppendResult] {
        var results: [AppendResult] = []
        for index in 0..<batches {
            results.append(try append(log, ProducerStateTests.batch(producerId: 7, sequence: start + Int32(index * 3), count: 3, timestamp: now + Int64(index))))
            try append(log, LogFixtures.batch(count: 2, valueSize: 40, timestamp: now, tag: index).bytes)
        }
        return results
    }

    private func files(_ suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(suffix) }.sorted()
    }

    func testARollSnapshotsAtTheNewSegmentBaseAndACloseAtTheLogEnd() throws {
        let (log, _) = try open()
        let results = try produce(log, batches: 12)
        let bases = log.segmentInfos.map(\.baseOffset)
        XCTAssertGreaterThan(bases.count, 3)
        XCTAssertEqual(log.producerSnapshotOffsets, Array(bases.dropFirst()))
        XCTAssertNil(log.producerSnapshotPath(forSegmentBaseOffset: 0), "the first segment started with no state to save")
        for base in bases.dropFirst() {
            let path = try XCTUnwrap(log.producerSnapshotPath(forSegmentBaseOffset: base))
            let entries = try ProducerStateSnapshot(decoding: FileSystem.readFile(path), file: path).entries
            // The snapshot holds the state after every batch below the segment's base.
            let last = try XCTUnwrap(results.last { $0.lastOffset < base })
            XCTAssertEqual(entries.map(\.producerId), [7])
            XCTAssertEqual(entries[0].lastDataOffset, last.lastOffset, "snapshot at \(base)")
        }
        try log.close()
        XCTAssertEqual(try files(".snapshot").last, SegmentFileName.name(baseOffset: log.logEndOffset, suffix: ".snapshot"))
    }

    func testACleanReopenRestoresTheStateFromTheSnapshot() throws {
        let (log, _) = try open()
        let results = try produce(log, batches: 8)
        let before = try XCTUnwrap(log.producerState(of: 7))
        try log.close()
        let (reopened, report) = try open(clean: true)
        XCTAssertEqual(report.corruptSnapshots, [])
        let after = try XCTUnwrap(reopened.producerState(of: 7))
        XCTAssertEqual(after.batches, [before.batches.last!], "a snapshot keeps the last batch, as Kafka's does")
        XCTAssertEqual([after.lastSequence, Int32(after.producerEpoch)], [23, 0])
        let retry = try append(reopened, ProducerStateTests.batch(producerId: 7, sequence: 21, count: 3, timestamp: now + 7))
        XCTAssertTrue(retry.isDuplicate)
        XCTAssertEqual(retry.firstOffset, results.last!.firstOffset)
        XCTAssertThrowsError(try append(reopened, ProducerStateTests.batch(producerId: 7, sequence: 30))) {
            XCTAssertEqual($0 as? EngineError, .outOfOrderSequence(producerId: 7, producerEpoch: 0, sequence: 30, lastSequence: 23))
        }
        XCTAssertEqual(try append(reopened, ProducerStateTests.batch(producerId: 7, sequence: 24, timestamp: now)).firstOffset, reopened.logEndOffset - 2)
    }

    func testAnUncleanStopRestoresStateAndATransactionOpenedBeforeTheRecoveryPoint() throws {
        let (log, _) = try open()
        try produce(log, batches: 2)
        let transactionStart = log.logEndOffset
        try append(log, ProducerStateTests.batch(producerId: 5, sequence: 0, transactional: true, timestamp: now))
        try produce(log, batches: 8, from: 6)
        try log.flush()
        let recoveryPoint = log.recoveryPoint
        XCTAssertGreaterThan(recoveryPoint, transactionStart)
        XCTAssertGreaterThan(log.segmentInfos.filter { $0.baseOffset <= recoveryPoint }.count, 1, "the transaction began segments before the recovery point")
        try produce(log, batches: 2, from: 30)
        let before = try XCTUnwrap(log.producerState(of: 7))
        // No close(): as after a crash. The snapshot at the last roll is still on disk.
        let (reopened, report) = try open(clean: false, recoveryPoint: recoveryPoint)
        XCTAssertGreaterThanOrEqual(report.recoveredSegments, 1)
        XCTAssertEqual(reopened.producerState(of: 5)?.currentTransactionFirstOffset, transactionStart)
        reopened.updateHighWatermark(reopened.logEndOffset)
        XCTAssertEqual(reopened.lastStableOffset, transactionStart)
        let after = try XCTUnwrap(reopened.producerState(of: 7))
        XCTAssertEqual(after.lastSequence, before.lastSequence)
        XCTAssertEqual(after.batches.last, before.batches.last)
        XCTAssertTrue(try append(reopened, ProducerStateTests.batch(producerId: 7, sequence: 33, count: 3, timestamp: now + 1)).isDuplicate)
        // Aborting the restored transaction indexes the whole range from its first offset.
        try append(reopened, ProducerStateTests.marker(.abort, producerId: 5, timestamp: now))
        reopened.updateHighWatermark(reopened.logEndOffset)
        XCTAssertEqual(reopened.lastStableOffset, reopened.logEndOffset)
        let read = try reopened.read(from: transactionStart, maxBytes: 1 << 20, isolation: .committed)
        XCTAssertEqual(read.abortedTransactions.map(\.firstOffset), [transactionStart])
        XCTAssertEqual(read.abortedTransactions.map(\.producerId), [5])
    }

    func testADamagedSnapshotIsReportedDeletedAndTheStateRebuiltFromAnOlderOneOrTheLog() throws {
        let (log, _) = try open()
        try produce(log, batches: 10)
        let before = try XCTUnwrap(log.producerState(of: 7))
        try log.close()
        let offsets = log.producerSnapshotOffsets
        let latest = ProducerStateSnapshot.path(directory: directory.path, offset: offsets.last!)
        var bytes = try FileSystem.readFile(latest)
        bytes[bytes.count - 3] ^= 0xFF
        try FileSystem.writeAtomically(latest, contents: bytes)
        var (reopened, report) = try open(clean: true)
        XCTAssertEqual(report.corruptSnapshots.count, 1)
        guard case let .corruptSnapshot(file, reason)? = report.corruptSnapshots.first else { return XCTFail("\(report.corruptSnapshots)") }
        XCTAssertEqual(file, latest)
        XCTAssertTrue(reason.hasPrefix("CRC mismatch"), reason)
        XCTAssertFalse(FileSystem.exists(latest))
        XCTAssertEqual(reopened.producerState(of: 7)?.batches.last, before.batches.last, "rebuilt from the previous snapshot and the log")
        try reopened.close()
        // Every snapshot damaged: rebuilt from the log start.
        for name in try files(".snapshot") { try FileSystem.writeAtomically(directory.file(name), contents: [0, 1, 2]) }
        (reopened, report) = try open(clean: true)
        XCTAssertEqual(report.corruptSnapshots.count, offsets.count, "the close wrote the log-end snapshot again")
        XCTAssertEqual(try files(".snapshot"), [], "each damaged file was deleted")
        XCTAssertEqual(reopened.producerState(of: 7)?.batches.last, before.batches.last)
        XCTAssertEqual(reopened.producerState(of: 7)?.batches.count, ProducerStateEntry.batchesToRetain, "a full replay remembers five batches")
    }

    func testRetentionDeletesTheSnapshotsOfTheSegmentsItDeletes() throws {
        let (log, _) = try open()
        try produce(log, batches: 12)
        log.updateHighWatermark(log.logEndOffset)
        let bases = log.segmentInfos.map(\.baseOffset)
        let newStart = bases[3]
        XCTAssertEqual(try log.deleteRecords(before: newStart), newStart)
        XCTAssertEqual(log.segmentInfos.first?.baseOffset, newStart)
        XCTAssertEqual(log.producerSnapshotOffsets, Array(bases.dropFirst(3)))
        XCTAssertEqual(try files(".snapshot"), bases.dropFirst(3).map { SegmentFileName.name(baseOffset: $0, suffix: ".snapshot") })
        XCTAssertEqual(try files(".deleted"), [], "file.delete.delay.ms=0 removes them at once")
    }

    func testRetentionRenamesSnapshotsLikeSegmentsWhenDeletionIsDelayed() throws {
        var config = smallSegments
        config.fileDeleteDelayMs = 60_000
        let (log, _) = try open(config: config)
        try produce(log, batches: 12)
        log.updateHighWatermark(log.logEndOffset)
        let bases = log.segmentInfos.map(\.baseOffset)
        _ = try log.deleteRecords(before: bases[2])
        XCTAssertEqual(try files(".snapshot.deleted"), [SegmentFileName.name(baseOffset: bases[1], suffix: ".snapshot.deleted")])
        XCTAssertNil(log.producerSnapshotPath(forSegmentBaseOffset: bases[1]))
        // The next open removes the leftovers, as it does the segments'.
        try log.close()
        _ = try open(config: config)
        XCTAssertEqual(try files(".deleted"), [])
    }

    func testTruncationRemovesLaterSnapshotsAndRewindsTheState() throws {
        let (log, _) = try open()
        let results = try produce(log, batches: 12)
        let bases = log.segmentInfos.map(\.baseOffset)
        // Cut inside producer 7's sixth batch: that batch and everything after it go.
        let target = results[5].firstOffset + 1
        XCTAssertEqual(try log.truncate(to: target), results[5].firstOffset)
        XCTAssertEqual(log.producerSnapshotOffsets, bases.dropFirst().filter { $0 <= results[5].firstOffset })
        let entry = try XCTUnwrap(log.producerState(of: 7))
        XCTAssertEqual(entry.lastSequence, 14)
        XCTAssertEqual(entry.lastDataOffset, results[4].lastOffset)
        XCTAssertEqual(try append(log, ProducerStateTests.batch(producerId: 7, sequence: 15, count: 3, timestamp: now)).firstOffset, results[5].firstOffset)
        try log.truncateFully(startAt: 500)
        XCTAssertEqual(log.producerSnapshotOffsets, [])
        XCTAssertEqual(try files(".snapshot"), [])
        XCTAssertNil(log.producerState(of: 7))
    }

    func testOpenKeepsOneSnapshotPerSegmentAndTheLatestAboveThem() throws {
        let (log, _) = try open()
        try produce(log, batches: 10)
        try log.close()
        let bases = log.segmentInfos.map(\.baseOffset)
        let end = log.logEndOffset
        let valid = try FileSystem.readFile(ProducerStateSnapshot.path(directory: directory.path, offset: end))
        // Strays: between segment bases, and an older one above the last base.
        for offset in [bases[1] + 1, bases[2] + 2, end - 1] {
            try FileSystem.writeAtomically(ProducerStateSnapshot.path(directory: directory.path, offset: offset), contents: valid)
        }
        // Above the log end: state the log no longer has.
        try FileSystem.writeAtomically(ProducerStateSnapshot.path(directory: directory.path, offset: end + 10), contents: valid)
        let (reopened, _) = try open(clean: true)
        XCTAssertEqual(reopened.producerSnapshotOffsets, Array(bases.dropFirst()) + [end])
        XCTAssertEqual(try files(".snapshot").count, bases.count)
    }

    func testALogWithoutSnapshotsClosedCleanlyIsNotScannedAsInKafka() throws {
        let (log, _) = try open()
        try produce(log, batches: 6)
        try log.close()
        for name in try files(".snapshot") { try FileSystem.remove(directory.file(name)) }
        let (clean, _) = try open(clean: true)
        XCTAssertNil(clean.producerState(of: 7), "written before snapshots existed: the state starts empty")
        try clean.close()
        for name in try files(".snapshot") { try FileSystem.remove(directory.file(name)) }
        let (unclean, _) = try open(clean: false)
        XCTAssertEqual(unclean.producerState(of: 7)?.lastSequence, 17, "an unclean stop replays the whole log")
        XCTAssertEqual(try files(".snapshot"), [SegmentFileName.name(baseOffset: unclean.logEndOffset, suffix: ".snapshot")], "and saves what it rebuilt")
    }
}
