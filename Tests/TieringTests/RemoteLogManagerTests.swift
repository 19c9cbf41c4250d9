import Engine
import Foundation
import Tiering
import XCTest

final class RemoteLogManagerTests: XCTestCase {
    func testUploadsClosedSegmentsAndLocalRetentionDeletesOnlyUploadedOnes() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 40)
        let segments = fixture.log.segmentInfos
        XCTAssertGreaterThan(segments.count, 5)

        // Nothing uploaded yet: local retention keeps everything even though the limit is 0.
        XCTAssertEqual(try fixture.log.applyRetention().deletedSegments, 0)
        fixture.remote.runOnce()
        let manifest = try fixture.manifest
        XCTAssertEqual(manifest.readableSegments.map(\.baseOffset), segments.dropLast().map(\.baseOffset))
        XCTAssertEqual(manifest.readableSegments.map(\.sizeInBytes), segments.dropLast().map(\.size))
        XCTAssertEqual(fixture.log.highestOffsetInRemoteStorage, segments.last!.baseOffset - 1)
        for segment in manifest.readableSegments {
            let key = segment.key(partitionFolder: "orders/0", suffix: ".log")
            XCTAssertEqual(try fixture.store.get(key: key, range: nil).count, Int(segment.sizeInBytes))
            let epochs = String(decoding: try fixture.store.get(key: segment.key(partitionFolder: "orders/0", suffix: ".leader-epoch-checkpoint"), range: nil), as: UTF8.self)
            XCTAssertTrue(epochs.hasPrefix("0\n"), epochs)
            XCTAssertEqual(Set(segment.files), [".log", ".index", ".timeindex", ".snapshot", ".leader-epoch-checkpoint"])
            let snapshot = try fixture.store.get(key: segment.key(partitionFolder: "orders/0", suffix: ".snapshot"), range: nil)
            XCTAssertEqual(try ProducerStateSnapshot(decoding: snapshot, file: "remote").entries, [], "the fixture's batches carry no producer id")
        }
        XCTAssertEqual(fixture.remote.metrics.value(TieringMetrics.copySegments), Int64(segments.count - 1))

        // The same pass let local retention remove the uploaded segments, never the active one.
        XCTAssertEqual(fixture.log.segmentInfos.map(\.baseOffset), [segments.last!.baseOffset])
        XCTAssertEqual(try fixture.log.applyRetention().deletedSegments, 0)
        XCTAssertEqual(fixture.log.logStartOffset, segments.last!.baseOffset)
        XCTAssertEqual(fixture.remote.logStartOffset(of: fixture.log), 0)

        // A reader from the beginning gets every record once, in order, remote then local.
        let records = try fixture.readAll()
        XCTAssertEqual(records.map(\.offset), Array(0..<Int64(values.count)))
        XCTAssertEqual(records.map { String(decoding: $0.value ?? [], as: UTF8.self) }, values)
        XCTAssertGreaterThan(fixture.remote.metrics.value(TieringMetrics.fetchBytes), 0)

        // A second pass uploads nothing new.
        let puts = fixture.store.puts
        fixture.remote.runOnce()
        XCTAssertEqual(fixture.store.puts, puts)
    }

    func testRestartKnowsRemoteSegmentsWithoutListingTheStore() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 30)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        let uploaded = try fixture.manifest.highestOffset
        try fixture.reopen()
        XCTAssertEqual(fixture.log.highestOffsetInRemoteStorage, -1, "a fresh log knows nothing until the manifest is loaded")
        XCTAssertEqual(fixture.remote.logStartOffset(of: fixture.log), 0)
        XCTAssertEqual(fixture.log.highestOffsetInRemoteStorage, uploaded)
        XCTAssertEqual(try fixture.readAll().map { String(decoding: $0.value ?? [], as: UTF8.self) }, values)
        XCTAssertEqual(fixture.store.lists, 0)
    }

    func testAManifestLostLocallyIsRecoveredFromTheStore() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 30)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        try fixture.reopen()
        try FileManager.default.removeItem(atPath: fixture.log.directory + "/remote-log-manifest.json")
        XCTAssertEqual(try fixture.readAll().map { String(decoding: $0.value ?? [], as: UTF8.self) }, values)
    }

    func testAnInterruptedUploadIsCleanedUpAndRedoneNeverVisibleTwice() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 30)
        fixture.store.failPutsAfter = 6  // the second segment's upload fails part way
        fixture.remote.runOnce()
        let broken = try fixture.manifest
        XCTAssertEqual(broken.readableSegments.count, 1)
        XCTAssertEqual(broken.segments.filter { $0.state == .copyStarted }.count, 1)
        let abandoned = broken.segments.first { $0.state == .copyStarted }!
        XCTAssertEqual(fixture.remote.metrics.value(TieringMetrics.copyErrors), 1)
        // Local retention may delete only what is fully uploaded.
        _ = try fixture.log.applyRetention()
        XCTAssertEqual(fixture.log.logStartOffset, broken.readableSegments[0].endOffset + 1)

        // After a restart with the store back, the leftovers go and the upload is redone.
        try fixture.reopen()
        fixture.store.failPutsAfter = nil
        fixture.remote.runOnce()
        let repaired = try fixture.manifest
        XCTAssertTrue(repaired.segments.allSatisfy { $0.state == .copyFinished })
        XCTAssertFalse(repaired.segments.contains { $0.segmentId == abandoned.segmentId })
        XCTAssertTrue(try fixture.store.list(prefix: "").filter { $0.key.contains(abandoned.segmentId) }.isEmpty)
        XCTAssertEqual(Set(repaired.segments.map(\.baseOffset)).count, repaired.segments.count)
        _ = try fixture.log.applyRetention()
        XCTAssertEqual(try fixture.readAll().map { String(decoding: $0.value ?? [], as: UTF8.self) }, values)
    }

    func testTotalRetentionExpiresRemoteSegmentsAndTheirObjects() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0", "retention.bytes": "3000"])
        try fixture.append(batches: 40)
        fixture.remote.runOnce()  // uploads, then expires down to the limit
        let manifest = try fixture.manifest
        let localOnly = fixture.log.segmentInfos.filter { $0.baseOffset > manifest.highestOffset }.reduce(0) { $0 + $1.size }
        XCTAssertLessThanOrEqual(manifest.sizeInBytes + localOnly, 3000 + manifest.readableSegments[0].sizeInBytes)
        XCTAssertGreaterThanOrEqual(manifest.sizeInBytes + localOnly, 3000)
        XCTAssertGreaterThan(fixture.remote.metrics.value(TieringMetrics.deleteSegments), 0)
        let start = fixture.remote.logStartOffset(of: fixture.log)
        XCTAssertEqual(start, manifest.readableSegments[0].baseOffset)
        // Only the readable segments' objects remain, plus the manifest.
        let keys = Set(try fixture.store.list(prefix: "orders/0/").map(\.key))
        let expected = Set(manifest.readableSegments.flatMap { segment in segment.files.map { segment.key(partitionFolder: "orders/0", suffix: $0) } } + ["orders/0/manifest.json"])
        XCTAssertEqual(keys, expected)
        XCTAssertThrowsError(try fixture.remote.read(fixture.log, from: start - 1, maxBytes: 100))
        XCTAssertEqual(try fixture.readAll().first?.offset, start)
    }

    func testRetentionByTimeExpiresRemoteSegments() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.ms": "1000", "retention.ms": "60000"])
        try fixture.append(batches: 20, timestamp: fixture.clock.now)
        fixture.clock.advance(by: 30_000)
        let recent = try fixture.append(batches: 20, timestamp: fixture.clock.now)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        XCTAssertGreaterThan(fixture.log.logStartOffset, 0, "local copies older than local.retention.ms went")
        XCTAssertEqual(fixture.remote.logStartOffset(of: fixture.log), 0)
        fixture.clock.advance(by: 40_000)  // the first 20 batches are now 70 s old, the rest 40 s
        fixture.remote.runOnce()
        let start = fixture.remote.logStartOffset(of: fixture.log)
        XCTAssertGreaterThan(start, 0)
        let records = try fixture.readAll()
        XCTAssertTrue(Set(records.map { String(decoding: $0.value ?? [], as: UTF8.self) }).isSuperset(of: recent))
        XCTAssertLessThanOrEqual(records.count, 20 * 5 + 5 * 5, "old batches expired (at most one mixed segment's worth kept)")
    }

    func testDeleteRecordsBelowTheLocalLogStart() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 30)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        let target = Int64(37)
        XCTAssertLessThan(target, fixture.log.logStartOffset)
        XCTAssertEqual(try fixture.remote.deleteRecords(of: fixture.log, before: target), target)
        let records = try fixture.readAll()
        XCTAssertEqual(records.first?.offset, target)
        XCTAssertEqual(records.map { String(decoding: $0.value ?? [], as: UTF8.self) }, Array(values[Int(target)...]))
        XCTAssertTrue(try fixture.manifest.readableSegments.allSatisfy { $0.endOffset >= target })
        XCTAssertThrowsError(try fixture.remote.deleteRecords(of: fixture.log, before: fixture.log.highWatermark + 1))
    }

    func testRemoteReadsGoThroughABoundedChunkCache() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0", "segment.bytes": "20000"], chunkSize: 2048, cacheBytes: 8192)
        try fixture.append(batches: 120)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        _ = try fixture.readAll(maxBytes: 500)
        let misses = fixture.remote.metrics.value(TieringMetrics.cacheMisses)
        let hits = fixture.remote.metrics.value(TieringMetrics.cacheHits)
        XCTAssertGreaterThan(misses, 0)
        XCTAssertGreaterThan(hits, misses, "sequential reads of 500 bytes mostly hit 2 KiB chunks")
        XCTAssertLessThanOrEqual(fixture.remote.metrics.value(TieringMetrics.cacheBytes), 8192)
    }

    func testOffsetForTimestampSearchesRemoteSegments() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0", "retention.ms": "-1"])
        try fixture.append(batches: 10, timestamp: 1_000)
        try fixture.append(batches: 10, timestamp: 2_000)
        try fixture.append(batches: 10, timestamp: 3_000)
        fixture.remote.runOnce()
        _ = try fixture.log.applyRetention()
        let found = try XCTUnwrap(try fixture.remote.offset(forTimestamp: 1_500, of: fixture.log))
        XCTAssertEqual(found.offset, 50)
        XCTAssertEqual(found.timestamp, 2_000)
    }

    func testReadCommittedRemoteReadsListAbortedTransactions() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        func transactional(_ producerId: Int64, count: Int) -> [UInt8] {
            var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true)
            for index in 0..<count { builder.append(key: nil, value: Array("txn-\(producerId)-\(index)".utf8), timestamp: fixture.clock.now) }
            return builder.build().bytes
        }
        func marker(_ kind: EndTransactionMarker.Kind, _ producerId: Int64) -> [UInt8] {
            RecordBatchBuilder.controlBatch(marker: EndTransactionMarker(kind: kind, coordinatorEpoch: 0), producerId: producerId,
                                            producerEpoch: 0, timestamp: fixture.clock.now).bytes
        }
        try fixture.append(batches: 3)
        let abortedStart = fixture.log.logEndOffset
        var aborted = transactional(7, count: 4)
        _ = try fixture.log.append(&aborted)
        var committed = transactional(8, count: 2)
        _ = try fixture.log.append(&committed)
        try fixture.append(batches: 6)  // rolls: the abort marker lands in a later segment
        var abort = marker(.abort, 7)
        let abortOffset = fixture.log.logEndOffset
        _ = try fixture.log.append(&abort)
        var commit = marker(.commit, 8)
        _ = try fixture.log.append(&commit)
        try fixture.append(batches: 20)
        fixture.remote.runOnce()
        XCTAssertGreaterThan(fixture.log.logStartOffset, abortOffset, "the whole transaction is remote now")

        let read = try fixture.remote.read(fixture.log, from: abortedStart, maxBytes: 200, readCommitted: true)
        XCTAssertEqual(read.abortedTransactions.map(\.producerId), [7])
        XCTAssertEqual(read.abortedTransactions.first?.firstOffset, abortedStart)
        XCTAssertEqual(read.abortedTransactions.first?.lastOffset, abortOffset)
        XCTAssertEqual(try fixture.remote.read(fixture.log, from: abortedStart, maxBytes: 200).abortedTransactions, [], "read_uncommitted lists none")
        XCTAssertEqual(try fixture.remote.read(fixture.log, from: 0, maxBytes: 100, readCommitted: true).abortedTransactions, [],
                       "a range before the transaction overlaps none")
    }

    func testACorruptManifestIsAClearErrorAndDeletesNothing() throws {
        let fixture = try TieredLogFixture(config: ["local.retention.bytes": "0"])
        let values = try fixture.append(batches: 30)
        try fixture.reopen()
        let path = fixture.log.directory + "/remote-log-manifest.json"
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        let segments = fixture.log.segmentInfos.count
        fixture.remote.runOnce()
        XCTAssertEqual(fixture.remote.metrics.value(TieringMetrics.copyErrors), 1)
        XCTAssertEqual(fixture.log.highestOffsetInRemoteStorage, -1)
        XCTAssertEqual(try fixture.log.applyRetention().deletedSegments, 0, "nothing uploaded as far as anyone knows")
        XCTAssertEqual(fixture.log.segmentInfos.count, segments)
        XCTAssertThrowsError(try fixture.remote.manifest(for: fixture.log)) { error in
            guard case let .corruptManifest(source, _)? = error as? TieringError else { return XCTFail("\(error)") }
            XCTAssertEqual(source, path)
        }
        XCTAssertEqual(try fixture.readAll().map { String(decoding: $0.value ?? [], as: UTF8.self) }, values, "local reads go on")
    }

    func testTieringConfigRulesAreKafkas() throws {
        XCTAssertThrowsError(try LogConfig(overrides: ["remote.storage.enable": "true", "cleanup.policy": "compact"]))
        XCTAssertThrowsError(try LogConfig(overrides: ["remote.storage.enable": "true", "retention.ms": "1000", "local.retention.ms": "2000"]))
        XCTAssertThrowsError(try LogConfig(overrides: ["remote.storage.enable": "yes"]))
        XCTAssertThrowsError(try LogConfig(overrides: ["local.retention.bytes": "-3"]))
        let config = try LogConfig(overrides: ["remote.storage.enable": "true", "retention.ms": "-1", "local.retention.ms": "2000"])
        XCTAssertEqual(config.effectiveLocalRetentionMs, 2000)
        XCTAssertEqual(config.value(of: "remote.storage.enable"), "true")
        XCTAssertEqual(LogConfig().effectiveLocalRetentionBytes, -1)
    }
}
