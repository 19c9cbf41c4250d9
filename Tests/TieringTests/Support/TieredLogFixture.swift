import Engine
import Foundation
import Tiering
import XCTest

/// A log manager in a temporary folder with one tiered partition, a local-folder remote store, and
/// a remote log manager over them; plus helpers to append and to read every record back.
final class TieredLogFixture {
    let root: String
    let topicPartition = TopicPartition(topic: "orders", partition: 0)
    var store: CountingStore
    var config: LogConfig
    var logManager: LogManager
    var remote: RemoteLogManager
    var log: PartitionLog
    var rlmConfig: RemoteLogManagerConfig
    let clock: ManualClock

    init(config overrides: [String: String] = [:], chunkSize: Int = 4096, cacheBytes: Int64 = 64 * 1024) throws {
        root = NSTemporaryDirectory() + "/tiered-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        store = CountingStore(try LocalFolderRemoteStorage(root: root + "/bucket"))
        var all = ["remote.storage.enable": "true", "segment.bytes": "1024", "index.interval.bytes": "128"]
        all.merge(overrides) { $1 }
        config = try LogConfig(overrides: all)
        rlmConfig = RemoteLogManagerConfig()
        rlmConfig.chunkSize = chunkSize
        rlmConfig.chunkCacheBytes = cacheBytes
        rlmConfig.prefetchBytes = chunkSize
        rlmConfig.copierThreads = 2
        clock = ManualClock(now: 1_700_000_000_000)
        logManager = try LogManager.open(directory: root + "/data", defaultConfig: config, clock: clock.read).manager
        log = try logManager.getOrCreateLog(topicPartition, config: config)
        remote = try RemoteLogManager(store: store, config: rlmConfig, logManager: logManager, clock: clock.read)
    }

    deinit {
        remote.stop()
        try? logManager.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Closes and reopens the log manager and a new remote log manager on the same folders, as a
    /// broker restart does.
    func reopen() throws {
        remote.stop()
        try logManager.close()
        logManager = try LogManager.open(directory: root + "/data", defaultConfig: config, clock: clock.read).manager
        log = try logManager.getOrCreateLog(topicPartition, config: config)
        remote = try RemoteLogManager(store: store, config: rlmConfig, logManager: logManager, clock: clock.read)
    }

    /// Appends `count` batches of `recordsPerBatch` records; values say batch and record.
    @discardableResult
    func append(batches count: Int, recordsPerBatch: Int = 5, timestamp: Int64? = nil) throws -> [String] {
        var values: [String] = []
        for _ in 0..<count {
            var builder = RecordBatchBuilder(baseOffset: 0)
            for index in 0..<recordsPerBatch {
                let value = "value-\(log.logEndOffset + Int64(index))-" + String(repeating: "x", count: 20)
                values.append(value)
                builder.append(key: Array("k\(index)".utf8), value: Array(value.utf8), timestamp: timestamp ?? clock.now)
            }
            var bytes = builder.build().bytes
            _ = try log.append(&bytes)
        }
        log.updateHighWatermark(log.logEndOffset)
        return values
    }

    /// Every record from the log start clients see, reading remotely below the local log start
    /// and locally above it, as the broker's fetch path does.
    func readAll(maxBytes: Int = 700) throws -> [Record] {
        var records: [Record] = []
        var offset = remote.logStartOffset(of: log)
        while offset < log.highWatermark {
            var batches: [RecordBatch] = []
            if offset < log.logStartOffset {
                let result = try remote.read(log, from: offset, maxBytes: maxBytes)
                batches = try Self.batches(in: try result.readBytes())
            } else {
                batches = try log.readBatches(from: offset, maxBytes: maxBytes, isolation: .highWatermark)
            }
            guard let last = batches.last else { break }
            for batch in batches { records += try batch.records().filter { $0.offset >= offset } }
            offset = last.lastOffset + 1
        }
        return records
    }

    static func batches(in bytes: [UInt8]) throws -> [RecordBatch] {
        var batches: [RecordBatch] = []
        var position = 0
        while position < bytes.count {
            let length = Int(bytes[position + 8]) << 24 | Int(bytes[position + 9]) << 16 | Int(bytes[position + 10]) << 8 | Int(bytes[position + 11])
            batches.append(try RecordBatch(bytes: Array(bytes[position..<(position + 12 + length)])))
            position += 12 + length
        }
        return batches
    }

    var manifest: RemotePartitionManifest { get throws { try XCTUnwrap(try remote.manifest(for: log)) } }
}

/// A clock the tests move by hand, for retention by time.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(now: Int64) { value = now }
    var now: Int64 { lock.lock(); defer { lock.unlock() }; return value }
    func advance(by ms: Int64) { lock.lock(); value += ms; lock.unlock() }
    var read: @Sendable () -> Int64 { { [self] in now } }
}

/// The real local-folder store, with call counts and an optional fault: after `failPutsAfter`
/// successful puts of segment files, every put fails as a store outage would.
final class CountingStore: RemoteStorage, @unchecked Sendable {
    let inner: LocalFolderRemoteStorage
    private let lock = NSLock()
    private(set) var puts = 0
    private(set) var lists = 0
    var failPutsAfter: Int?

    init(_ inner: LocalFolderRemoteStorage) { self.inner = inner }

    func put(key: String, fileAt path: String) throws(RemoteStorageError) {
        try countPut(key)
        try inner.put(key: key, fileAt: path)
    }

    func put(key: String, bytes: [UInt8]) throws(RemoteStorageError) {
        try countPut(key)
        try inner.put(key: key, bytes: bytes)
    }

    func get(key: String, range: Range<Int64>?) throws(RemoteStorageError) -> [UInt8] { try inner.get(key: key, range: range) }
    func delete(key: String) throws(RemoteStorageError) { try inner.delete(key: key) }
    func list(prefix: String) throws(RemoteStorageError) -> [RemoteObject] {
        lock.lock(); lists += 1; lock.unlock()
        return try inner.list(prefix: prefix)
    }

    private func countPut(_ key: String) throws(RemoteStorageError) {
        lock.lock(); defer { lock.unlock() }
        if let limit = failPutsAfter, puts >= limit {
            throw .transport(operation: "PUT", key: key, reason: "connection refused (injected)")
        }
        puts += 1
    }
}
