/// What recovering one segment found.
public struct SegmentRecoveryResult: Sendable {
    /// Bytes cut from the end of the `.log` file.
    public var truncatedBytes: Int64
    /// Set when the cut was not a torn tail but a bad batch with more data after it: the log must
    /// then drop every later segment too, since offsets after the cut can no longer be trusted.
    public var corruption: EngineError?
}

extension Segment {
    /// Scans every batch from the start, validating framing, CRC and offset order, rebuilds the
    /// offset and time indexes exactly as appends would have, and cuts the file after the last good
    /// batch.
    ///
    /// A torn tail (a final batch that is incomplete, fails its CRC at the very end of the file, or
    /// a zero-filled tail) is always cut: it is the normal result of a crash. A bad batch followed by
    /// more data is corruption: `.truncate` cuts there as Kafka does; `.fail` throws an error naming
    /// the file and byte position and leaves the `.log` file as it was.
    func recover(policy: RecoveryPolicy, onBatch: (RecordBatchHeader) -> Void) throws(EngineError) -> SegmentRecoveryResult {
        try offsetIndex.file.resize(maxIndexBytes: maxIndexBytes)
        try timeIndex.file.resize(maxIndexBytes: maxIndexBytes)
        offsetIndex.file.reset()
        timeIndex.file.reset()
        resetIndexState()
        var scanner = try LogFileScanner(file: log, end: size)
        var validBytes: Int64 = 0
        var next = baseOffset
        var failure: EngineError?
        do {
            while let batch = try scanner.next() {
                let header = batch.header
                guard header.baseOffset >= next else {
                    throw EngineError.corruptBatch(file: log.path, position: batch.position, reason: "base offset \(header.baseOffset) is below the previous batch's next offset \(next)")
                }
                guard header.lastOffset - baseOffset <= Int64(UInt32.max) else {
                    throw EngineError.corruptBatch(file: log.path, position: batch.position, reason: "offset \(header.lastOffset) is too far above the segment's base offset \(baseOffset)")
                }
                if batch.position == 0 { setRollingBasedTimestamp(header.maxTimestamp) }
                try indexBatch(position: batch.position, size: Int64(header.totalSize), lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp)
                onBatch(header)
                next = header.nextOffset
                validBytes = batch.position + Int64(header.totalSize)
            }
        } catch let error as EngineError {
            failure = error
        } catch {
            failure = .invalidArgument("\(error)")
        }
        var corruption: EngineError?
        // The indexes are derived data and may already be rebuilt; the log itself is only cut below.
        if let failure, try LogTail.classify(log, from: validBytes, to: size) == .corruption {
            if policy == .fail { throw failure }
            corruption = failure
        }
        let truncated = size - validBytes
        if truncated > 0 { try log.truncate(to: validBytes) }
        resetEnd(size: validBytes, nextOffset: next)
        try transactionIndex.truncate(toOffset: next)
        return SegmentRecoveryResult(truncatedBytes: truncated, corruption: corruption)
    }
}
