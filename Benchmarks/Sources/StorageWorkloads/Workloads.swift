import Engine

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The measured workloads, shared by the ordo-one benchmark targets (Benchmarks/<Name>/) and by the
// `strata-bench` executable that `run.sh` drives. Everything here goes through the Engine's
// public API only, the way the broker calls it.

public let benchTopicPartition = TopicPartition(topic: "bench", partition: 0)

// MARK: - Record batches

/// One uncompressed RecordBatch v2 of `recordCount` records of `recordSize`-byte values (no key)
/// that is exactly `targetBytes` long when `exact` (the last record's value is lengthened by the few
/// bytes needed), else as long as possible without exceeding it; held in a page-aligned buffer.
/// Appending leaves it unchanged (the log numbers a copy of the header), so the same bytes can be
/// appended again and again, as a producer resending the same payload would.
///
/// Why exact: the raw reference writes blocks of exactly 16 KiB or 1 MiB, and on the machine
/// these figures were recorded on, buffered writes of 16,277 bytes ran 35% slower than writes of
/// 16,384 bytes (more pages touched per write, partial pages) while aligned 1 MiB writes ran slower
/// than unaligned ones; equal write sizes keep the ratio about the engine.
public final class BatchTemplate: @unchecked Sendable {
    public let buffer: AlignedBuffer
    public let size: Int
    public let recordCount: Int
    public let recordSize: Int
    public let targetBytes: Int

    public init(recordSize: Int, targetBytes: Int, exact: Bool = true, timestamp: Int64 = 1_700_000_000_000) {
        precondition(recordSize > 0 && targetBytes > RecordBatchHeader.size + recordSize + 16)
        var random = FastRandom(seed: UInt64(recordSize) &* 31 &+ UInt64(targetBytes))
        var values: [[UInt8]] = []
        func build(_ count: Int, lastExtra: Int = 0) -> [UInt8] {
            while values.count < count {
                var value = [UInt8](repeating: 0, count: recordSize)
                for index in value.indices { value[index] = UInt8(truncatingIfNeeded: random.next() >> 17) }
                values.append(value)
            }
            var builder = RecordBatchBuilder(baseOffset: 0, compression: .none)
            for index in 0..<count {
                var value = values[index]
                if index == count - 1 && lastExtra > 0 { value += [UInt8](repeating: 0xA5, count: lastExtra) }
                builder.append(key: nil, value: value, timestamp: timestamp)
            }
            return builder.build().bytes
        }
        // Estimate the per-record size from a first build, then shrink until it fits.
        var count = max(1, (targetBytes - RecordBatchHeader.size) / (recordSize + 8))
        var bytes = build(count)
        let perRecord = Double(bytes.count - RecordBatchHeader.size) / Double(count)
        count = max(1, Int(Double(targetBytes - RecordBatchHeader.size) / perRecord))
        bytes = build(count)
        while bytes.count > targetBytes && count > 1 {
            count -= max(1, Int(Double(bytes.count - targetBytes) / perRecord))
            bytes = build(count)
        }
        if exact {
            // Lengthen the last value; its length varints may grow by a byte, so settle in a few steps.
            var extra = 0
            for _ in 0..<4 where bytes.count != targetBytes {
                extra += targetBytes - bytes.count
                bytes = build(count, lastExtra: max(0, extra))
            }
            precondition(bytes.count == targetBytes, "could not build a batch of exactly \(targetBytes) bytes")
        }
        let aligned = AlignedBuffer(count: bytes.count, fillSeed: nil)
        bytes.withUnsafeBytes { aligned.bytes.copyMemory(from: $0) }
        buffer = aligned
        size = bytes.count
        recordCount = count
        self.recordSize = recordSize
        self.targetBytes = targetBytes
    }

    public var name: String { "\(sizeLabel(recordSize))/\(sizeLabel(targetBytes))" }
}

// MARK: - Append

public struct AppendOutcome: Sendable {
    public var bytes: Int64 = 0
    public var batches: Int = 0
    public var records: Int64 = 0
    /// Time spent in `PartitionLog.append` calls (with fsync mode, including each flush).
    public var appendSeconds: Double = 0
    /// The final `flush()` that makes the run durable (no-fsync mode; ~0 in fsync mode).
    public var flushSeconds: Double = 0
    /// Per-append latencies in seconds (fsync mode only).
    public var latencies: [Double] = []
    /// CPU seconds (user + system, all threads) spent over the appends and the final flush.
    public var cpuSeconds: Double = 0

