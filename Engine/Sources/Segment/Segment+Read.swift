/// A range of whole batches read from one segment.
public struct SegmentRead: Sendable {
    /// The batches, ready to send as they are.
    public var region: FileRegion
    /// Base offset of the first batch in the region (at most the offset asked for).
    public var firstBatchBaseOffset: Int64
    /// Set when the first batch alone exceeds the byte limit and `minOneBatch` was false.
    public var firstBatchTooLarge: Bool
}

extension Segment {
    /// The first batch whose last offset is at least `offset`: its position and header, or nil when
    /// no batch before `endPosition` holds such an offset. Starts from the offset index entry at or
    /// below `offset`, then steps over batch headers.
    func translateOffset(_ offset: Int64, endPosition: Int64? = nil) throws(EngineError) -> (position: Int64, header: RecordBatchHeader)? {
        let end = min(endPosition ?? size, size)
        var position = offsetIndex.lookup(offset).position
        while position < end, let header = try batchHeader(at: position) {
            if header.lastOffset >= offset { return (position, header) }
            position += Int64(header.totalSize)
        }
        return nil
    }

    /// Reads whole batches from the one holding `offset`, up to `maxBytes` and never past
    /// `maxPosition` (the position of the high watermark when reading committed data).
    /// With `minOneBatch`, a first batch larger than `maxBytes` is returned whole (KIP-74), so a
    /// consumer can always make progress.
    func read(from offset: Int64, maxBytes: Int, maxPosition: Int64, minOneBatch: Bool) throws(EngineError) -> SegmentRead? {
        let limit = min(maxPosition, size)
        guard let (start, first) = try translateOffset(offset, endPosition: limit) else { return nil }
        let available = limit - start
        var length: Int64
        if available <= Int64(maxBytes) {
            length = available
        } else {
            let boundary = try lastBatchBoundary(from: start, firstSize: Int64(first.totalSize), atMost: start + Int64(maxBytes))
            length = boundary - start
        }
        var tooLarge = false
        if length == 0 {
            if minOneBatch { length = Int64(first.totalSize) } else { tooLarge = true }
        }
        return SegmentRead(
            region: FileRegion(file: log, position: start, length: Int(length)),
            firstBatchBaseOffset: first.baseOffset, firstBatchTooLarge: tooLarge)
    }

    /// The largest batch boundary at most `bound`, starting the walk from the index entry nearest
    /// below `bound` so that only about `index.interval.bytes` of headers are stepped over.
    private func lastBatchBoundary(from start: Int64, firstSize: Int64, atMost bound: Int64) throws(EngineError) -> Int64 {
        var position = start + firstSize
        if position > bound { return start }
        if let entry = offsetIndex.lookup(position: bound), entry.position > position { position = entry.position }
        var boundary = position
        while position < bound, let header = try batchHeader(at: position) {
            position += Int64(header.totalSize)
            if position <= bound { boundary = position }
        }
        return boundary
    }

    /// The first batch with a timestamp at or above `timestamp` and its position, using the time
    /// index to skip ahead. Nil when every batch here is older.
    func findBatch(atOrAfterTimestamp timestamp: Int64) throws(EngineError) -> (position: Int64, header: RecordBatchHeader)? {
        let entry = timeIndex.lookup(timestamp)
        var position = offsetIndex.lookup(entry.offset).position
        while let header = try batchHeader(at: position) {
            if header.maxTimestamp >= timestamp { return (position, header) }
            position += Int64(header.totalSize)
        }
        return nil
    }

    /// Reads and validates the whole batch at `position` (tools, timestamp lookups, tests).
    func readBatch(at position: Int64, header: RecordBatchHeader) throws(EngineError) -> RecordBatch {
        let bytes = try log.read(count: header.totalSize, at: position)
        return try RecordBatch(bytes: bytes, file: log.path, position: position)
    }
}
