@testable import Engine
import Foundation
import XCTest

/// Byte compatibility with Apache Kafka's log format. The fixture `Fixtures/kafka-orders-0` is a
/// partition directory as a Kafka broker leaves it, built by `Fixtures/make_kafka_fixtures.py` from
/// kafka-python's independent RecordBatch v2 encoder (all five codecs, headers, null keys and
/// values, idempotent and transactional batches, a COMMIT marker) with index files written from
/// Kafka's published layouts; `kafka-orders-0.expected.json` lists every field.
final class KafkaCompatibilityTests: XCTestCase {
    struct Expected: Decodable {
        struct Segment: Decodable { var baseOffset: Int64; var logBytes: Int; var indexEntries: Int; var timeIndexEntries: Int; var batches: [Batch] }
        struct Batch: Decodable {
            var baseOffset: Int64; var lastOffset: Int64; var codec: String; var leaderEpoch: Int32
            var producerId: Int64; var producerEpoch: Int16; var baseSequence: Int32
            var isTransactional: Bool; var isControl: Bool; var controlType: String?; var coordinatorEpoch: Int32?
            var records: [Record]
        }
        struct Record: Decodable { var offset: Int64; var timestamp: Int64; var key: String?; var value: String?; var headers: [[String?]] }
        var segments: [Segment]
        var logEndOffset: Int64
    }