    public var seconds: Double { appendSeconds + flushSeconds }
    /// Durable bytes per second: appends plus the final flush, as `dd conv=fdatasync` counts.
    public var bytesPerSecond: Double { Double(bytes) / seconds }
    /// Bytes per second into the page cache (appends alone, no final flush).
    public var appendOnlyBytesPerSecond: Double { Double(bytes) / appendSeconds }

    public func latencyPercentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p / 100 + 0.5))]
    }
}

/// Appends `template` to a new log in `directory` until `totalBytes` or `maxSeconds` is reached.
/// Without `fsyncEachBatch`, one `flush()` (fdatasync of the segments, msync of the indexes) ends
/// the run and is timed with it; with it, the log runs with `flush.messages=1`, so every append
/// returns only after its batch is on stable storage.
public func runAppend(
    directory: String, template: BatchTemplate, totalBytes: Int64, fsyncEachBatch: Bool, maxSeconds: Double = .infinity
) throws -> AppendOutcome {
    var config = LogConfig()
    if fsyncEachBatch { config.flushMessages = 1 }
    let (log, _) = try PartitionLog.open(directory: directory + "/" + benchTopicPartition.directoryName, topicPartition: benchTopicPartition, config: config)
    defer { try? log.close() }
    var outcome = AppendOutcome()
    if fsyncEachBatch { outcome.latencies.reserveCapacity(4096) }
    let raw = template.buffer.bytes
    let cpuStart = processCPUSeconds()
    let start = monotonicSeconds()
    var now = start
    while outcome.bytes < totalBytes && now - start < maxSeconds {
        let before = now
        let result = try log.append(raw)
        now = monotonicSeconds()
        if fsyncEachBatch { outcome.latencies.append(now - before) }
        outcome.bytes += Int64(result.bytes)
        outcome.records += result.recordCount
        outcome.batches += 1
    }
    outcome.appendSeconds = now - start
    try log.flush()
    outcome.flushSeconds = monotonicSeconds() - now
    outcome.cpuSeconds = processCPUSeconds() - cpuStart
    return outcome
}

// MARK: - Sequential read

public enum ReadMode: String, Sendable, CaseIterable {
    /// `log.read` regions copied out with pread into one reused buffer (a consumer without sendfile).
    case pread
    /// `log.read` regions sent with sendfile(2) to /dev/null (the broker's zero-copy path, minus the socket).
    case sendfile
    /// Diagnostic, not the engine: the same segment files read front to back with plain 1 MiB
    /// preads (no `log.read`), to separate the engine's read path from the file layout.
    case files
}

public struct ReadOutcome: Sendable {
    public var bytes: Int64
    public var reads: Int
    public var seconds: Double
    public var bytesPerSecond: Double { Double(bytes) / seconds }
}

/// A log of identical batches to read back sequentially.
public final class ReadFixture: @unchecked Sendable {
    public let directory: String
    public let log: PartitionLog
    public let template: BatchTemplate
    public let endOffset: Int64
    public let bytes: Int64

    /// Writes `totalBytes` of `template` batches to a new log in `directory` and flushes it.
    public init(directory: String, template: BatchTemplate, totalBytes: Int64) throws {
        self.directory = directory
        self.template = template
        let (log, _) = try PartitionLog.open(directory: directory + "/" + benchTopicPartition.directoryName, topicPartition: benchTopicPartition, config: LogConfig())
        var written: Int64 = 0
        while written < totalBytes {
            written += Int64(try log.append(template.buffer.bytes).bytes)
        }
        try log.flush()
        self.log = log
        self.endOffset = log.logEndOffset
        self.bytes = written
    }

    /// Opens a log that an earlier `ReadFixture` wrote and closed in `directory` (made of the same
    /// `template`), as after a clean shutdown: no recovery scan.
    public init(existing directory: String, template: BatchTemplate) throws {
        self.directory = directory
        self.template = template
        let (log, _) = try PartitionLog.open(
            directory: directory + "/" + benchTopicPartition.directoryName, topicPartition: benchTopicPartition, config: LogConfig(),
            checkpoints: PartitionLogCheckpoints(hadCleanShutdown: true))
        self.log = log
        self.endOffset = log.logEndOffset
        self.bytes = log.size
        guard endOffset > 0, bytes == endOffset / Int64(template.recordCount) * Int64(template.size) else {
            throw WorkloadError("\(directory) does not hold a read fixture of \(template.name) batches (log end offset \(endOffset), \(bytes) bytes)")
        }
    }

    deinit { try? log.close() }

    /// Empties the page cache of the log's files (and, when permitted, all of it).
    @discardableResult
    public func evict() -> String { Scratch.evictPageCache(below: directory) }

