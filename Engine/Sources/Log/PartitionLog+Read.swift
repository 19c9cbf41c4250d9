/// How far a read may go.
public enum ReadIsolation: Sendable {
    /// Up to the log end offset (replicas fetching from a leader).
    case logEnd
    /// Up to the high watermark (read_uncommitted consumers).
    case highWatermark
    /// Up to the last stable offset (read_committed consumers).
    case committed
}

/// The result of a read: whole batches as a file region, and the partition's offsets at the time.
public struct LogReadResult: Sendable {
    /// Nil when there is nothing to return at this offset yet.
    public var region: FileRegion?
    /// Base offset of the first batch returned (at most the offset asked for).
    public var firstBatchBaseOffset: Int64?
    /// Set when nothing was returned because the first batch exceeds the byte limit.
    public var firstBatchTooLarge: Bool
    public var logStartOffset: Int64
    public var highWatermark: Int64
    public var lastStableOffset: Int64
    public var logEndOffset: Int64
    /// For read_committed reads: the aborted transactions overlapping the returned range.
    public var abortedTransactions: [AbortedTransaction]
}

extension PartitionLog {
    /// Reads whole batches starting with the one holding `offset`, at most `maxBytes` of them
    /// (the first batch is returned whole even if larger when `minOneBatch`), never beyond the
    /// isolation bound. Throws `offsetOutOfRange` below the log start or above the log end offset.
    public func read(from offset: Int64, maxBytes: Int, isolation: ReadIsolation = .highWatermark, minOneBatch: Bool = true) throws(EngineError) -> LogReadResult {
        try lock.withLock { () throws(EngineError) -> LogReadResult in
            let end = state.logEndOffset
            let lso = lastStableOffsetLocked()
            var result = LogReadResult(
                region: nil, firstBatchBaseOffset: nil, firstBatchTooLarge: false, logStartOffset: state.logStartOffset,
                highWatermark: state.highWatermark, lastStableOffset: lso, logEndOffset: end, abortedTransactions: [])
            guard offset >= state.logStartOffset, offset <= end else {
                throw .offsetOutOfRange(offset: offset, logStartOffset: state.logStartOffset, logEndOffset: end)
            }
            let upper: Int64
            switch isolation {
            case .logEnd: upper = end
            case .highWatermark: upper = state.highWatermark
            case .committed: upper = lso
            }
            guard offset < upper else { return result }
            var index = segmentIndex(holding: offset)
            var from = offset
            while index < state.segments.count {
                let segment = state.segments[index]
                let maxPosition = try position(of: upper, in: index)
                if let read = try segment.read(from: from, maxBytes: maxBytes, maxPosition: maxPosition, minOneBatch: minOneBatch) {
                    result.firstBatchTooLarge = read.firstBatchTooLarge
                    if read.region.length > 0 {
                        result.region = read.region
                        result.firstBatchBaseOffset = read.firstBatchBaseOffset
                        if isolation == .committed {
                            result.abortedTransactions = abortedTransactions(from: from, upperBound: upper, startingAt: index)
                        }
                    }
                    return result
                }
                // Nothing at or after `from` in this segment (a compacted gap): try the next one.
                index += 1
                guard index < state.segments.count, state.segments[index].baseOffset < upper else { break }
                from = state.segments[index].baseOffset
            }
            return result
        }
    }

    /// The position in segment `index` where offset `bound` begins, or the segment's size when the
    /// bound lies beyond it.
    private func position(of bound: Int64, in index: Int) throws(EngineError) -> Int64 {
        let segment = state.segments[index]
        if bound >= segment.nextOffset || (index + 1 < state.segments.count && bound >= state.segments[index + 1].baseOffset) {
            return segment.size
        }
        return try segment.translateOffset(bound)?.position ?? segment.size
    }

