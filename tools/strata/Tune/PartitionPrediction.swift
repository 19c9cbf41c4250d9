import Engine

/// What retention and then compaction would do to one partition under a config, computed from
/// the files alone: `LogAnalyzer` for the facts and the retention plan, and the analyzer again on
/// a `CleanerView` for what the cleaner would remove once retention has run. `strata tune
/// analyze` shows the current state, `simulate` the whole prediction, and `apply` does it.
struct PartitionPrediction {
    /// The cleaner's side.
    struct Compaction {
        var firstDirtyOffset: Int64
        var firstUncleanableOffset: Int64
        var cleanBytes: Int64
        var dirtyBytes: Int64
        var dirtyRatio: Double
        /// The oldest dirty data is older than `max.compaction.lag.ms` (from the segments' oldest timestamps).
        var maxCompactionLagExceeded: Bool
        /// Segments `min.compaction.lag.ms` holds back (not counting the active segment).
        var heldBackByMinLag: Int
        /// Whether the broker's cleaner would pick this partition now, and why.
        var cleanerPicks: Bool
        var reason: String
        /// The same in a few words, for the table: "picks: 75% ≥ 50%", "waits: 10% < 50%".
        var verdict: String
        /// Whether a cleaning pass has anything to do (dirty data below the first uncleanable offset).
        var hasDirtyData: Bool
        var records: Int64
        var bytes: Int64
        /// Segments after cleaning: the cleaned groups plus the segments left alone.
        var segmentsAfter: Int
    }

    var topicPartition: TopicPartition
    var config: LogConfig
    /// The whole partition as it is.
    var analysis: PartitionAnalysis
    var retentionSegments: Int
    var retentionBytes: Int64
    var retentionRecords: Int64
    var retentionReasons: [String]
    var rollsActive: Bool
    /// Nil when the partition is not compacted.
    var compaction: Compaction?

    var sizeAfter: Int64 { analysis.size - retentionBytes - (compaction.map { $0.hasDirtyData ? $0.bytes : 0 } ?? 0) }
    var recordsAfter: Int64 { analysis.records - retentionRecords - (compaction.map { $0.hasDirtyData ? $0.records : 0 } ?? 0) }
    var segmentsAfter: Int {
        if let compaction, compaction.hasDirtyData { return compaction.segmentsAfter }
        return rollsActive ? 1 : analysis.segments.count - retentionSegments
    }

