/// What `strata tune analyze` reports about one partition, and what a setting would change.
public struct PartitionAnalysis: Equatable, Sendable {
    public struct SegmentSummary: Equatable, Sendable {
        public var baseOffset: Int64
        public var nextOffset: Int64
        public var size: Int64
        public var batches: Int
        public var records: Int64
        public var tombstones: Int64
        public var minTimestamp: Int64?
        public var maxTimestamp: Int64?
        /// The first batch's max timestamp: what `segment.ms` and `max.compaction.lag.ms` count from.
        public var firstBatchTimestamp: Int64?
    }

    /// What the cleaner would do after retention has run, by its own rules: it maps the dirty
    /// section below the first uncleanable offset (the active segment, and segments younger than
    /// `min.compaction.lag.ms`; offline the high watermark is taken to be the log end).
    public struct CompactionPrediction: Equatable, Sendable {
        public var firstDirtyOffset: Int64
        public var firstUncleanableOffset: Int64
        public var cleanBytes: Int64
        public var dirtyBytes: Int64
        public var dirtyRatio: Double { cleanBytes + dirtyBytes == 0 ? 0 : Double(dirtyBytes) / Double(cleanBytes + dirtyBytes) }
        public var maxCompactionLagExceeded: Bool
        /// Segments below the active one that `min.compaction.lag.ms` holds back.
        public var heldBackByMinLag: Int
        /// There is dirty data below the first uncleanable offset.
        public var hasDirtyData: Bool { firstDirtyOffset < firstUncleanableOffset && dirtyBytes > 0 }
        /// The broker's cleaner would pick the partition now (ratio or max lag).
        public var cleanerPicks: Bool
        public var recordsRemoved: Int64
        /// Estimated per batch; exact for uncompressed batches that keep no tombstone.
        public var bytesReclaimed: Int64
        /// Segments after cleaning: the cleaned groups plus the segments left alone.
        public var segmentsAfter: Int
    }

    public var topicPartition: TopicPartition
    public var segments: [SegmentSummary]
    public var logStartOffset: Int64
    public var logEndOffset: Int64
    public var size: Int64 { segments.reduce(0) { $0 + $1.size } }
    public var records: Int64 { segments.reduce(0) { $0 + $1.records } }
    public var tombstones: Int64 { segments.reduce(0) { $0 + $1.tombstones } }
    public var minTimestamp: Int64? { segments.compactMap(\.minTimestamp).min() }
    public var maxTimestamp: Int64? { segments.compactMap(\.maxTimestamp).max() }
    /// HyperLogLog estimate of distinct keys.
    public var distinctKeys: Int
    public var recordsWithoutKey: Int64
    /// The cleaner's view: clean bytes, dirty bytes and their ratio.
    public var firstDirtyOffset: Int64
    public var cleanBytes: Int64
    public var dirtyBytes: Int64
    public var dirtyRatio: Double { cleanBytes + dirtyBytes == 0 ? 0 : Double(dirtyBytes) / Double(cleanBytes + dirtyBytes) }
    /// What compacting would do after retention (nil when the partition is not compacted).
    public var compaction: CompactionPrediction?
    public var compactableRecords: Int64 { compaction?.recordsRemoved ?? 0 }
    public var compactionReclaimableBytes: Int64 { compaction?.bytesReclaimed ?? 0 }
    /// What retention would do with the config analysed.
    public var retention: RetentionPlan
    public var retentionReclaimableBytes: Int64
}