    /// Aborted transactions overlapping [from, upperBound) recorded in the local segments' `.txnindex`
    /// files; for read_committed reads served elsewhere (tiered storage) whose abort markers may
    /// lie in local segments.
    public func abortedTransactions(from: Int64, upperBound: Int64) -> [AbortedTransaction] {
        lock.withLock { abortedTransactions(from: from, upperBound: upperBound, startingAt: 0) }
    }

    private func abortedTransactions(from: Int64, upperBound: Int64, startingAt index: Int) -> [AbortedTransaction] {
        var aborted: [AbortedTransaction] = []
        for segment in state.segments[index...] {
            aborted += segment.transactionIndex.abortedTransactions(from: from, upperBound: upperBound)
        }
        return aborted
    }

    /// The index of the last segment whose base offset is at most `offset` (0 when none is).
    func segmentIndex(holding offset: Int64) -> Int {
        var low = 0
        var high = state.segments.count - 1
        var found = 0
        while low <= high {
            let middle = (low + high) / 2
            if state.segments[middle].baseOffset <= offset {
                found = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }

    /// Reads and decodes batches from `offset` (tools and tests; copies the bytes).
    public func readBatches(from offset: Int64, maxBytes: Int = 1 << 20, isolation: ReadIsolation = .logEnd) throws(EngineError) -> [RecordBatch] {
        let result = try read(from: offset, maxBytes: maxBytes, isolation: isolation)
        guard let region = result.region else { return [] }
        let bytes = try region.readBytes()
        var batches: [RecordBatch] = []
        var position = 0
        while position < bytes.count {
            let size = bytes.withUnsafeBytes { RecordBatchHeader.peekFraming(UnsafeRawBufferPointer(rebasing: $0[position...])).totalSize }
            batches.append(try RecordBatch(
                bytes: Array(bytes[position..<(position + size)]), file: region.file.path, position: region.position + Int64(position)))
            position += size
        }
        return batches
    }

    /// The first record with a timestamp at or above `timestamp` (ListOffsets by time), or nil
    /// when every record is older.
    public func offset(forTimestamp timestamp: Int64) throws(EngineError) -> TimestampOffset? {
        try lock.withLock { () throws(EngineError) -> TimestampOffset? in
            for segment in state.segments {
                guard let segmentMax = segment.maxTimestampSoFar, segmentMax.timestamp >= timestamp else { continue }
                guard let (position, header) = try segment.findBatch(atOrAfterTimestamp: timestamp) else { continue }
                let batch = try segment.readBatch(at: position, header: header)
                if header.attributes.timestampType == .logAppendTime {
                    return TimestampOffset(timestamp: header.maxTimestamp, offset: max(header.baseOffset, state.logStartOffset))
                }
                for record in try batch.records(file: segment.logPath, position: position)
                where record.timestamp >= timestamp && record.offset >= state.logStartOffset {
                    return TimestampOffset(timestamp: record.timestamp, offset: record.offset)
                }
            }
            return nil
        }
    }

    /// The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), or nil for an empty log.
    public func maxTimestampRecord() throws(EngineError) -> TimestampOffset? {
        try lock.withLock { () throws(EngineError) -> TimestampOffset? in
            guard let segment = state.segments.filter({ $0.maxTimestampSoFar != nil }).max(by: { $0.maxTimestampSoFar!.timestamp < $1.maxTimestampSoFar!.timestamp }),
                  let best = segment.maxTimestampSoFar,
                  let (position, header) = try segment.translateOffset(best.offset) else { return nil }
            if header.attributes.timestampType == .logAppendTime { return TimestampOffset(timestamp: header.maxTimestamp, offset: header.lastOffset) }
            let records = try segment.readBatch(at: position, header: header).records(file: segment.logPath, position: position)
            guard let top = records.first(where: { $0.timestamp == header.maxTimestamp }) ?? records.last else { return nil }
            return TimestampOffset(timestamp: top.timestamp, offset: top.offset)
        }
    }
}
