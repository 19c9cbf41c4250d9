/// One segment of a partition log: a `.log` file of record batches starting at `baseOffset`, with
/// its offset index, time index and transaction index.
///
/// Only the last segment of a log (the active one) is appended to; the others are immutable until
/// retention, compaction or tiering replace or delete them whole. Not thread-safe: the owning
/// `PartitionLog` serialises every call under its lock; the one exception is `flush` of a segment
/// that has rolled (and so no longer changes), which runs in the background.
public final class Segment: @unchecked Sendable {
    public let baseOffset: Int64
    public let directory: String
    public let log: FileDescriptor
    public private(set) var size: Int64
    public let offsetIndex: OffsetIndex
    public let timeIndex: TimeIndex
    public let transactionIndex: TransactionIndex
    /// One past the last offset stored here (`baseOffset` while empty).
    public private(set) var nextOffset: Int64
    /// The largest batch timestamp so far and the last offset of the batch that carried it.
    public private(set) var maxTimestampSoFar: TimestampOffset?
    /// The first batch's max timestamp: `segment.ms` counts from it.
    private(set) var rollingBasedTimestamp: Int64?
    /// When this process created or opened the segment (the fallback for `segment.ms`).
    let createdMs: Int64
    private var bytesSinceLastIndexEntry: Int64
    let indexIntervalBytes: Int
    let maxIndexBytes: Int
    /// `strata.log.writeback.bytes`, and the end of the range already handed to writeback.
    let writebackBytes: Int
    private var writebackRequestedUpTo: Int64
    /// `strata.log.page.cache.retain.bytes`, and the end of the range already asked to leave the
    /// page cache.
    let pageCacheRetainBytes: Int
    private var droppedFromCacheUpTo: Int64
    /// `strata.log.preallocate.bytes`, or `segment.bytes` with `preallocate` (0 once the file
    /// system refused), and the end of the disk space reserved ahead of the appends.
    private var preallocationStep: Int64
    private var preallocatedUpTo: Int64
    /// `segment.bytes`: a segment rolls before it would grow past it, so no reservation does.
    private let preallocationLimit: Int64
    /// True for an active segment opened from disk: a crash may have left space reserved past
    /// its end, which its first `releasePreallocation` gives back.
    private var reservationPastEndUnknown = false

    public var logPath: String { log.path }
    /// Appended to every file name: "" for live segments, `.cleaned` while the cleaner writes one.
    let fileSuffix: String

