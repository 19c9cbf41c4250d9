import Engine
import Foundation

/// A data directory for the `strata tune` tests, written with the engine's `LogManager`:
///
/// ```
/// users-0    cleanup.policy=compact (from the broker topic file), segment.bytes=16384:
///            1000 keys × 4 rounds, uncompressed batches of 20; in the last round every tenth
///            key gets a tombstone. Timestamps: the last hour.
/// users-1    the same topic: 500 keys × 3 rounds in zstd batches of 25.
/// events-0   no topic file (broker defaults: delete, 7 days); segment.bytes=8192 while written:
///            keyless records, 3 rolled segments from 2020, then 2 from the last hour.
/// strata-topics/users.topic   the broker's topic file (format of Broker's TopicMetadataFile)
/// ```
/// The directory is closed cleanly. `latest` holds, per users partition, each key's last value
/// (nil for a tombstone).
struct TuneFixture {
    static let userKeys = [0: 1000, 1: 500]
    static let oldTimestamp: Int64 = 1_580_000_000_000  // 2020-01-26

    let root: String
    let directory: String
    let latest: [Int32: [String: String?]]

    static func make() throws -> TuneFixture {
        let root = NSTemporaryDirectory() + "strata-tune-tests-\(UUID().uuidString)"
        let directory = root + "/data"
        try FileManager.default.createDirectory(atPath: directory + "/strata-topics", withIntermediateDirectories: true)
        try """
            # Strata topic metadata (written atomically by the broker; do not edit while it runs)
            version=1
            name=users
            topic.id=3q2-7wAAQAC2oLvwAAAAAQ
            partitions=2
            replication.factor=1
            config.cleanup.policy=compact
            config.segment.bytes=16384

            """.write(toFile: directory + "/strata-topics/users.topic", atomically: true, encoding: .utf8)

        let (manager, _) = try LogManager.open(directory: directory)
        let now = PartitionLog.systemClock()
        var compacted = LogConfig()
        compacted.cleanupPolicy = "compact"
        compacted.segmentBytes = 16384
        var latest: [Int32: [String: String?]] = [:]
        for (partition, keys) in userKeys.sorted(by: { $0.key < $1.key }) {
            let log = try manager.getOrCreateLog(TopicPartition(topic: "users", partition: Int32(partition)), config: compacted)
            let rounds = partition == 0 ? 4 : 3
            let perBatch = partition == 0 ? 20 : 25
            var values: [String: String?] = [:]
            var pending = RecordBatchBuilder(compression: partition == 0 ? .none : .zstd)
            var count = 0
            var timestamp = now - 3_600_000
            for round in 0..<rounds {
                for index in 0..<keys {
                    let key = "user-\(index)"
                    let value: String? = round == rounds - 1 && index % 10 == 0 ? nil : "round-\(round)-of-\(key)-" + String(repeating: "x", count: index % 17)
                    pending.append(key: Array(key.utf8), value: value.map { Array($0.utf8) }, timestamp: timestamp)
                    values[key] = value
                    timestamp += 1
                    count += 1
                    if count == perBatch {
                        var bytes = pending.build().bytes
                        _ = try log.append(&bytes, leaderEpoch: 1)
                        pending = RecordBatchBuilder(compression: partition == 0 ? .none : .zstd)
                        count = 0
                    }
                }
            }
            if count > 0 {
                var bytes = pending.build().bytes
                _ = try log.append(&bytes, leaderEpoch: 1)
            }
            latest[Int32(partition)] = values
        }

        var deleting = LogConfig()
        deleting.segmentBytes = 8192
        let events = try manager.getOrCreateLog(TopicPartition(topic: "events", partition: 0), config: deleting)
        for part in 0..<5 {
            let base = part < 3 ? oldTimestamp + Int64(part) * 60_000 : now - 3_600_000 + Int64(part) * 60_000
            for batch in 0..<6 {
                var builder = RecordBatchBuilder()
                for index in 0..<10 {
                    builder.append(key: nil, value: Array("event \(part)/\(batch)/\(index) ".utf8) + [UInt8](repeating: 0x2e, count: 80),
                                   timestamp: base + Int64(batch * 10 + index))
                }
                var bytes = builder.build().bytes
                _ = try events.append(&bytes, leaderEpoch: 1)
            }
            if part < 4 { try events.roll() }
        }
        try manager.close()
        return TuneFixture(root: root, directory: directory, latest: latest)
    }

    /// A copy of the data directory, to apply to.
    func copy() throws -> TuneFixture {
        let copyRoot = NSTemporaryDirectory() + "strata-tune-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: copyRoot, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory, toPath: copyRoot + "/data")
        return TuneFixture(root: copyRoot, directory: copyRoot + "/data", latest: latest)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Every file under the directory (hidden ones too) with its bytes and modification time.
    func snapshot() throws -> [String: (Data, Date)] {
        var files: [String: (Data, Date)] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            files[relative] = (try Data(contentsOf: URL(fileURLWithPath: path)), attributes[.modificationDate] as? Date ?? .distantPast)
        }
        return files
    }

    /// Each key's latest value in a users partition, read back through the engine (nil for a tombstone).
    func readLatest(partition: Int32) throws -> [String: String?] {
        let (manager, _) = try LogManager.open(directory: directory)
        defer { try? manager.close() }
        guard let log = manager.log(for: TopicPartition(topic: "users", partition: partition)) else { return [:] }
        var values: [String: String?] = [:]
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let batches = try log.readBatches(from: offset)
            guard let last = batches.last else { break }
            for batch in batches {
                for record in try batch.records() {
                    guard let key = record.key else { continue }
                    values[String(decoding: key, as: UTF8.self)] = record.value.map { String(decoding: $0, as: UTF8.self) }
                }
            }
            offset = last.nextOffsetForTests
        }
        return values
    }
}

extension RecordBatch {
    var nextOffsetForTests: Int64 { header.nextOffset }
}
