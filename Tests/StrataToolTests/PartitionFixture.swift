import Engine
import Foundation

/// A partition directory written with the engine, two segments:
///
/// ```
/// segment 0:  0-2   plain, keys k0-k2, values value-0..2, header trace=abc
///             3-6   gzip: null key; binary value 0x00ff10; a tombstone; headers bin=0x0001, empty=null
///             7-8   zstd, transactional, producer 42 epoch 3
///             9     control COMMIT, producer 42, coordinator epoch 5
///             10    transactional, producer 43
///             11    control ABORT, producer 43, coordinator epoch 6   (-> .txnindex entry 10..11)
/// segment 12: 12-13, 14-15, 16-17 plain
/// ```
/// Every append uses leader epoch 4; `index.interval.bytes` is 0 so that each batch after the
/// first of a segment gets an index entry.
struct PartitionFixture {
    static let baseTimestamp: Int64 = 1_700_000_000_000
    static let leaderEpoch: Int32 = 4

    let root: String
    let directory: String

    var firstLog: String { file(0, SegmentFileName.log) }
    var firstIndex: String { file(0, SegmentFileName.offsetIndex) }
    var firstTimeIndex: String { file(0, SegmentFileName.timeIndex) }
    var firstTxnIndex: String { file(0, SegmentFileName.transactionIndex) }
    var secondLog: String { file(12, SegmentFileName.log) }

    func file(_ base: Int64, _ suffix: String) -> String {
        SegmentFileName.path(directory: directory, baseOffset: base, suffix: suffix)
    }

    static func make() throws -> PartitionFixture {
        let root = NSTemporaryDirectory() + "strata-dump-tests-\(UUID().uuidString)"
        let directory = root + "/events-0"
        var config = LogConfig()
        config.indexIntervalBytes = 0
        let (log, _) = try PartitionLog.open(directory: directory, topicPartition: TopicPartition(topic: "events", partition: 0), config: config)
        var timestamp = baseTimestamp
        func next() -> Int64 { defer { timestamp += 1 }; return timestamp }
        func append(_ batch: RecordBatch) throws {
            var bytes = batch.bytes
            _ = try log.append(&bytes, leaderEpoch: leaderEpoch)
        }

        var plain = RecordBatchBuilder()
        for index in 0..<3 {
            plain.append(key: Array("k\(index)".utf8), value: Array("value-\(index)".utf8), timestamp: next(),
                         headers: [RecordHeader(key: "trace", value: Array("abc".utf8))])
        }
        try append(plain.build())

        var gzip = RecordBatchBuilder(compression: .gzip)
        gzip.append(key: nil, value: Array("gz-0".utf8), timestamp: next())
        gzip.append(key: Array("bin".utf8), value: [0x00, 0xff, 0x10], timestamp: next())
        gzip.append(key: Array("tomb".utf8), value: nil, timestamp: next())
        gzip.append(key: Array("h".utf8), value: Array("gz-3".utf8), timestamp: next(),
                    headers: [RecordHeader(key: "bin", value: [0x00, 0x01]), RecordHeader(key: "empty", value: nil)])
        try append(gzip.build())

        var zstd = RecordBatchBuilder(compression: .zstd, producerId: 42, producerEpoch: 3, baseSequence: 0, isTransactional: true)
        zstd.append(key: Array("tx".utf8), value: Array("zstd-0".utf8), timestamp: next())
        zstd.append(key: Array("tx".utf8), value: Array("zstd-1".utf8), timestamp: next())
        try append(zstd.build())
        try append(RecordBatchBuilder.controlBatch(
            marker: EndTransactionMarker(kind: .commit, coordinatorEpoch: 5), producerId: 42, producerEpoch: 3, timestamp: next()))

        var aborted = RecordBatchBuilder(producerId: 43, producerEpoch: 1, baseSequence: 0, isTransactional: true)
        aborted.append(key: Array("gone".utf8), value: Array("aborted".utf8), timestamp: next())
        try append(aborted.build())
        try append(RecordBatchBuilder.controlBatch(
            marker: EndTransactionMarker(kind: .abort, coordinatorEpoch: 6), producerId: 43, producerEpoch: 1, timestamp: next()))

        try log.roll()
        for batch in 0..<3 {
            var builder = RecordBatchBuilder()
            for index in 0..<2 {
                builder.append(key: Array("s\(batch)-\(index)".utf8), value: Array("second-\(batch)-\(index)".utf8), timestamp: next())
            }
            try append(builder.build())
        }
        try log.close()
        return PartitionFixture(root: root, directory: directory)
    }

    /// Positions and headers of every batch in a `.log` file, read with the engine.
    static func batches(in path: String) throws -> [(position: Int64, header: RecordBatchHeader)] {
        var scanner = try LogFileScanner(file: FileDescriptor(path: path, mode: .readOnly))
        var found: [(Int64, RecordBatchHeader)] = []
        while let batch = try scanner.next() { found.append((batch.position, batch.header)) }
        return found
    }

    /// A copy of the partition directory, to damage.
    func copy() throws -> PartitionFixture {
        let copyRoot = NSTemporaryDirectory() + "strata-dump-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: copyRoot, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory, toPath: copyRoot + "/events-0")
        return PartitionFixture(root: copyRoot, directory: copyRoot + "/events-0")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
