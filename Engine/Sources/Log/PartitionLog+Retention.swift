import Dispatch

/// What one retention pass removed.
public struct RetentionResult: Equatable, Sendable {
    public var deletedSegments = 0
    public var deletedBytes: Int64 = 0
    public var logStartOffset: Int64 = 0
    /// Why segments went: "retention.ms", "retention.bytes", "log start offset".
    public var reasons: [String] = []
}

extension PartitionLog {
    /// Applies `retention.ms` and `retention.bytes` (when `cleanup.policy` includes delete) and the
    /// log start offset, deleting whole segments from the oldest. The active segment is never
    /// deleted: when it alone is past retention and holds data, it is rolled first and the
    /// empty new segment stays. Deletion is asynchronous: files are renamed `.deleted` at once
    /// and removed after `file.delete.delay.ms`; readers holding a segment's descriptor keep reading.
    @discardableResult
    public func applyRetention() throws(EngineError) -> RetentionResult {
        try lock.withLock { () throws(EngineError) -> RetentionResult in
            let now = clock()
            let config = state.config
            var result = RetentionResult(logStartOffset: state.logStartOffset)
            // Each rule picks how many of the oldest segments may go; the largest count wins.
            var count = 0
            if let index = segmentsBelowLogStart() { count = max(count, index); if index > 0 { result.reasons.append("log start offset") } }
            if config.deletesByRetention {
                if config.retentionMs >= 0 {
                    let expired = state.segments.prefix { segment in
                        guard let max = segment.maxTimestampSoFar?.timestamp, segment.size > 0 else { return false }
                        return now - max > config.retentionMs
                    }.count
                    if expired > count { count = expired; result.reasons.append("retention.ms") }
                }
                if config.retentionBytes >= 0 {
                    var excess = state.segments.reduce(0) { $0 + $1.size } - config.retentionBytes
                    var bySize = 0
                    // Kafka's rule: delete a segment only while the log stays at or above the limit.
                    for segment in state.segments.dropLast() {
                        guard excess - segment.size >= 0 else { break }
                        excess -= segment.size
                        bySize += 1
                    }
                    if bySize > count { count = bySize; result.reasons.append("retention.bytes") }
                }
            }
            guard count > 0 else { return result }
            if count >= state.segments.count {
                try roll(at: state.logEndOffset, now: now)
                count = state.segments.count - 1
            }
            let doomed = Array(state.segments.prefix(count))
            state.segments.removeFirst(count)
            let newStart = max(state.logStartOffset, state.segments[0].baseOffset)
            try moveLogStart(to: newStart)
            for segment in doomed { try segment.renameForDeletion() }
            scheduleRemoval(of: doomed, after: config.fileDeleteDelayMs)
            result.deletedSegments = doomed.count
            result.deletedBytes = doomed.reduce(0) { $0 + $1.size }
            result.logStartOffset = state.logStartOffset
            return result
        }
    }

    /// DeleteRecords: makes `offset` the new log start offset (it may fall inside a segment; the
    /// records below it are no longer readable), then deletes the segments wholly below it.
    /// Returns the log start offset now in force. Offsets above the high watermark are refused.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws(EngineError) -> Int64 {
        try lock.withLock { () throws(EngineError) in
            guard offset <= state.highWatermark else {
                throw .offsetOutOfRange(offset: offset, logStartOffset: state.logStartOffset, logEndOffset: state.highWatermark)
            }
            if offset > state.logStartOffset { try moveLogStart(to: offset) }
        }
        _ = try applyRetention()
        return logStartOffset
    }

    /// How many of the oldest segments lie wholly below the log start offset (nil when none).
    private func segmentsBelowLogStart() -> Int? {
        var count = 0
        while count + 1 < state.segments.count, state.segments[count + 1].baseOffset <= state.logStartOffset { count += 1 }
        return count
    }

    private func moveLogStart(to offset: Int64) throws(EngineError) {
        guard offset > state.logStartOffset else { return }
        state.logStartOffset = offset
        state.highWatermark = max(state.highWatermark, offset)
        if state.epochs.truncate(fromStart: offset) { try state.epochs.save() }
    }

    func scheduleRemoval(of segments: [Segment], after delayMs: Int64) {
        let remove: @Sendable () -> Void = {
            for segment in segments { try? segment.removeDeletedFiles() }
        }
        if delayMs == 0 {
            remove()
        } else {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(min(delayMs, Int64(Int.max / 1_000_000))))) { remove() }
        }
    }
}
