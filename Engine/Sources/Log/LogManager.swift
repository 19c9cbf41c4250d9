import Dispatch

/// All partition logs of one data directory (`log.dirs` entry): opens and recovers them at start,
/// creates and deletes them, and keeps the directory's checkpoint files.
///
/// Files in the data directory, as in Kafka:
/// ```
/// .lock                             held while a process has the directory open
/// .kafka_cleanshutdown              present only after a clean close: skip recovery
/// recovery-point-offset-checkpoint  per partition, offsets below which data was flushed
/// log-start-offset-checkpoint       per partition, first offset still readable
/// replication-offset-checkpoint     per partition, high watermark
/// <topic>-<partition>/              one directory per partition log
/// ```
/// Concurrency: every method may be called from any thread.
public final class LogManager: @unchecked Sendable {
    public static let cleanShutdownFileName = ".kafka_cleanshutdown"

    public let directory: String
    public let defaultConfig: LogConfig
    private let lock = EngineLock()
    private var logs: [TopicPartition: PartitionLog] = [:]
    private var directoryLock: DirectoryLock?
    private let clock: @Sendable () -> Int64

    private var recoveryPointFile: OffsetCheckpointFile { OffsetCheckpointFile(path: directory + "/" + OffsetCheckpointFile.recoveryPoint) }
    private var logStartFile: OffsetCheckpointFile { OffsetCheckpointFile(path: directory + "/" + OffsetCheckpointFile.logStartOffset) }
    private var highWatermarkFile: OffsetCheckpointFile { OffsetCheckpointFile(path: directory + "/" + OffsetCheckpointFile.highWatermark) }
    private var cleanerOffsetFile: OffsetCheckpointFile { OffsetCheckpointFile(path: directory + "/" + OffsetCheckpointFile.cleanerOffset) }
    /// The cleaner checkpoint: where each compacted log's dirty section begins.
    private var firstDirtyOffsets: [TopicPartition: Int64] = [:]

    /// What opening the directory found.
    public struct OpenReport: Sendable {
        public var partitions: [TopicPartition: PartitionLogOpenReport] = [:]
        public var hadCleanShutdown = false
        public var seconds: Double = 0
    }

    private init(directory: String, defaultConfig: LogConfig, clock: @escaping @Sendable () -> Int64) {
        self.directory = directory
        self.defaultConfig = defaultConfig
        self.clock = clock
    }

    /// Locks and opens `directory`, recovering its partitions in parallel on `recoveryThreads`
    /// threads. `configFor` gives each partition's topic config (defaults when nil).
    public static func open(
        directory: String, defaultConfig: LogConfig = LogConfig(), recoveryThreads: Int = 0,
        configFor: (@Sendable (TopicPartition) -> LogConfig?)? = nil,
        clock: @escaping @Sendable () -> Int64 = PartitionLog.systemClock
    ) throws(EngineError) -> (manager: LogManager, report: OpenReport) {
        let started = clock()
        try FileSystem.createDirectory(directory)
        let manager = LogManager(directory: directory, defaultConfig: defaultConfig, clock: clock)
        manager.directoryLock = try DirectoryLock(directory: directory)
        var report = OpenReport()
        let marker = directory + "/" + cleanShutdownFileName
        report.hadCleanShutdown = FileSystem.exists(marker)
        let recoveryPoints = try manager.recoveryPointFile.read()
        let logStarts = try manager.logStartFile.read()
        let highWatermarks = try manager.highWatermarkFile.read()
        manager.firstDirtyOffsets = try manager.cleanerOffsetFile.read()
        let partitions = try FileSystem.list(directory).compactMap { name -> TopicPartition? in
            guard FileSystem.isDirectory(directory + "/" + name) else { return nil }
            return TopicPartition(directoryName: name)
        }.sorted()
        let results = ResultSlots(count: partitions.count)
        let threads = recoveryThreads > 0 ? recoveryThreads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let next = ResultSlots(count: 1)
        let hadCleanShutdown = report.hadCleanShutdown
        DispatchQueue.concurrentPerform(iterations: min(threads, max(partitions.count, 1))) { _ in
            while let index = next.claim(limit: partitions.count) {
                let partition = partitions[index]
                let checkpoints = PartitionLogCheckpoints(
                    recoveryPoint: recoveryPoints[partition] ?? 0, logStartOffset: logStarts[partition],
                    highWatermark: highWatermarks[partition], hadCleanShutdown: hadCleanShutdown)
                do {
                    let opened = try PartitionLog.open(
                        directory: directory + "/" + partition.directoryName, topicPartition: partition,
                        config: configFor?(partition) ?? defaultConfig, checkpoints: checkpoints, clock: clock)
                    results.set(index, .success(opened))
                } catch let error as EngineError {
                    results.set(index, .failure(error))
                } catch {
                    results.set(index, .failure(.invalidArgument("\(error)")))
                }
            }
        }
        for (index, partition) in partitions.enumerated() {
            switch results.get(index)! {
            case .success(let opened):
                manager.logs[partition] = opened.log
                report.partitions[partition] = opened.report
            case .failure(let error):
                throw .invalidArgument("partition \(partition) in \(directory) could not be opened: \(error)")
            }
        }
        // From here on a crash must be treated as unclean.
        if report.hadCleanShutdown { try FileSystem.remove(marker) }
        try manager.checkpoint()
        report.seconds = Double(clock() - started) / 1000
        return (manager, report)
    }