    /// The path of this segment's file of the given kind (`SegmentFileName.log`, ...).
    func path(_ kind: String) -> String {
        SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: kind) + fileSuffix
    }

    private init(
        baseOffset: Int64, directory: String, log: FileDescriptor, size: Int64, config: LogConfig, active: Bool, now: Int64,
        fileSuffix: String = ""
    ) throws(EngineError) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.fileSuffix = fileSuffix
        self.log = log
        self.size = size
        offsetIndex = try OffsetIndex(
            path: SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: SegmentFileName.offsetIndex) + fileSuffix,
            baseOffset: baseOffset, maxIndexBytes: config.segmentIndexBytes, active: active)
        timeIndex = try TimeIndex(
            path: SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: SegmentFileName.timeIndex) + fileSuffix,
            baseOffset: baseOffset, maxIndexBytes: config.segmentIndexBytes, active: active)
        transactionIndex = try TransactionIndex(
            path: SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: SegmentFileName.transactionIndex) + fileSuffix)
        nextOffset = baseOffset
        maxTimestampSoFar = timeIndex.lastEntry
        createdMs = now
        indexIntervalBytes = config.indexIntervalBytes
        maxIndexBytes = config.segmentIndexBytes
        writebackBytes = config.writebackBytes
        writebackRequestedUpTo = size
        pageCacheRetainBytes = config.pageCacheRetainBytes
        droppedFromCacheUpTo = 0
        preallocationStep = Int64(config.preallocate ? config.segmentBytes : config.preallocateBytes)
        preallocationLimit = Int64(config.segmentBytes)
        preallocatedUpTo = size
        bytesSinceLastIndexEntry = size - (offsetIndex.entryCount > 0 ? offsetIndex.entry(offsetIndex.entryCount - 1).position : 0)
    }

    /// Creates a new, empty active segment (its files must not exist yet, or be empty).
    static func create(directory: String, baseOffset: Int64, config: LogConfig, now: Int64, fileSuffix: String = "") throws(EngineError) -> Segment {
        let path = SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: SegmentFileName.log) + fileSuffix
        let log = try FileDescriptor(path: path, mode: .createReadWrite)
        try log.truncate(to: 0)
        for kind in [SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex] {
            try FileSystem.remove(SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: kind) + fileSuffix)
        }
        return try Segment(baseOffset: baseOffset, directory: directory, log: log, size: 0, config: config, active: true, now: now, fileSuffix: fileSuffix)
    }

    /// Opens an existing segment. Its `nextOffset` is found from the index and the batches after
    /// the last index entry; callers that distrust the files run `recover` instead.
    static func open(directory: String, baseOffset: Int64, config: LogConfig, active: Bool, now: Int64) throws(EngineError) -> Segment {
        let path = SegmentFileName.path(directory: directory, baseOffset: baseOffset, suffix: SegmentFileName.log)
        let log = try FileDescriptor(path: path, mode: .readWrite)
        let segment = try Segment(baseOffset: baseOffset, directory: directory, log: log, size: try log.size(), config: config, active: active, now: now)
        segment.reservationPastEndUnknown = active
        return segment
    }

    /// Establishes `nextOffset` and the rolling timestamp from the files (after `open`).
    func loadEndState() throws(EngineError) {
        let start = offsetIndex.entryCount > 0 ? offsetIndex.entry(offsetIndex.entryCount - 1).position : 0
        var position = start
        var next = baseOffset
        while let header = try batchHeader(at: position) {
            next = header.nextOffset
            position += Int64(header.totalSize)
        }
        if position != size {
            throw .corruptBatch(file: log.path, position: position, reason: "batches end at byte \(position) but the file has \(size) bytes")
        }
        nextOffset = next
        if size > 0, let first = try batchHeader(at: 0) { rollingBasedTimestamp = first.maxTimestamp }
    }

    /// Reads the header of the batch at `position`, or nil at the end of the file. Checks only that
    /// the header is plausible (magic, length inside the file); the CRC is the reader's business.
    func batchHeader(at position: Int64) throws(EngineError) -> RecordBatchHeader? {
        guard position < size else { return nil }
        var raw = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let header: RecordBatchHeader = try withUnsafeMutableBytes(of: &raw) { (buffer) throws(EngineError) -> RecordBatchHeader in
            let want = UnsafeMutableRawBufferPointer(rebasing: buffer[..<RecordBatchHeader.size])
            let count = try log.read(into: want, at: position)
            guard count == RecordBatchHeader.size else {
                throw .corruptBatch(file: log.path, position: position, reason: "truncated: \(count) bytes where a 61-byte batch header was expected")
            }
            return RecordBatchHeader(decoding: UnsafeRawBufferPointer(want))
        }
        guard header.magic == RecordBatchHeader.magicV2, header.totalSize >= RecordBatchHeader.size,
              position + Int64(header.totalSize) <= size else {
            throw .corruptBatch(file: log.path, position: position, reason: "no valid batch header here (magic \(header.magic), length \(header.batchLength))")
        }
        return header
    }

    /// Appends batches that the log has validated and numbered, adding index entries every
    /// `index.interval.bytes`. `batches` lists each batch's place in `bytes`. With `headers`, each
    /// batch's first `RecordBatchHeader.size` bytes are taken from there instead (the numbered
    /// headers, one after the other, in batch order) and only the rest from `bytes`: the caller's
    /// buffer, often a network buffer shared with others, is neither changed nor copied.
    func append(_ bytes: UnsafeRawBufferPointer, headers: UnsafeRawBufferPointer? = nil, batches: [AppendedBatch]) throws(EngineError) {
        guard let last = batches.last else { return }
        guard last.lastOffset - baseOffset <= Int64(UInt32.max) else {
            throw .invalidArgument("offset \(last.lastOffset) does not fit segment \(baseOffset)'s 32-bit relative offsets")
        }
        let start = size
        preallocateIfDue(upTo: start + Int64(bytes.count))
        if let headers {
            var parts: [UnsafeRawBufferPointer] = []
            parts.reserveCapacity(batches.count * 2)
            for (index, batch) in batches.enumerated() {
                let headerStart = index * RecordBatchHeader.size
                parts.append(UnsafeRawBufferPointer(rebasing: headers[headerStart..<(headerStart + RecordBatchHeader.size)]))
                parts.append(UnsafeRawBufferPointer(rebasing: bytes[(batch.position + RecordBatchHeader.size)..<(batch.position + batch.size)]))
            }
            try log.write(parts, at: start)
        } else {
            try log.write(bytes, at: start)
        }
        if start == 0 { rollingBasedTimestamp = batches[0].maxTimestamp }
        for batch in batches {
            try indexBatch(position: start + Int64(batch.position), size: Int64(batch.size), lastOffset: batch.lastOffset, maxTimestamp: batch.maxTimestamp)
        }
        size = start + Int64(bytes.count)
        nextOffset = last.lastOffset + 1
        startWritebackIfDue()
    }

    /// Hands whole pages appended since the last request to writeback (on `WritebackQueue`'s
    /// thread) once `writebackBytes` have gathered. The partial page at the tail is left out: the
    /// next append writes into it, and a page under writeback may make that write wait.
    /// With `pageCacheRetainBytes`, the pages that many bytes and more behind the range just
    /// handed over leave the page cache after it.
    private func startWritebackIfDue() {
        guard writebackBytes > 0, size - writebackRequestedUpTo >= Int64(writebackBytes) else { return }
        let end = size & ~Int64(4095)
        var drop: Range<Int64> = 0..<0
        if pageCacheRetainBytes > 0 {
            let dropEnd = max(0, (writebackRequestedUpTo - Int64(pageCacheRetainBytes)) & ~Int64(4095))
            if dropEnd > droppedFromCacheUpTo {
                drop = droppedFromCacheUpTo..<dropEnd
                droppedFromCacheUpTo = dropEnd
            }
        }
        WritebackQueue.shared.submit(log, at: writebackRequestedUpTo, count: end - writebackRequestedUpTo, drop: drop)
        writebackRequestedUpTo = end
    }

    /// Reserves disk space ahead of the appends, `preallocationStep` bytes at a time. A write
    /// into reserved blocks skips ext4's delayed allocation, which otherwise reserves, tracks and
    /// later allocates every 4 KiB block one by one: a third of the CPU time of a buffered write.
    /// The file's size does not change (readers and recovery see only what was appended), and
    /// `releasePreallocation` gives back what a segment did not use when it stops being active.
    private func preallocateIfDue(upTo end: Int64) {
        guard preallocationStep > 0, end > preallocatedUpTo else { return }
        let from = max(preallocatedUpTo, size)
        let to = max(end, min((end + preallocationStep - 1) / preallocationStep * preallocationStep, preallocationLimit))
        if log.preallocate(at: from, count: to - from) {
            preallocatedUpTo = to
        } else {
            preallocationStep = 0  // advisory: the writes allocate as they go
        }
    }

    /// Gives back the disk space reserved past the last append: truncating a file to its own
    /// size frees its blocks beyond the end.
    private func releasePreallocation() throws(EngineError) {
        guard preallocatedUpTo > size || reservationPastEndUnknown else { return }
        try log.truncate(to: size)
        preallocatedUpTo = size
        reservationPastEndUnknown = false
    }

    /// The per-batch index rule, shared by appends and by recovery so both build identical indexes.
    func indexBatch(position: Int64, size batchSize: Int64, lastOffset: Int64, maxTimestamp: Int64) throws(EngineError) {
        if maxTimestamp > (maxTimestampSoFar?.timestamp ?? Int64.min) {
            maxTimestampSoFar = TimestampOffset(timestamp: maxTimestamp, offset: lastOffset)
        }
        if bytesSinceLastIndexEntry > Int64(indexIntervalBytes) {
            try offsetIndex.append(offset: lastOffset, position: position)
            if let max = maxTimestampSoFar { try timeIndex.maybeAppend(timestamp: max.timestamp, offset: max.offset) }
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += batchSize
    }

    /// Whether the next append of `incomingBytes` ending at `lastOffset` must go to a new segment.
    func shouldRoll(incomingBytes: Int, lastOffset: Int64, maxTimestamp: Int64, now: Int64, config: LogConfig) -> Bool {
        guard size > 0 else { return false }
        if size > Int64(config.segmentBytes) - Int64(incomingBytes) { return true }
        if offsetIndex.isFull || timeIndex.isFull { return true }
        if lastOffset - baseOffset > Int64(Int32.max) { return true }
        let waited: Int64
        if let rolling = rollingBasedTimestamp, rolling >= 0 { waited = maxTimestamp - rolling } else { waited = now - createdMs }
        return waited > config.segmentMs - jitter(config)
    }

    /// A stable per-segment share of `segment.jitter.ms`, so that partitions do not all roll at once.
    private func jitter(_ config: LogConfig) -> Int64 {
        guard config.segmentJitterMs > 0 else { return 0 }
        return Int64((UInt64(bitPattern: baseOffset) &* 0x9E37_79B9_7F4A_7C15) % UInt64(config.segmentJitterMs))
    }

    /// Called when a newer segment takes over (and when the log closes): final time-index entry,
    /// indexes trimmed to size, unused preallocated space given back.
    func onBecomeInactive() throws(EngineError) {
        try releasePreallocation()
        if let max = maxTimestampSoFar { try timeIndex.maybeAppend(timestamp: max.timestamp, offset: max.offset, force: true) }
        try offsetIndex.file.trimToValidSize()
        try timeIndex.file.trimToValidSize()
    }

    func flush() throws(EngineError) {
        try log.sync()
        try offsetIndex.file.flush()
        try timeIndex.file.flush()
        try transactionIndex.flush()
    }

    /// The first step of an asynchronous delete: renames every file of the segment with a
    /// `.deleted` suffix, so a crash from here on leaves files that the next open removes, and
    /// readers holding the descriptor keep reading. `removeDeletedFiles` finishes the job.
    func renameForDeletion() throws(EngineError) {
        for suffix in [SegmentFileName.log, SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex] {
            let path = self.path(suffix)
            if FileSystem.exists(path) { try FileSystem.rename(path, path + SegmentFileName.deletedSuffix) }
        }
    }

    /// Removes the `.deleted` files left by `renameForDeletion`.
    func removeDeletedFiles() throws(EngineError) {
        for suffix in [SegmentFileName.log, SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex] {
            try FileSystem.remove(path(suffix) + SegmentFileName.deletedSuffix)
        }
    }

    /// Removes this segment's files. The descriptor stays open for readers that still hold it.
    func deleteFiles() throws(EngineError) {
        for suffix in [SegmentFileName.log, SegmentFileName.offsetIndex, SegmentFileName.timeIndex] {
            try FileSystem.remove(path(suffix))
        }
        try transactionIndex.delete()
    }

    /// Sets the end after recovery or truncation.
    func resetEnd(size: Int64, nextOffset: Int64) {
        self.size = size
        self.nextOffset = nextOffset
        writebackRequestedUpTo = min(writebackRequestedUpTo, size & ~Int64(4095))
        droppedFromCacheUpTo = min(droppedFromCacheUpTo, size & ~Int64(4095))
        // a truncation freed every block past the new end, reserved ones included
        preallocatedUpTo = min(preallocatedUpTo, size)
    }

    func resetIndexState() {
        maxTimestampSoFar = nil
        bytesSinceLastIndexEntry = 0
        rollingBasedTimestamp = nil
    }

    func setRollingBasedTimestamp(_ timestamp: Int64) { rollingBasedTimestamp = timestamp }

    func restoreTailState(maxTimestamp: TimestampOffset?, bytesSinceLastIndexEntry: Int64, firstBatchTimestamp: Int64?) {
        maxTimestampSoFar = maxTimestamp
        self.bytesSinceLastIndexEntry = bytesSinceLastIndexEntry
        if size == 0 { rollingBasedTimestamp = nil } else if let firstBatchTimestamp { rollingBasedTimestamp = firstBatchTimestamp }
    }
}

/// Where one validated batch sits in an append's bytes, and what the indexes need from it.
struct AppendedBatch {
    var position: Int
    var size: Int
    var lastOffset: Int64
    var maxTimestamp: Int64
}
