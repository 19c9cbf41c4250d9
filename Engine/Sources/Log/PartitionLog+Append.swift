/// Who is appending: a producer (the log assigns offsets) or a replica copying a leader (offsets
/// are kept as sent and must continue the log).
public enum AppendOrigin: Sendable {
    case client
    case replication
}

/// What an append stored.
public struct AppendResult: Equatable, Sendable {
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The broker's time when `message.timestamp.type=LogAppendTime`, else -1.
    public var logAppendTime: Int64
    public var maxTimestamp: Int64
    public var batchCount: Int
    public var recordCount: Int64
    public var bytes: Int
    public var logStartOffset: Int64
    /// True when the batch repeats one the producer already appended (same producer id, epoch and
    /// sequence range, a retry): nothing was written and the offsets are the original batch's
    /// (Kafka answers such a produce with success and those offsets).
    public var isDuplicate = false
}

extension PartitionLog {
    /// Validates and appends the record batches in `bytes` (a produce request's records, as sent).
    ///
    /// Every batch is checked before anything is written: framing, magic 2, CRC, counts, size
    /// against `max.message.bytes`; one bad batch rejects the whole append with an error naming the
    /// byte position. For client appends each batch's header is copied and numbered (base offset
    /// and leader epoch lie outside the CRC, so no checksum is recomputed unless LogAppendTime
    /// rewrites the timestamp); the numbered headers and the untouched rest of `bytes` go to the
    /// file in one `pwritev`. `bytes` is not modified, so a network buffer can be passed as it is.
    public func append(_ bytes: UnsafeRawBufferPointer, leaderEpoch: Int32 = -1, origin: AppendOrigin = .client) throws(EngineError) -> AppendResult {
        let (result, end) = try lock.withLock { () throws(EngineError) -> (AppendResult, Int64) in
            guard !state.closed else { throw EngineError.invalidArgument("log \(topicPartition) is closed") }
            let result = try appendLocked(bytes, leaderEpoch: leaderEpoch, origin: origin)
            return (result, state.logEndOffset)
        }
        notifyAppend(end)
        return result
    }

    /// Convenience for callers holding a mutable buffer (the bytes are not modified).
    public func append(_ bytes: UnsafeMutableRawBufferPointer, leaderEpoch: Int32 = -1, origin: AppendOrigin = .client) throws(EngineError) -> AppendResult {
        try append(UnsafeRawBufferPointer(bytes), leaderEpoch: leaderEpoch, origin: origin)
    }

    /// Convenience for callers holding an array (tools, tests, internal topics).
    public func append(_ bytes: inout [UInt8], leaderEpoch: Int32 = -1, origin: AppendOrigin = .client) throws(EngineError) -> AppendResult {
        try bytes.withEngineBytes { (raw) throws(EngineError) -> AppendResult in
            try append(raw, leaderEpoch: leaderEpoch, origin: origin)
        }
    }