    public func log(for partition: TopicPartition) -> PartitionLog? {
        lock.withLock { logs[partition] }
    }

    public var allLogs: [PartitionLog] {
        lock.withLock { logs.keys.sorted().map { logs[$0]! } }
    }

    /// The partition's log, created empty (with `config`) when it does not exist yet.
    public func getOrCreateLog(_ partition: TopicPartition, config: LogConfig? = nil) throws(EngineError) -> PartitionLog {
        try lock.withLock { () throws(EngineError) -> PartitionLog in
            if let existing = logs[partition] { return existing }
            let path = directory + "/" + partition.directoryName
            let (log, _) = try PartitionLog.open(
                directory: path, topicPartition: partition, config: config ?? defaultConfig,
                checkpoints: PartitionLogCheckpoints(hadCleanShutdown: true), clock: clock)
            try FileSystem.syncDirectory(directory)
            logs[partition] = log
            return log
        }
    }

    /// Discards the partition's log (no flush: its data is going) and removes its directory.
    public func deleteLog(_ partition: TopicPartition) throws(EngineError) {
        let removed = lock.withLock { logs.removeValue(forKey: partition) }
        guard let removed else { return }
        removed.discard()
        try FileSystem.removeTree(removed.directory)
        try FileSystem.syncDirectory(directory)
        try checkpoint()
    }

    /// Writes the three offset checkpoint files from the logs' current state.
    public func checkpoint() throws(EngineError) {
        let current = allLogs
        var recovery: [TopicPartition: Int64] = [:]
        var starts: [TopicPartition: Int64] = [:]
        var watermarks: [TopicPartition: Int64] = [:]
        for log in current {
            recovery[log.topicPartition] = log.recoveryPoint
            starts[log.topicPartition] = log.logStartOffset
            watermarks[log.topicPartition] = log.highWatermark
        }
        try recoveryPointFile.write(recovery)
        try logStartFile.write(starts)
        try highWatermarkFile.write(watermarks)
    }

    /// Applies retention to every log (`log.retention.check.interval.ms`, default 5 minutes) and
    /// writes the checkpoints when any log start offset moved.
    @discardableResult
    public func applyRetention() throws(EngineError) -> [TopicPartition: RetentionResult] {
        var results: [TopicPartition: RetentionResult] = [:]
        for log in allLogs {
            let result = try log.applyRetention()
            if result.deletedSegments > 0 { results[log.topicPartition] = result }
        }
        if !results.isEmpty { try checkpoint() }
        return results
    }

