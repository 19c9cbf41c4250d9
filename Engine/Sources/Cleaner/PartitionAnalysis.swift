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
    /// What compacting now would do (records superseded by a later offset of their key, tombstones
    /// past their delete horizon; bytes estimated per batch, exact for uncompressed batches).
    public var compactableRecords: Int64
    public var compactionReclaimableBytes: Int64
    /// What retention would do with the config analysed.
    public var retention: RetentionPlan
    public var retentionReclaimableBytes: Int64
}