    private var fixtures: String { Bundle.module.path(forResource: "Fixtures", ofType: nil)! }

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/kafka-orders-0.expected.json")))
    }

    /// A copy of the fixture in a temporary data directory, so the original stays pristine.
    private func copyOfKafkaPartition(keeping keep: (String) -> Bool = { _ in true }) throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory("kafka-compat")
        let partition = directory.file("orders-0")
        try FileManager.default.createDirectory(atPath: partition, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures + "/kafka-orders-0") where keep(name) {
            try FileManager.default.copyItem(atPath: fixtures + "/kafka-orders-0/" + name, toPath: partition + "/" + name)
        }
        return (directory, partition)
    }

    private func open(_ path: String, clean: Bool) throws -> (log: PartitionLog, report: PartitionLogOpenReport) {
        try PartitionLog.open(
            directory: path, topicPartition: TopicPartition(topic: "orders", partition: 0), config: LogConfig(),
            checkpoints: PartitionLogCheckpoints(hadCleanShutdown: clean))
    }

    func testAKafkaPartitionDirectoryOpensAsItIsAndReadsFieldByField() throws {
        let expected = try expected()
        let (directory, partition) = try copyOfKafkaPartition()
        let untouched = ["partition.metadata", "00000000000000000283.snapshot"].map { name in
            (name, FileManager.default.contents(atPath: partition + "/" + name)!)
        }
        let (log, report) = try open(partition, clean: true)
        XCTAssertEqual(report.rebuiltIndexes, 0, "Kafka's own index files must pass the sanity checks")
        XCTAssertEqual(report.recoveredSegments, 0)
        XCTAssertEqual(log.logEndOffset, expected.logEndOffset)
        XCTAssertEqual(log.segmentInfos.map(\.baseOffset), expected.segments.map(\.baseOffset))
        XCTAssertEqual(log.segmentInfos.map { Int($0.size) }, expected.segments.map(\.logBytes))
        XCTAssertEqual(log.leaderEpochs, [LeaderEpochCache.Entry(epoch: 0, startOffset: 0), LeaderEpochCache.Entry(epoch: 3, startOffset: expected.segments.flatMap(\.batches).first { $0.leaderEpoch == 3 }!.baseOffset)])
        let batches = try log.readBatches(from: 0, maxBytes: 1 << 24)
        let all = expected.segments.flatMap(\.batches)
        XCTAssertEqual(batches.count, expected.segments[0].batches.count, "a read stays within one segment, as in Kafka")
        var decoded: [RecordBatch] = []
        var offset: Int64 = 0
        while offset < log.logEndOffset {
            let more = try log.readBatches(from: offset, maxBytes: 1 << 24)
            decoded += more
            offset = more.last!.lastOffset + 1
        }
        XCTAssertEqual(decoded.count, all.count)
        for (batch, want) in zip(decoded, all) {
            let header = batch.header
            XCTAssertEqual(header.baseOffset, want.baseOffset)
            XCTAssertEqual(header.lastOffset, want.lastOffset)
            XCTAssertEqual(batch.compression.description, want.codec)
            XCTAssertEqual(header.partitionLeaderEpoch, want.leaderEpoch)
            XCTAssertEqual(header.producerId, want.producerId)
            XCTAssertEqual(header.producerEpoch, want.producerEpoch)
            XCTAssertEqual(header.baseSequence, want.baseSequence)
            XCTAssertEqual(header.isTransactional, want.isTransactional)
            XCTAssertEqual(header.isControl, want.isControl)
            let records = try batch.records()
            if want.isControl {
                let marker = try XCTUnwrap(EndTransactionMarker(record: records[0]))
                XCTAssertEqual(marker.kind, want.controlType == "COMMIT" ? .commit : .abort)
                XCTAssertEqual(marker.coordinatorEpoch, want.coordinatorEpoch)
                continue
            }
            XCTAssertEqual(records.count, want.records.count)
            for (record, wanted) in zip(records, want.records) {
                XCTAssertEqual(record.offset, wanted.offset)
                XCTAssertEqual(record.timestamp, wanted.timestamp)
                XCTAssertEqual(record.key.map { String(decoding: $0, as: UTF8.self) }, wanted.key)
                XCTAssertEqual(record.value.map { String(decoding: $0, as: UTF8.self) }, wanted.value)
                XCTAssertEqual(record.headers.map { [$0.key, $0.value.map { String(decoding: $0, as: UTF8.self) }] }, wanted.headers)
            }
        }
        // Every offset is found through Kafka's offset index.
        for probe in stride(from: Int64(0), to: expected.logEndOffset, by: 1) {
            let first = try XCTUnwrap(try log.readBatches(from: probe, maxBytes: 1).first)
            XCTAssertTrue(first.baseOffset <= probe && probe <= first.lastOffset, "offset \(probe)")
        }
        let target: Int64 = 1_700_000_000_000 + 1000
        let firstAtOrAfter = all.flatMap(\.records).first { $0.timestamp >= target }!
        XCTAssertEqual(try log.offset(forTimestamp: target), TimestampOffset(timestamp: firstAtOrAfter.timestamp, offset: firstAtOrAfter.offset))
        XCTAssertEqual(Set(all.map(\.codec)), ["none", "gzip", "snappy", "lz4", "zstd"])
        for (name, bytes) in untouched {
            XCTAssertEqual(FileManager.default.contents(atPath: partition + "/" + name), bytes, "\(name) must be left as it was")
        }
        _ = directory
    }

    func testOnlyLogFilesFromKafkaGetKafkasIndexesRebuiltByteForByte() throws {
        let expected = try expected()
        let (directory, partition) = try copyOfKafkaPartition { $0.hasSuffix(".log") }
        let (log, report) = try open(partition, clean: false)
        XCTAssertEqual(report.recoveredSegments, 2)
        XCTAssertEqual(report.truncatedBytes, 0)
        XCTAssertEqual(log.logEndOffset, expected.logEndOffset)
        try log.close()
        for segment in expected.segments {
            for suffix in [".index", ".timeindex"] {
                let name = SegmentFileName.name(baseOffset: segment.baseOffset, suffix: suffix)
                XCTAssertEqual(
                    FileManager.default.contents(atPath: partition + "/" + name),
                    FileManager.default.contents(atPath: fixtures + "/kafka-orders-0/" + name), "\(name) differs from Kafka's")
            }
        }
        XCTAssertEqual(expected.segments.map(\.indexEntries).reduce(0, +) > 0, true)
        _ = directory
    }

    func testStrataWritesWhatKafkaWrites() throws {
        // Appending kafka-python's producer batches through Strata's append path gives the same
        // .log bytes as the Kafka-built fixture (base offset and leader epoch assigned in place).
        let (source, partition) = try copyOfKafkaPartition()
        let (kafkaLog, _) = try open(partition, clean: true)
        let target = TemporaryDirectory("strata-writes")
        var config = LogConfig()
        config.segmentBytes = 1 << 30
        let (strata, _) = try PartitionLog.open(directory: target.path, topicPartition: TopicPartition(topic: "orders", partition: 0), config: config)
        var offset: Int64 = 0
        while offset < kafkaLog.logEndOffset {
            let batches = try kafkaLog.readBatches(from: offset, maxBytes: 1 << 24)
            for batch in batches {
                var bytes = batch.bytes
                bytes.withUnsafeMutableBytes { raw in
                    raw.storeBigEndian(Int64(0), at: 0)  // as a producer sends it
                    raw.storeBigEndian(Int32(-1), at: 12)
                }
                _ = try strata.append(&bytes, leaderEpoch: batch.header.partitionLeaderEpoch)
            }
            offset = batches.last!.lastOffset + 1
        }
        try strata.close()
        let kafkaBytes = try kafkaLog.segmentInfos.map { try Data(contentsOf: URL(fileURLWithPath: $0.logPath)) }.reduce(Data(), +)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target.file("00000000000000000000.log"))), kafkaBytes)
        _ = source
    }

    func testALogManagerOpensACopiedKafkaDataDirectoryWithItsCheckpoints() throws {
        let (directory, _) = try copyOfKafkaPartition()
        try "0\n1\norders 0 283\n".write(toFile: directory.file("recovery-point-offset-checkpoint"), atomically: true, encoding: .utf8)
        try "0\n1\norders 0 0\n".write(toFile: directory.file("log-start-offset-checkpoint"), atomically: true, encoding: .utf8)
        try "0\n1\norders 0 283\n".write(toFile: directory.file("replication-offset-checkpoint"), atomically: true, encoding: .utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: directory.file(".kafka_cleanshutdown"), contents: Data()))
        try "version=1\nbroker.id=0\n".write(toFile: directory.file("meta.properties"), atomically: true, encoding: .utf8)
        let (manager, report) = try LogManager.open(directory: directory.path)
        XCTAssertTrue(report.hadCleanShutdown)
        let log = try XCTUnwrap(manager.log(for: TopicPartition(topic: "orders", partition: 0)))
        XCTAssertEqual(log.highWatermark, 283)
        XCTAssertEqual(log.logEndOffset, 283)
        XCTAssertEqual(try String(contentsOfFile: directory.file("meta.properties"), encoding: .utf8), "version=1\nbroker.id=0\n")
        try manager.close()
    }
}
