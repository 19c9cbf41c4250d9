import Engine

/// What retention and then compaction would do to one partition under a config, computed from
/// the files alone: `LogAnalyzer` gives the facts, the retention plan and the cleaner's prediction
/// after retention; this adds the words people read. `strata tune
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
    /// The remote log of a tiered partition; nil when it was never tiered.
    var remote: RemoteLogFacts?

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
        let remote = try RemoteLogFacts.load(partitionPath: path)
        let analysis = try LogAnalyzer.analyze(
            directory: path, topicPartition: partition, config: config, now: now,
            firstDirtyOffset: cleanerOffsets[partition], logStartOffset: logStarts[partition],
            highestOffsetInRemoteStorage: remote?.highestOffset ?? -1)
        let segments = analysis.segments
        var prediction = PartitionPrediction(
            topicPartition: partition, config: config, analysis: analysis, retentionSegments: 0, retentionBytes: 0,
            retentionRecords: 0, retentionReasons: [], rollsActive: false, compaction: nil, remote: remote)
        let plan = analysis.retention
        let kept = min(plan.deletedSegments, segments.count)
        prediction.retentionSegments = kept
        prediction.retentionBytes = analysis.retentionReclaimableBytes
        prediction.retentionRecords = segments.prefix(kept).reduce(0) { $0 + $1.records }
        prediction.retentionReasons = plan.reasons
        prediction.rollsActive = plan.rollsActive
        guard let predicted = analysis.compaction else { return prediction }
        let ratio = predicted.dirtyRatio
        let reason: String
        let verdict: String
        let threshold = TuneFormat.percent(config.minCleanableDirtyRatio)
        if !predicted.hasDirtyData {
            reason = segments.count - kept <= 1 ? "nothing to clean: only the active segment" : "nothing to clean: no dirty data below the first uncleanable offset"
            verdict = "nothing to clean"
        } else if ratio >= config.minCleanableDirtyRatio {
            reason = "dirty ratio \(TuneFormat.percent(ratio)) reaches min.cleanable.dirty.ratio \(config.minCleanableDirtyRatio)"
            verdict = "picks: \(TuneFormat.percent(ratio)) ≥ \(threshold)"
        } else if predicted.maxCompactionLagExceeded {
            reason = "dirty data older than max.compaction.lag.ms (\(TuneFormat.duration(ms: config.maxCompactionLagMs)))"
            verdict = "picks: max.compaction.lag.ms"
        } else {
            reason = "dirty ratio \(TuneFormat.percent(ratio)) is below min.cleanable.dirty.ratio \(config.minCleanableDirtyRatio)"
            verdict = "waits: \(TuneFormat.percent(ratio)) < \(threshold)"
        }
        prediction.compaction = Compaction(
            firstDirtyOffset: predicted.firstDirtyOffset, firstUncleanableOffset: predicted.firstUncleanableOffset,
            cleanBytes: predicted.cleanBytes, dirtyBytes: predicted.dirtyBytes, dirtyRatio: ratio,
            maxCompactionLagExceeded: predicted.maxCompactionLagExceeded, heldBackByMinLag: predicted.heldBackByMinLag,
            cleanerPicks: predicted.cleanerPicks, reason: reason, verdict: verdict, hasDirtyData: predicted.hasDirtyData,
            records: predicted.recordsRemoved, bytes: predicted.bytesReclaimed, segmentsAfter: predicted.segmentsAfter)
        return prediction
    }
}
