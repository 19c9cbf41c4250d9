@testable import Engine
import Foundation
import XCTest

final class LogAnalyzerTests: XCTestCase {
    func testPredictsWhatTheCleanerAndRetentionThenDo() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(10_000)
        let config = LogCleanerTests.compacted()
        let (log, _) = try LogFixtures.open(directory.path, config: config, clock: clock.read)
        try LogCleanerTests.write(log, keys: 300, rounds: 4, tombstone: { key, round in round == 3 && key % 3 == 0 })
        try log.roll()
        let before = Array(directory.path.utf8)
        let analysis = try LogAnalyzer.analyze(directory: directory.path, topicPartition: TopicPartition(topic: "t", partition: 0), config: config, now: clock.read())
        XCTAssertEqual(Array(directory.path.utf8), before)
        XCTAssertEqual(analysis.records, 1200)
        XCTAssertEqual(analysis.tombstones, 100)
        XCTAssertEqual(analysis.size, log.size)
        XCTAssertEqual(Double(analysis.distinctKeys), 300, accuracy: 300 * 0.03)
        XCTAssertEqual(analysis.dirtyRatio, 1)
        XCTAssertEqual(analysis.segments.count, log.segmentInfos.count)
        XCTAssertEqual(analysis.compactableRecords, 900)
        let sizeBefore = log.size
        let result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.recordsRemoved, analysis.compactableRecords)
        // Uncompressed batches: the byte estimate is exact up to the headers of merged batches.
        XCTAssertEqual(Double(sizeBefore - log.size), Double(analysis.compactionReclaimableBytes), accuracy: Double(sizeBefore) * 0.05)

        var retention = LogConfig()
        retention.retentionBytes = 2000
        retention.retentionMs = -1
        let plan = try LogAnalyzer.analyze(directory: directory.path, topicPartition: TopicPartition(topic: "t", partition: 0), config: retention, now: clock.read())
        log.updateConfig(retention)
        let applied = try log.applyRetention()
        XCTAssertEqual(applied.deletedSegments, plan.retention.deletedSegments)
        XCTAssertEqual(applied.deletedBytes, plan.retentionReclaimableBytes)
    }

    /// A producer's last batch keeps its header through cleaning, and the prediction says so.
    func testTheBytesOfAProducersKeptEmptyBatchAreNotCountedAsReclaimed() throws {
        let directory = TemporaryDirectory()
        let now = PartitionLog.systemClock()
        let config = LogCleanerTests.compacted()
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        var produced = ProducerStateTests.batch(producerId: 7, sequence: 0, count: 2, timestamp: now)
        _ = try log.append(&produced)
        try LogCleanerTests.write(log, keys: 2, rounds: 3)
        try log.roll()
        let analysis = try LogAnalyzer.analyze(directory: directory.path, topicPartition: TopicPartition(topic: "t", partition: 0), config: config, now: now)
        let sizeBefore = log.size
        let result = try LogCleaner().clean(log, firstDirtyOffset: nil)
        XCTAssertEqual(result.recordsRemoved, analysis.compactableRecords)
        XCTAssertEqual(sizeBefore - log.size, analysis.compactionReclaimableBytes, "whole batches went, and one header stayed")
        XCTAssertEqual(try log.readBatches(from: 0).map(\.header).filter { $0.producerId == 7 }.map(\.recordCount), [0])
    }

    func testHyperLogLogStaysWithinItsErrorBound() {
        for count in [10, 1000, 100_000] {
            var sketch = HyperLogLog()
            for index in 0..<count {
                let key = Array("key-\(index)".utf8)
                sketch.add(hash: key.withUnsafeBytes { KeyHash($0).low })
            }
            XCTAssertEqual(Double(sketch.estimate), Double(count), accuracy: Double(count) * 0.03 + 1, "\(count)")
        }
    }
}
