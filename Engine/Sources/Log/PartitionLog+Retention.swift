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
    /// Tiered logs apply `local.retention.*` to uploaded segments only (see `RetentionPlan`).
    @discardableResult
    public func applyRetention() throws(EngineError) -> RetentionResult {
        try lock.withLock { () throws(EngineError) -> RetentionResult in
            let now = clock()
            let config = state.config
            var result = RetentionResult(logStartOffset: state.logStartOffset)
            let plan = RetentionPlan(
                segments: state.segments.map { .init(baseOffset: $0.baseOffset, size: $0.size, maxTimestamp: $0.maxTimestampSoFar?.timestamp) },
                logStartOffset: state.logStartOffset, config: config, now: now, highestOffsetInRemoteStorage: uploadedOffset)
            result.reasons = plan.reasons
            var count = plan.deletedSegments
            guard count > 0 else { return result }
            if plan.rollsActive {
                try roll(at: state.logEndOffset, now: now)
                count = state.segments.count - 1
            }
            let doomed = Array(state.segments.prefix(count))
            state.segments.removeFirst(count)
            try retireProducerSnapshots(below: state.segments[0].baseOffset, delayMs: config.fileDeleteDelayMs)
            let newStart = max(state.logStartOffset, state.segments[0].baseOffset)
            try moveLogStart(to: newStart)
            CrashPoint.reached("retention-start-moved")
            for (index, segment) in doomed.enumerated() {
                try segment.renameForDeletion()
                if index == 0 { CrashPoint.reached("retention-first-renamed") }
            }
            CrashPoint.reached("retention-all-renamed")
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
