/// Where a compacted log is clean and dirty, as the cleaner and `strata tune` see it:
///
/// ```
/// log start ... first dirty offset ... first uncleanable offset ... log end
///   clean: cleaned before   dirty: written since      not yet: active segment, open
///                                                     transactions, min.compaction.lag.ms
/// ```
public struct CleanableRange: Equatable, Sendable {
    public var logStartOffset: Int64
    public var firstDirtyOffset: Int64
    public var firstUncleanableOffset: Int64
    public var cleanBytes: Int64
    public var dirtyBytes: Int64
    /// dirty / (clean + dirty), 0 for an empty log.
    public var dirtyRatio: Double { cleanBytes + dirtyBytes == 0 ? 0 : Double(dirtyBytes) / Double(cleanBytes + dirtyBytes) }
    /// The oldest dirty record is older than `max.compaction.lag.ms`: clean whatever the ratio.
    public var maxCompactionLagExceeded: Bool

    /// Whether the cleaner should pick this log now.
    public func isCleanable(_ config: LogConfig) -> Bool {
        config.isCompacted && dirtyBytes > 0 && (dirtyRatio >= config.minCleanableDirtyRatio || maxCompactionLagExceeded)
    }
}

extension PartitionLog {
    /// The clean and dirty parts of the log, given the cleaner checkpoint (nil: never cleaned).
    public func cleanableRange(firstDirtyOffset checkpoint: Int64?) -> CleanableRange {
        lock.withLock { cleanableRangeLocked(firstDirtyOffset: checkpoint, now: clock()) }
    }

    func cleanableRangeLocked(firstDirtyOffset checkpoint: Int64?, now: Int64) -> CleanableRange {
        let config = state.config
        let start = state.logStartOffset
        let firstDirty = min(max(checkpoint ?? start, start), state.logEndOffset)
        var uncleanable = min(state.active.baseOffset, lastStableOffsetLocked())
        if config.minCompactionLagMs > 0 {
            let young = state.segments.first { ($0.maxTimestampSoFar?.timestamp ?? Int64.min) > now - config.minCompactionLagMs }
            if let young { uncleanable = min(uncleanable, young.baseOffset) }
        }
        var clean: Int64 = 0
        var dirty: Int64 = 0
        var lagExceeded = false
        for segment in state.segments where segment.baseOffset < uncleanable {
            if segment.nextOffset <= firstDirty {
                clean += segment.size
            } else {
                dirty += segment.size
                if config.maxCompactionLagMs != Int64.max, let first = segment.rollingBasedTimestamp, first >= 0,
                   now - first > config.maxCompactionLagMs {
                    lagExceeded = true
                }
            }
        }
        return CleanableRange(
            logStartOffset: start, firstDirtyOffset: firstDirty, firstUncleanableOffset: max(uncleanable, firstDirty),
            cleanBytes: clean, dirtyBytes: dirty, maxCompactionLagExceeded: lagExceeded)
    }
}
