/// What a cleaning pass reads under the log's lock before it starts: the ranges, the segments
/// below the active one, the config, the aborted transactions and each producer's last batch.
struct CleaningSnapshot {
    var range: CleanableRange
    var segments: [Segment]
    var config: LogConfig
    /// Aborted transactions by producer id: (first offset, abort marker offset).
    var aborted: [Int64: [(first: Int64, last: Int64)]]
    /// The last offset of each producer's last data batch. Such a batch stays in the log even when
    /// none of its records do (as Kafka's cleaner keeps it, empty): its producer id, epoch and
    /// sequence are what rebuilds the producer's state from the log when no snapshot covers it,
    /// so that producer's next batch is still checked for duplicates and order.
    var lastBatchOfProducer: [Int64: Int64]

    func isLastBatchOfProducer(_ header: RecordBatchHeader) -> Bool {
        header.producerId >= 0 && lastBatchOfProducer[header.producerId] == header.lastOffset
    }

    func isAborted(_ header: RecordBatchHeader) -> Bool {
        guard header.isTransactional, !header.isControl, let ranges = aborted[header.producerId] else { return false }
        return ranges.contains { header.baseOffset >= $0.first && header.baseOffset <= $0.last }
    }
}

extension PartitionLog {
    func cleaningSnapshot(firstDirtyOffset: Int64?) -> CleaningSnapshot {
        lock.withLock {
            var aborted: [Int64: [(first: Int64, last: Int64)]] = [:]
            for segment in state.segments {
                for entry in segment.transactionIndex.entries {
                    aborted[entry.producerId, default: []].append((entry.firstOffset, entry.lastOffset))
                }
            }
            return CleaningSnapshot(
                range: cleanableRangeLocked(firstDirtyOffset: firstDirtyOffset, now: clock()),
                segments: Array(state.segments.dropLast()), config: state.config, aborted: aborted,
                lastBatchOfProducer: state.producers.lastDataOffsets)
        }
    }

    /// The swap: replaces `old` (consecutive segments below the active one) with the cleaned
    /// segment. Returns false, changing nothing, when the log no longer holds exactly `old`
    /// (retention or truncation got there first).
    ///
    /// Crash order: cleaned index files → `.swap`, cleaned log → `.swap` (the commit point: from
    /// here recovery completes the swap), old segments → `.deleted`, `.swap` files → live names.
    func replaceSegments(_ old: [Segment], with cleaned: Segment) throws(EngineError) -> Bool {
        let replaced = try lock.withLock { () throws(EngineError) -> Bool in
            guard let first = state.segments.firstIndex(where: { $0 === old[0] }), first + old.count < state.segments.count,
                  zip(state.segments[first..<(first + old.count)], old).allSatisfy({ $0 === $1 }) else { return false }
            let kinds = [SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex, SegmentFileName.log]
            for kind in kinds {
                let path = SegmentFileName.path(directory: directory, baseOffset: cleaned.baseOffset, suffix: kind)
                if FileSystem.exists(path + SegmentFileName.cleanedSuffix) {
                    try FileSystem.rename(path + SegmentFileName.cleanedSuffix, path + SegmentFileName.swapSuffix)
                }
                if kind == SegmentFileName.offsetIndex { CrashPoint.reached("cleaner-swap-started") }
            }
            try FileSystem.syncDirectory(directory)
            CrashPoint.reached("cleaner-swap-committed")
            for segment in old { try segment.renameForDeletion() }
            CrashPoint.reached("cleaner-old-deleted")
            for kind in kinds {
                let path = SegmentFileName.path(directory: directory, baseOffset: cleaned.baseOffset, suffix: kind)
                if FileSystem.exists(path + SegmentFileName.swapSuffix) { try FileSystem.rename(path + SegmentFileName.swapSuffix, path) }
                if kind == SegmentFileName.offsetIndex { CrashPoint.reached("cleaner-swap-half-live") }
            }
            try FileSystem.syncDirectory(directory)
            let fresh = try Segment.open(directory: directory, baseOffset: cleaned.baseOffset, config: state.config, active: false, now: clock())
            try fresh.loadEndState()
            state.segments.replaceSubrange(first..<(first + old.count), with: [fresh])
            return true
        }
        if replaced { scheduleRemoval(of: old, after: config.fileDeleteDelayMs) }
        return replaced
    }
}