    /// Retention first, then compaction of what remains, as `strata tune apply` and the broker do.
    static func make(
        directory: DataDirectory, partition: TopicPartition, config: LogConfig, now: Int64,
        cleanerOffsets: [TopicPartition: Int64], logStarts: [TopicPartition: Int64]
    ) throws -> PartitionPrediction {
        let path = directory.partitionPath(partition)
        let analysis = try LogAnalyzer.analyze(
            directory: path, topicPartition: partition, config: config, now: now,
            firstDirtyOffset: cleanerOffsets[partition], logStartOffset: logStarts[partition])
        let segments = analysis.segments
        var prediction = PartitionPrediction(
            topicPartition: partition, config: config, analysis: analysis, retentionSegments: 0, retentionBytes: 0,
            retentionRecords: 0, retentionReasons: [], rollsActive: false, compaction: nil)
        let plan = analysis.retention
        let kept = min(plan.deletedSegments, segments.count)
        prediction.retentionSegments = kept
        prediction.retentionBytes = analysis.retentionReclaimableBytes
        prediction.retentionRecords = segments.prefix(kept).reduce(0) { $0 + $1.records }
        prediction.retentionReasons = plan.reasons
        prediction.rollsActive = plan.rollsActive
        guard config.isCompacted else { return prediction }
        let remaining = Array(segments[kept...])
        let start = remaining.first.map { max(analysis.logStartOffset, $0.baseOffset) } ?? analysis.logEndOffset
        // The cleaner's first uncleanable segment (PartitionLog.cleanableRange): the active one, or
        // the first holding a record younger than min.compaction.lag.ms.
        var uncleanable = max(remaining.count - 1, 0)
        if config.minCompactionLagMs > 0,
           let young = remaining.firstIndex(where: { ($0.maxTimestamp ?? Int64.min) > now - config.minCompactionLagMs }) {
            uncleanable = min(uncleanable, young)
        }
        let firstDirty = min(max(analysis.firstDirtyOffset, start), remaining.last?.nextOffset ?? start)
        let uncleanableOffset = max(uncleanable < remaining.count ? remaining[uncleanable].baseOffset : start, firstDirty)
        let view = try CleanerView.analyze(
            partitionDirectory: path, topicPartition: partition, segments: segments, kept: kept, uncleanable: kept + uncleanable,
            config: config, now: now, firstDirtyOffset: firstDirty, logStartOffset: start)
        var lagExceeded = false
        if config.maxCompactionLagMs != Int64.max {
            for segment in remaining.prefix(uncleanable) where segment.nextOffset > firstDirty {
                if let first = segment.minTimestamp, first >= 0, now - first > config.maxCompactionLagMs { lagExceeded = true }
            }
        }
        let hasDirty = firstDirty < uncleanableOffset && view.dirtyBytes > 0
        let picks = hasDirty && (view.dirtyRatio >= config.minCleanableDirtyRatio || lagExceeded)
        let reason: String
        let verdict: String
        let threshold = TuneFormat.percent(config.minCleanableDirtyRatio)
        if !hasDirty {
            reason = remaining.count <= 1 ? "nothing to clean: only the active segment" : "nothing to clean: no dirty data below the first uncleanable offset"
            verdict = "nothing to clean"
        } else if view.dirtyRatio >= config.minCleanableDirtyRatio {
            reason = "dirty ratio \(TuneFormat.percent(view.dirtyRatio)) reaches min.cleanable.dirty.ratio \(config.minCleanableDirtyRatio)"
            verdict = "picks: \(TuneFormat.percent(view.dirtyRatio)) ≥ \(threshold)"
        } else if lagExceeded {
            reason = "dirty data older than max.compaction.lag.ms (\(TuneFormat.duration(ms: config.maxCompactionLagMs)))"
            verdict = "picks: max.compaction.lag.ms"
        } else {
            reason = "dirty ratio \(TuneFormat.percent(view.dirtyRatio)) is below min.cleanable.dirty.ratio \(config.minCleanableDirtyRatio)"
            verdict = "waits: \(TuneFormat.percent(view.dirtyRatio)) < \(threshold)"
        }
        // LogCleaner.groups: consecutive cleanable segments up to segment.bytes become one segment.
        var groups = 0
        var groupSize: Int64 = 0
        var groupBase: Int64 = 0
        for (index, segment) in remaining.prefix(uncleanable).enumerated() {
            if index == 0 || groupSize + segment.size > Int64(config.segmentBytes) || segment.nextOffset - groupBase > Int64(Int32.max) {
                groups += 1
                groupSize = 0
                groupBase = segment.baseOffset
            }
            groupSize += segment.size
        }
        prediction.compaction = Compaction(
            firstDirtyOffset: firstDirty, firstUncleanableOffset: uncleanableOffset, cleanBytes: view.cleanBytes,
            dirtyBytes: view.dirtyBytes, dirtyRatio: view.dirtyRatio, maxCompactionLagExceeded: lagExceeded,
            heldBackByMinLag: max(remaining.count - 1 - uncleanable, 0), cleanerPicks: picks, reason: reason, verdict: verdict,
            hasDirtyData: hasDirty, records: hasDirty ? view.compactableRecords : 0, bytes: hasDirty ? view.compactionReclaimableBytes : 0,
            segmentsAfter: groups + (remaining.count - uncleanable))
        return prediction
    }
}