    /// Reads the whole log from offset 0 in fetches of at most `fetchBytes`, as a fetch loop does:
    /// each `log.read` returns whole batches as a file region, whose bytes are then moved by `mode`.
    /// The next offset follows from the region's length, since every batch is the same template.
    public func readAll(mode: ReadMode, fetchBytes: Int, buffer: AlignedBuffer) throws -> ReadOutcome {
        if mode == .files { return try readFiles(chunk: fetchBytes, buffer: buffer) }
        let batchSize = Int64(template.size)
        let recordsPerBatch = Int64(template.recordCount)
        let sink = mode == .sendfile ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1
        defer { if sink >= 0 { close(sink) } }
        var offset: Int64 = 0
        var total: Int64 = 0
        var reads = 0
        let start = monotonicSeconds()
        while offset < endOffset {
            let result = try log.read(from: offset, maxBytes: fetchBytes, isolation: .logEnd)
            guard let region = result.region, region.length > 0 else { throw WorkloadError("empty read at offset \(offset)") }
            guard Int64(region.length) % batchSize == 0, result.firstBatchBaseOffset == offset else {
                throw WorkloadError("unexpected region at offset \(offset): \(region.length) bytes from batch \(result.firstBatchBaseOffset ?? -1)")
            }
            let fd = region.file.fd
            switch mode {
            case .pread:
                var done = 0
                while done < region.length {
                    let want = min(region.length - done, buffer.count)
                    let n = pread(fd, buffer.bytes.baseAddress!, want, off_t(region.position) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw WorkloadError("pread failed: errno \(errno)") }
                    if done == 0 {
                        let base = Int64(bigEndian: buffer.bytes.loadUnaligned(fromByteOffset: 0, as: Int64.self))
                        guard base == offset else { throw WorkloadError("read batch \(base) where \(offset) was expected") }
                    }
                    done += n
                }
            case .files:
                preconditionFailure("handled above")
            case .sendfile:
                var position = off_t(region.position)
                var left = region.length
                while left > 0 {
                    let n = Glibc.sendfile(sink, fd, &position, left)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw WorkloadError("sendfile failed: errno \(errno)") }
                    left -= n
                }
            }
            total += Int64(region.length)
            reads += 1
            offset += Int64(region.length) / batchSize * recordsPerBatch
        }
        return ReadOutcome(bytes: total, reads: reads, seconds: monotonicSeconds() - start)
    }

    private func readFiles(chunk: Int, buffer: AlignedBuffer) throws -> ReadOutcome {
        let paths = log.segmentInfos.map(\.logPath)
        var total: Int64 = 0
        var reads = 0
        let start = monotonicSeconds()
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw WorkloadError("open \(path): errno \(errno)") }
            defer { close(fd) }
            var position: off_t = 0
            while true {
                let n = pread(fd, buffer.bytes.baseAddress!, min(chunk, buffer.count), position)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw WorkloadError("pread \(path): errno \(errno)") }
                if n == 0 { break }
                position += off_t(n)
                total += Int64(n)
                reads += 1
            }
        }
        return ReadOutcome(bytes: total, reads: reads, seconds: monotonicSeconds() - start)
    }
}

// MARK: - Offset lookup

/// A log whose single segment has an offset index filled with about `batches` entries: one
/// single-record batch per offset and `index.interval.bytes=0`, so every batch gets an entry.
public final class LookupFixture: @unchecked Sendable {
    public let directory: String
    public let log: PartitionLog
    public let endOffset: Int64
    public let indexEntries: Int
    public let indexCapacity: Int
    public let logPath: String

    public init(directory: String, batches: Int, recordSize: Int = 100) throws {
        self.directory = directory
        var config = LogConfig()
        config.indexIntervalBytes = 0
        let (log, _) = try PartitionLog.open(directory: directory + "/" + benchTopicPartition.directoryName, topicPartition: benchTopicPartition, config: config)
        // One buffer holding many single-record batches, appended over and over.
        var builder = RecordBatchBuilder(baseOffset: 0)
        builder.append(key: nil, value: [UInt8](repeating: 0x5A, count: recordSize), timestamp: 1_700_000_000_000)
        let one = builder.build().bytes
        let perAppend = min(batches, 4096)
        let chunk = AlignedBuffer(count: one.count * perAppend, fillSeed: nil)
        one.withUnsafeBytes { source in
            for index in 0..<perAppend { (chunk.bytes.baseAddress! + index * one.count).copyMemory(from: source.baseAddress!, byteCount: one.count) }
        }
        var appended = 0
        while appended < batches {
            let result = try log.append(chunk.bytes)
            appended += result.batchCount
        }
        try log.flush()
        self.log = log
        endOffset = log.logEndOffset
        guard log.segmentInfos.count == 1, let info = log.segmentInfos.first else {
            throw WorkloadError("the lookup fixture rolled to \(log.segmentInfos.count) segments; lower the batch count")
        }
        logPath = info.logPath
        // Count the entries of the (preallocated, zero-filled past its end) .index file.
        let indexPath = String(info.logPath.dropLast(4)) + ".index"
        let fd = open(indexPath, O_RDONLY | O_CLOEXEC)
        var st = stat()
        fstat(fd, &st)
        let length = Int(st.st_size)
        var entries = 0
        if fd >= 0, length > 0, let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED {
            let bytes = UnsafeRawBufferPointer(start: map, count: length)
            var low = 0, high = length / 8 // first all-zero entry, by binary search (entries are strictly increasing)
            while low < high {
                let middle = (low + high) / 2
                if bytes.loadUnaligned(fromByteOffset: middle * 8, as: UInt64.self) != 0 { low = middle + 1 } else { high = middle }
            }
            entries = low
            munmap(map, length)
        }
        if fd >= 0 { close(fd) }
        indexEntries = entries
        indexCapacity = length / 8
    }