    private func appendLocked(_ bytes: UnsafeRawBufferPointer, leaderEpoch: Int32, origin: AppendOrigin) throws(EngineError) -> AppendResult {
        let config = state.config
        let now = clock()
        var batches: [AppendedBatch] = []
        var headers: [RecordBatchHeader] = []
        var position = 0
        var nextOffset = state.logEndOffset
        var recordCount: Int64 = 0
        var maxTimestamp = Int64(-1)
        let logAppendTime = config.messageTimestampType == .logAppendTime
        guard !bytes.isEmpty else { throw .invalidArgument("no record batches to append") }
        // The numbered copies of the batch headers (client appends), RecordBatchHeader.size each.
        var numberedHeaders: [UInt8] = []
        while position < bytes.count {
            let view = UnsafeRawBufferPointer(rebasing: bytes[position...])
            var header = try RecordBatchValidator.validate(view, file: nil, position: Int64(position), strictCounts: origin == .client)
            guard header.totalSize <= config.maxMessageBytes else {
                throw .recordTooLarge(size: header.totalSize, limit: config.maxMessageBytes)
            }
            let batch = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + header.totalSize)])
            if config.isCompacted && !header.isControl {
                try Self.requireKeys(batch, header: header, position: position)
            }
            switch origin {
            case .client:
                header.baseOffset = nextOffset
                header.partitionLeaderEpoch = leaderEpoch
                if logAppendTime && !header.isControl {
                    header.attributes.timestampType = .logAppendTime
                    header.maxTimestamp = now
                }
                let headerStart = numberedHeaders.count
                numberedHeaders.append(contentsOf: UnsafeRawBufferPointer(rebasing: batch[..<RecordBatchHeader.size]))
                numberedHeaders.withUnsafeMutableBytes { all in
                    let numbered = UnsafeMutableRawBufferPointer(rebasing: all[headerStart...])
                    numbered.storeBigEndian(header.baseOffset, at: RecordBatchHeader.Field.baseOffset)
                    numbered.storeBigEndian(leaderEpoch, at: RecordBatchHeader.Field.partitionLeaderEpoch)
                    if logAppendTime && !header.isControl {
                        numbered.storeBigEndian(header.attributes.rawValue, at: RecordBatchHeader.Field.attributes)
                        numbered.storeBigEndian(now, at: RecordBatchHeader.Field.maxTimestamp)
                        // The CRC covers the header from the attributes on, then the records.
                        let headerPart = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: numbered[RecordBatchHeader.Field.attributes..<RecordBatchHeader.size]))
                        header.crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: batch[RecordBatchHeader.size...]), continuing: headerPart)
                        numbered.storeBigEndian(header.crc, at: RecordBatchHeader.Field.crc)
                    }
                }
            case .replication:
                guard header.baseOffset >= nextOffset else {
                    throw .invalidArgument("replicated batch at byte \(position) starts at offset \(header.baseOffset), below the log end offset \(nextOffset)")
                }
            }
            nextOffset = header.nextOffset
            recordCount += Int64(header.recordCount)
            maxTimestamp = max(maxTimestamp, header.maxTimestamp)
            batches.append(AppendedBatch(position: position, size: header.totalSize, lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp))
            headers.append(header)
            position += header.totalSize
        }
        let plan = try planProducerState(headers, batches: batches, bytes: bytes, origin: origin)
        if let original = plan.duplicate {
            return AppendResult(
                firstOffset: original.firstOffset, lastOffset: original.lastOffset, logAppendTime: logAppendTime ? original.maxTimestamp : -1,
                maxTimestamp: original.maxTimestamp, batchCount: 0, recordCount: 0, bytes: 0,
                logStartOffset: state.logStartOffset, isDuplicate: true)
        }
        let firstOffset = headers[0].baseOffset
        let lastOffset = headers[headers.count - 1].lastOffset
        try maybeRoll(incomingBytes: bytes.count, firstOffset: firstOffset, lastOffset: lastOffset, maxTimestamp: maxTimestamp, now: now)
        if origin == .client {
            try numberedHeaders.withEngineBytes { (headers) throws(EngineError) in
                try state.active.append(bytes, headers: headers, batches: batches)
            }
        } else {
            try state.active.append(bytes, batches: batches)
        }
        var epochsChanged = false
        for header in headers {
            let epoch = origin == .client ? leaderEpoch : header.partitionLeaderEpoch
            if epoch >= 0 { epochsChanged = state.epochs.assign(epoch: epoch, startOffset: header.baseOffset) || epochsChanged }
        }
        if epochsChanged { try state.epochs.save() }
        try applyProducerState(plan.infos, events: plan.events, now: now)
        state.unflushedMessages += recordCount
        if state.unflushedMessages >= config.flushMessages || (config.flushMs != Int64.max && now - state.lastFlushMs >= config.flushMs) {
            try flushLocked()
        }
        return AppendResult(
            firstOffset: firstOffset, lastOffset: lastOffset, logAppendTime: logAppendTime ? now : -1,
            maxTimestamp: maxTimestamp, batchCount: headers.count, recordCount: recordCount, bytes: bytes.count,
            logStartOffset: state.logStartOffset)
    }

    /// A compacted log keeps the latest record per key, so a record without a key has no place in
    /// it: Kafka refuses such a batch with INVALID_RECORD, and so do we.
    private static func requireKeys(_ batch: UnsafeRawBufferPointer, header: RecordBatchHeader, position: Int) throws(EngineError) {
        let view = LogFileScanner.Batch(position: Int64(position), header: header, bytes: batch)
        var scratch: [UInt8] = []
        try LogCleaner.withRecords(view, scratch: &scratch) { (section) throws(EngineError) in
            var walker = RawRecordWalker(section: section)
            while let record = try LogCleaner.next(&walker, view) {
                if record.key == nil {
                    throw EngineError.invalidRecord("compacted topic cannot accept a record without a key (offset delta \(record.offsetDelta) of the batch at byte \(position))")
                }
            }
        }
    }

    /// Rolls to a new segment when the active one is full by size, index or age, or when the new
    /// offsets do not fit its 32-bit relative offsets.
    private func maybeRoll(incomingBytes: Int, firstOffset: Int64, lastOffset: Int64, maxTimestamp: Int64, now: Int64) throws(EngineError) {
        let active = state.active
        guard active.shouldRoll(incomingBytes: incomingBytes, lastOffset: lastOffset, maxTimestamp: maxTimestamp, now: now, config: state.config) else { return }
        try roll(at: max(firstOffset, active.nextOffset), now: now)
    }

    /// Starts a new active segment at `offset`; the old one's indexes are trimmed and it is flushed
    /// in the background.
    func roll(at offset: Int64, now: Int64) throws(EngineError) {
        let old = state.active
        guard old.size > 0 else { return }
        try old.onBecomeInactive()
        let segment = try Segment.create(directory: directory, baseOffset: offset, config: state.config, now: now)
        state.segments.append(segment)
        try takeRollSnapshot(at: offset)
        let unflushed = state.segments.dropLast().filter { $0.nextOffset > state.recoveryPoint }
        scheduleFlush(upTo: offset, segments: Array(unflushed))
    }

    /// Rolls now if the active segment holds data (used by retention and tests).
    public func roll() throws(EngineError) {
        try lock.withLock { () throws(EngineError) in try roll(at: state.logEndOffset, now: clock()) }
    }
}
