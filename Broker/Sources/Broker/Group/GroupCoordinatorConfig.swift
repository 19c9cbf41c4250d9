/// The group coordinator's settings, under Kafka's broker names and with Kafka's defaults.
public struct GroupCoordinatorConfig: Equatable, Sendable {
    /// `group.min.session.timeout.ms`: the shortest session timeout a member may ask for. Default 6000.
    public var minSessionTimeoutMs: Int32 = 6000
    /// `group.max.session.timeout.ms`: the longest session timeout a member may ask for. Default 1800000.
    public var maxSessionTimeoutMs: Int32 = 1_800_000
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group waits for
    /// more members, extended by as much again (up to the rebalance timeout) while members keep
    /// joining. Default 3000.
    public var initialRebalanceDelayMs: Int64 = 3000
    /// `group.max.size`: members per group. Default unlimited (Int32.max).
    public var maxGroupSize: Int = Int(Int32.max)
    /// Kafka's fixed timeout for a new member's first JoinGroup (KIP-394): 5 minutes.
    public var newMemberJoinTimeoutMs: Int64 = 300_000
    /// `offset.metadata.max.bytes`: the largest metadata string of a committed offset. Default 4096.
    public var offsetMetadataMaxBytes: Int = 4096
    /// `offsets.retention.minutes` in ms: how long offsets of an empty group (or of a standalone
    /// consumer, from the commit) are kept. Default 7 days.
    public var offsetsRetentionMs: Int64 = 7 * 24 * 3_600_000
    /// `offsets.retention.check.interval.ms`: how often expired offsets are removed. Default 600000.
    public var offsetsRetentionCheckIntervalMs: Int64 = 600_000
    /// `offsets.topic.num.partitions`: partitions of `__consumer_offsets` when it is created. Default 50.
    public var offsetsTopicPartitions: Int32 = 50
    /// `offsets.topic.segment.bytes`: `segment.bytes` of `__consumer_offsets`. Default 104857600.
    public var offsetsTopicSegmentBytes: Int = 104_857_600

    public init() {}
}