    deinit { try? log.close() }

    /// `count` lookups of uniformly random offsets through `log.read(from:maxBytes:)`: the
    /// segment search, the offset index's binary search, and one batch-header pread to confirm the
    /// position.
    public func lookups(_ count: Int, random: inout FastRandom) throws -> Timing {
        let span = UInt64(endOffset)
        var sink: Int64 = 0
        let timing = try Timing.measure {
            for _ in 0..<count {
                let offset = Int64(random.next(below: span))
                let result = try log.read(from: offset, maxBytes: 1, isolation: .logEnd)
                sink &+= result.region?.position ?? -1
            }
        }
        consume(sink)
        return timing
    }

    /// The reference: `count` preads of one batch header (61 bytes) at random batch positions of the
    /// same file, with no index at all.
    public func rawHeaderPreads(_ count: Int, random: inout FastRandom) -> Timing {
        let fd = open(logPath, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let batchSize = UInt64(log.size / max(endOffset, 1))
        let span = UInt64(endOffset)
        let header = AlignedBuffer(count: RecordBatchHeader.size, fillSeed: nil)
        var sink = 0
        let timing = Timing.measure {
            for _ in 0..<count {
                let position = off_t(random.next(below: span) * batchSize)
                sink &+= pread(fd, header.bytes.baseAddress!, RecordBatchHeader.size, position)
            }
        }
        consume(sink)
        return timing
    }
}

// MARK: - CRC32C and memory copy

/// Rates in bytes per second, by wall clock and by the thread's CPU time.
public struct Rate: Sendable {
    public var wall: Double
    public var cpu: Double
}

/// Bytes per second of `CRC32C.checksum` over `buffer`, repeated for at least `seconds` of CPU time.
public func crc32cRate(_ buffer: AlignedBuffer, seconds: Double) -> Rate {
    let raw = UnsafeRawBufferPointer(buffer.bytes)
    var crc: UInt32 = 0
    let rounds = max(1, (64 << 20) / raw.count) // about 64 MiB between clock reads
    var bytes = 0
    var timing = Timing(wall: 0, cpu: 0)
    let wallStart = monotonicSeconds()
    let cpuStart = threadCPUSeconds()
    repeat {
        for _ in 0..<rounds { crc = CRC32C.checksum(raw, continuing: crc) }
        bytes += rounds * raw.count
        timing = Timing(wall: monotonicSeconds() - wallStart, cpu: threadCPUSeconds() - cpuStart)
    } while timing.cpu < seconds
    consume(crc)
    return Rate(wall: Double(bytes) / timing.wall, cpu: Double(bytes) / timing.cpu)
}

/// Bytes per second of memcpy from `source` to `destination` (equal sizes), the reference for
/// checksumming the same buffer: both read every byte once.
public func memcpyRate(source: AlignedBuffer, destination: AlignedBuffer, seconds: Double) -> Rate {
    let count = min(source.count, destination.count)
    let rounds = max(1, (64 << 20) / count)
    var bytes = 0
    var timing = Timing(wall: 0, cpu: 0)
    let wallStart = monotonicSeconds()
    let cpuStart = threadCPUSeconds()
    repeat {
        for _ in 0..<rounds {
            memcpy(destination.bytes.baseAddress!, source.bytes.baseAddress!, count)
            consume(destination.bytes.baseAddress!)
        }
        bytes += rounds * count
        timing = Timing(wall: monotonicSeconds() - wallStart, cpu: threadCPUSeconds() - cpuStart)
    } while timing.cpu < seconds
    return Rate(wall: Double(bytes) / timing.wall, cpu: Double(bytes) / timing.cpu)
}