    /// DeleteRecords for one partition, durable before it returns: the new log start offset is
    /// written to `log-start-offset-checkpoint`.
    public func deleteRecords(_ partition: TopicPartition, before offset: Int64) throws(EngineError) -> Int64 {
        guard let log = log(for: partition) else { throw .invalidArgument("no log for \(partition)") }
        let start = try log.deleteRecords(before: offset)
        try checkpoint()
        return start
    }

    /// The clean and dirty parts of every compacted log.
    public func cleanableRanges() -> [TopicPartition: CleanableRange] {
        var ranges: [TopicPartition: CleanableRange] = [:]
        for log in allLogs where log.config.isCompacted {
            ranges[log.topicPartition] = log.cleanableRange(firstDirtyOffset: lock.withLock { firstDirtyOffsets[log.topicPartition] })
        }
        return ranges
    }

    /// Compacts the logs that need it (dirty ratio at least `min.cleanable.dirty.ratio`, or dirty
    /// data older than `max.compaction.lag.ms`; every compacted log when `force`), pass after pass
    /// until each one's dirty section is covered, writing `cleaner-offset-checkpoint` after each pass.
    @discardableResult
    public func runCleaner(
        _ cleaner: LogCleaner = LogCleaner(), only partitions: Set<TopicPartition>? = nil, force: Bool = false,
        progress: ((TopicPartition, Int64, Int64) -> Void)? = nil
    ) throws(EngineError) -> [TopicPartition: [CleanResult]] {
        var results: [TopicPartition: [CleanResult]] = [:]
        for log in allLogs where log.config.isCompacted && (partitions?.contains(log.topicPartition) ?? true) {
            let partition = log.topicPartition
            let checkpoint = lock.withLock { firstDirtyOffsets[partition] }
            guard force || log.cleanableRange(firstDirtyOffset: checkpoint).isCleanable(log.config) else { continue }
            var passes: [CleanResult] = []
            var firstDirty = checkpoint
            for _ in 0..<10_000 {
                let result = try cleaner.clean(log, firstDirtyOffset: firstDirty) { done, total in progress?(partition, done, total) }
                passes.append(result)
                firstDirty = result.nextDirtyOffset
                lock.withLock { firstDirtyOffsets[partition] = result.nextDirtyOffset }
                try writeCleanerCheckpoint()
                if result.coveredAllDirty { break }
            }
            results[partition] = passes
        }
        return results
    }

    private func writeCleanerCheckpoint() throws(EngineError) {
        let offsets = lock.withLock { firstDirtyOffsets.filter { logs[$0.key] != nil } }
        try cleanerOffsetFile.write(offsets)
    }

    /// Runs the periodic work: time-based flushes (`flush.ms`). Call every second or so.
    public func flushDueLogs() throws(EngineError) {
        for log in allLogs { try log.flushIfDue() }
    }

    /// Closes every log (flushing them), writes the checkpoints and the clean-shutdown marker, and
    /// releases the directory lock.
    public func close() throws(EngineError) {
        for log in allLogs { try log.close() }
        try checkpoint()
        try FileSystem.writeAtomically(directory + "/" + Self.cleanShutdownFileName, contents: [])
        lock.withLock {
            logs.removeAll()
            directoryLock?.release()
            directoryLock = nil
        }
    }
}

/// Fixed slots filled by worker threads during parallel recovery, plus a shared work counter.
private final class ResultSlots: @unchecked Sendable {
    private let lock = EngineLock()
    private var slots: [Result<(log: PartitionLog, report: PartitionLogOpenReport), EngineError>?]
    private var claimed = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<(log: PartitionLog, report: PartitionLogOpenReport), EngineError>) {
        lock.withLock { slots[index] = value }
    }

    func get(_ index: Int) -> Result<(log: PartitionLog, report: PartitionLogOpenReport), EngineError>? {
        lock.withLock { slots[index] }
    }

    func claim(limit: Int) -> Int? {
        lock.withLock {
            guard claimed < limit else { return nil }
            claimed += 1
            return claimed - 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
