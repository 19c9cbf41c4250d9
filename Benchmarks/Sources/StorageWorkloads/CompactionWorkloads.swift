import Engine

#if canImport(Glibc)
import Glibc
#endif

// Workloads for the retention and compaction figures (BENCHMARKS.md, "Compaction and retention"),
// driven by `strata-bench compact-prepare|compact|retention` from `Benchmarks/compaction.sh`.

public let compactedTopicPartition = TopicPartition(topic: "changelog", partition: 0)

/// A compacted topic's config for the benchmark: 256 MiB segments, so the cleaner sees several.
public func compactedBenchConfig() -> LogConfig {
    var config = LogConfig()
    config.cleanupPolicy = "compact"
    config.segmentBytes = 256 << 20
    config.fileDeleteDelayMs = 0
    config.minCleanableDirtyRatio = 0
    return config
}

/// Writes `keys` distinct keys `rounds` times each (every key once per round, in batches of
/// `recordsPerBatch` uncompressed records with `valueSize`-byte values), rolls, sets the high
/// watermark and closes the directory. Returns the log's size in bytes.
public func prepareCompactedLog(directory: String, keys: Int, rounds: Int, valueSize: Int, recordsPerBatch: Int = 100) throws -> Int64 {
    let (manager, _) = try LogManager.open(directory: directory, defaultConfig: compactedBenchConfig())
    let log = try manager.getOrCreateLog(compactedTopicPartition)
    var random = FastRandom(seed: 42)
    var value = [UInt8](repeating: 0, count: valueSize)
    for round in 0..<rounds {
        var builder = RecordBatchBuilder()
        for key in 0..<keys {
            for index in value.indices { value[index] = UInt8(truncatingIfNeeded: random.next() >> 20) }
            builder.append(key: Array("key-\(key)".utf8), value: value, timestamp: Int64(1_700_000_000_000 + round))
            if builder.count == recordsPerBatch {
                var bytes = builder.build().bytes
                _ = try log.append(&bytes)
                builder = RecordBatchBuilder()
            }
        }
        if !builder.isEmpty {
            var bytes = builder.build().bytes
            _ = try log.append(&bytes)
        }
    }
    try log.roll()
    log.updateHighWatermark(log.logEndOffset)
    let size = log.size
    try manager.close()
    return size
}

/// What one full compaction of the prepared log measured.
public struct CompactionOutcome: Sendable {
    public var seconds: Double
    public var bytesRead: Int64
    public var bytesWritten: Int64
    public var recordsRemoved: Int64
    public var passes: Int
    public var mapBytes: Int
    /// The process's peak resident memory (VmHWM) after cleaning, and before it started.
    public var peakResidentBytes: Int
    public var residentBeforeBytes: Int
}

/// Compacts the prepared log to the end (as many passes as the dedupe buffer needs).
public func runCompaction(directory: String, dedupeBufferBytes: Int) throws -> CompactionOutcome {
    let (manager, _) = try LogManager.open(directory: directory, defaultConfig: compactedBenchConfig())
    defer { try? manager.close() }
    let before = residentMemory().current
    let started = monotonicSeconds()
    let results = try manager.runCleaner(LogCleaner(config: CleanerConfig(dedupeBufferBytes: dedupeBufferBytes)), force: true)
    let seconds = monotonicSeconds() - started
    let passes = results[compactedTopicPartition] ?? []
    return CompactionOutcome(
        seconds: seconds, bytesRead: passes.reduce(0) { $0 + $1.bytesRead }, bytesWritten: passes.reduce(0) { $0 + $1.bytesWritten },
        recordsRemoved: passes.reduce(0) { $0 + $1.recordsRemoved }, passes: passes.count, mapBytes: passes.first?.mapBytes ?? 0,
        peakResidentBytes: residentMemory().peak, residentBeforeBytes: before)
}

/// Builds a log of `segments` small segments whose records are all older than one hour, then
/// times `applyRetention` with `retention.ms` = 1 hour (every segment but a new active one goes).
public func runRetention(directory: String, segments: Int) throws -> (prepareSeconds: Double, seconds: Double, deleted: Int) {
    var config = LogConfig()
    config.fileDeleteDelayMs = 0
    config.segmentIndexBytes = 4096
    let prepared = monotonicSeconds()
    let (log, _) = try PartitionLog.open(directory: directory + "/retention-0", topicPartition: TopicPartition(topic: "retention", partition: 0), config: config)
    var builder = RecordBatchBuilder()
    builder.append(key: nil, value: [UInt8](repeating: 7, count: 100), timestamp: 1_000)
    let template = builder.build().bytes
    for _ in 0..<segments {
        var bytes = template
        _ = try log.append(&bytes)
        try log.roll()
    }
    let prepareSeconds = monotonicSeconds() - prepared
    config.retentionMs = 3_600_000
    log.updateConfig(config)
    let started = monotonicSeconds()
    let result = try log.applyRetention()
    let seconds = monotonicSeconds() - started
    try log.close()
    return (prepareSeconds, seconds, result.deletedSegments)
}

/// VmRSS and VmHWM of this process, in bytes.
public func residentMemory() -> (current: Int, peak: Int) {
    guard let file = fopen("/proc/self/status", "r") else { return (0, 0) }
    defer { fclose(file) }
    var current = 0
    var peak = 0
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        let number = Int(text.split(separator: " ").dropFirst().first { !$0.isEmpty }.map { String($0) } ?? "") ?? 0
        if text.hasPrefix("VmRSS:") { current = number * 1024 }
        if text.hasPrefix("VmHWM:") { peak = number * 1024 }
    }
    return (current, peak)
}
