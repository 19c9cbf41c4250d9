// strata-crash-writer DIR
//
// The process that the crash tests (Tests/EngineTests/CrashRecoveryTests.swift) start and kill with
// SIGKILL at random moments. It opens DIR through the log manager (lock, checkpoints, recovery),
// finds where the previous run stopped, and appends numbered batches for ever with an fsync after
// each one (flush.messages=1), printing `ACK <tag> <firstOffset> <lastOffset>` only once an append
// has returned, i.e. once the batch is durable. Batch `tag` holds 1 + tag % 5 records with key
// `k<tag>-<i>` and value `tag:<tag>:idx:<i>:` followed by `tag * 7 % 300` bytes of 'x'.
import Engine
#if canImport(Glibc)
import Glibc
#endif

/// One unbuffered write per line, so that a line the parent sees was complete before the kill.
func emit(_ line: String, to descriptor: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "retain" {
    // strata-crash-writer retain DIR: applies retention.ms=1h to DIR's logs (file.delete.delay.ms
    // 1h, so renamed files stay until the next open) and writes the checkpoints; the crash tests
    // kill it at named points.
    do {
        var config = LogConfig()
        config.retentionMs = 3_600_000
        config.fileDeleteDelayMs = 3_600_000
        let (manager, _) = try LogManager.open(directory: arguments[2], defaultConfig: config)
        emit("READY")
        _ = try manager.applyRetention()
        emit("RETAINED")
        try manager.close()
        exit(0)
    } catch {
        emit("strata-crash-writer: \(error)", to: 2)
        exit(1)
    }
}
if arguments.count == 3 && arguments[1] == "clean" {
    // strata-crash-writer clean DIR: compacts DIR's logs (cleanup.policy=compact, 4 KiB segments)
    // until done, pass after pass; the crash tests kill it at named points or at random moments.
    do {
        var config = LogConfig()
        config.cleanupPolicy = "compact"
        config.segmentBytes = 4096
        config.fileDeleteDelayMs = 0
        config.minCleanableDirtyRatio = 0
        let (manager, _) = try LogManager.open(directory: arguments[2], defaultConfig: config)
        emit("READY")
        let cleaner = LogCleaner(config: CleanerConfig(dedupeBufferBytes: 24 * 400))
        _ = try manager.runCleaner(cleaner, force: true)
        emit("CLEANED")
        try manager.close()
        exit(0)
    } catch {
        emit("strata-crash-writer: \(error)", to: 2)
        exit(1)
    }
}
if arguments.count == 3 && arguments[1] == "idempotent" {
    // strata-crash-writer idempotent DIR: appends as idempotent producer 7 (epoch 0) to
    // idempotent-0 with 4 KiB segments (so it rolls and writes producer-state snapshots often),
    // fsyncing each append. It continues the sequence from the producer state that opening the
    // log recovered, as a producer continues its own, and prints `ACK <sequence> <firstOffset>
    // <lastOffset>` once an append has returned. Batch with base sequence s holds 1 + s % 3
    // records valued `seq:<s + i>`.
    do {
        var config = LogConfig()
        config.flushMessages = 1
        config.segmentBytes = 4096
        config.indexIntervalBytes = 512
        let (manager, _) = try LogManager.open(directory: arguments[2], defaultConfig: config)
        let log = try manager.getOrCreateLog(TopicPartition(topic: "idempotent", partition: 0))
        var sequence = (log.producerState(of: 7)?.lastSequence).map { $0 + 1 } ?? 0
        emit("READY \(sequence) \(log.logEndOffset)")
        while true {
            var builder = RecordBatchBuilder(producerId: 7, producerEpoch: 0, baseSequence: sequence)
            let count = 1 + Int(sequence % 3)
            for index in 0..<count {
                builder.append(key: nil, value: Array("seq:\(Int(sequence) + index)".utf8), timestamp: PartitionLog.systemClock())
            }
            var bytes = builder.build().bytes
            let result = try log.append(&bytes)
            emit("ACK \(sequence) \(result.firstOffset) \(result.lastOffset)")
            if sequence % 20 == 0 { try manager.checkpoint() }
            sequence += Int32(count)
        }
    } catch {
        emit("strata-crash-writer: \(error)", to: 2)
        exit(1)
    }
}
guard arguments.count == 2 else {
    emit("usage: strata-crash-writer DIR | strata-crash-writer clean|retain|idempotent DIR", to: 2)
    exit(2)
}

do {
    var config = LogConfig()
    config.flushMessages = 1
    config.segmentBytes = 48 * 1024
    config.indexIntervalBytes = 512
    let (manager, _) = try LogManager.open(directory: arguments[1], defaultConfig: config)
    let log = try manager.getOrCreateLog(TopicPartition(topic: "crash", partition: 0))
    var tag = 0
    if log.logEndOffset > 0, let last = try log.readBatches(from: log.logEndOffset - 1).last, let value = try last.records().last?.value {
        let fields = String(decoding: value, as: UTF8.self).split(separator: ":")
        tag = (Int(fields[1]) ?? -1) + 1
    }
    emit("READY \(tag) \(log.logEndOffset)")
    while true {
        var builder = RecordBatchBuilder(compression: tag % 7 == 3 ? .zstd : .none)
        for index in 0..<(1 + tag % 5) {
            let value = Array("tag:\(tag):idx:\(index):".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: tag * 7 % 300)
            builder.append(key: Array("k\(tag)-\(index)".utf8), value: value, timestamp: Int64(1_700_000_000_000 + tag))
        }
        var bytes = builder.build().bytes
        let result = try log.append(&bytes, leaderEpoch: 1)
        emit("ACK \(tag) \(result.firstOffset) \(result.lastOffset)")
        if tag % 10 == 0 { try manager.checkpoint() }
        tag += 1
    }
} catch {
    emit("strata-crash-writer: \(error)", to: 2)
    exit(1)
}
