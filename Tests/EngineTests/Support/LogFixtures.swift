@testable import Engine
import Foundation
import TestSupport
import XCTest

/// Builders for batches and logs on disk, shared by the engine tests.
enum LogFixtures {
    /// A batch of `count` records with keys `k<i>` and values `v<i>-<padding>`.
    static func batch(
        count: Int, baseOffset: Int64 = 0, valueSize: Int = 16, timestamp: Int64 = 1_700_000_000_000,
        compression: CompressionCodec = .none, tag: Int = 0
    ) -> RecordBatch {
        var builder = RecordBatchBuilder(baseOffset: baseOffset, compression: compression)
        for index in 0..<count {
            let value = Array("v\(tag)-\(index)-".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: valueSize)
            builder.append(key: Array("k\(index)".utf8), value: value, timestamp: timestamp + Int64(index))
        }
        return builder.build()
    }

    /// A random batch: random codec, keys, values, headers, producer fields and flags.
    static func randomBatch(_ random: inout SeededRandom, baseOffset: Int64 = 0) -> RecordBatch {
        let codec = CompressionCodec.allCases.randomElement(using: &random)!
        var builder = RecordBatchBuilder(
            baseOffset: baseOffset, compression: codec,
            timestampType: Bool.random(using: &random) ? .createTime : .logAppendTime,
            partitionLeaderEpoch: Int32.random(in: -1...1000, using: &random),
            producerId: Int64.random(in: -1...1_000_000, using: &random),
            producerEpoch: Int16.random(in: -1...100, using: &random),
            baseSequence: Int32.random(in: -1...100_000, using: &random),
            isTransactional: Bool.random(using: &random))
        let count = Int.random(in: 1...20, using: &random)
        var offset = baseOffset
        let base = Int64.random(in: 0...2_000_000_000_000, using: &random)
        for _ in 0..<count {
            let headers = (0..<Int.random(in: 0...3, using: &random)).map { index in
                RecordHeader(key: "h\(index)-\(Int.random(in: 0...99, using: &random))", value: random.maybeBytes(maxCount: 12))
            }
            builder.append(Record(
                offset: offset, timestamp: base + Int64.random(in: -5000...5000, using: &random),
                key: random.maybeBytes(maxCount: 24), value: random.maybeBytes(maxCount: 300), headers: headers))
            offset += Int64.random(in: 1...3, using: &random)
        }
        return builder.build()
    }

    static func open(_ directory: String, config: LogConfig = LogConfig(), checkpoints: PartitionLogCheckpoints = PartitionLogCheckpoints(),
                     clock: @escaping @Sendable () -> Int64 = PartitionLog.systemClock) throws -> (log: PartitionLog, report: PartitionLogOpenReport) {
        try PartitionLog.open(directory: directory, topicPartition: TopicPartition(topic: "t", partition: 0), config: config, checkpoints: checkpoints, clock: clock)
    }

    /// Appends copies of one batch of `records` records of 1,000-byte values until at least
    /// `total` bytes are in.
    static func appendBatches(to log: PartitionLog, records: Int, bytes total: Int) throws {
        let template = batch(count: records, valueSize: 1000)
        var appended = 0
        while appended < total {
            var bytes = template.bytes
            appended += try log.append(&bytes).bytes
        }
    }

    /// Every record in the log from its start, via the public read path.
    static func allRecords(_ log: PartitionLog, isolation: ReadIsolation = .logEnd) throws -> [Record] {
        var records: [Record] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let batches = try log.readBatches(from: offset, maxBytes: 1 << 20, isolation: isolation)
            guard let last = batches.last else { break }
            for batch in batches { records += try batch.records().filter { $0.offset >= offset } }
            offset = last.lastOffset + 1
        }
        return records
    }
}
