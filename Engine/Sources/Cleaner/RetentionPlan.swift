/// Which of a log's oldest segments retention removes, and why: the one rule set that both the
/// engine (`PartitionLog.applyRetention`) and `strata tune simulate` apply.
public struct RetentionPlan: Equatable, Sendable {
    /// The facts about one segment that retention looks at.
    public struct SegmentFacts: Equatable, Sendable {
        public var baseOffset: Int64
        public var size: Int64
        public var maxTimestamp: Int64?

        public init(baseOffset: Int64, size: Int64, maxTimestamp: Int64?) {
            self.baseOffset = baseOffset
            self.size = size
            self.maxTimestamp = maxTimestamp
        }
    }

    /// How many of the oldest segments go (the last segment is the active one and is never
    /// counted here; `rollsActive` says it must roll first because it alone is expired).
    public var deletedSegments: Int
    public var rollsActive: Bool
    /// "log start offset", "retention.ms", "retention.bytes" — the rules that removed segments.
    public var reasons: [String]

    /// - Parameters:
    ///   - segments: oldest first, the active segment last.
    ///   - highestOffsetInRemoteStorage: for tiered logs (`remote.storage.enable`), the last offset
    ///     confirmed in the remote store: local retention (`local.retention.*`) may then delete only
    ///     segments wholly at or below it, and never rolls the active segment.
    public init(segments: [SegmentFacts], logStartOffset: Int64, config: LogConfig, now: Int64, highestOffsetInRemoteStorage: Int64 = -1) {
        guard config.remoteStorageEnable else {
            self.init(untiered: segments, logStartOffset: logStartOffset, config: config, now: now)
            return
        }
        let local = RetentionPlan(untiered: segments, logStartOffset: logStartOffset, config: config.localRetention, now: now)
        var uploaded = 0
        while uploaded + 1 < segments.count, segments[uploaded + 1].baseOffset - 1 <= highestOffsetInRemoteStorage { uploaded += 1 }
        var belowStart = 0
        while belowStart + 1 < segments.count, segments[belowStart + 1].baseOffset <= logStartOffset { belowStart += 1 }
        let count = max(min(local.deletedSegments, uploaded), belowStart)
        self = RetentionPlan(
            deletedSegments: count, rollsActive: false,
            reasons: count == 0 ? [] : local.reasons.map { $0.hasPrefix("retention.") ? "local." + $0 : $0 })
    }

    private init(deletedSegments: Int, rollsActive: Bool, reasons: [String]) {
        self.deletedSegments = deletedSegments
        self.rollsActive = rollsActive
        self.reasons = reasons
    }

    private init(untiered segments: [SegmentFacts], logStartOffset: Int64, config: LogConfig, now: Int64) {
        var count = 0
        var reasons: [String] = []
        var belowStart = 0
        while belowStart + 1 < segments.count, segments[belowStart + 1].baseOffset <= logStartOffset { belowStart += 1 }
        if belowStart > 0 { count = belowStart; reasons.append("log start offset") }
        var rolls = false
        if config.deletesByRetention {
            if config.retentionMs >= 0 {
                let expired = segments.prefix { segment in
                    guard let max = segment.maxTimestamp, segment.size > 0 else { return false }
                    return now - max > config.retentionMs
                }.count
                if expired > count {
                    count = expired
                    reasons.append("retention.ms")
                }
            }
            if config.retentionBytes >= 0 {
                // Kafka's rule: a segment goes only while the log stays at or above the limit.
                var excess = segments.reduce(0) { $0 + $1.size } - config.retentionBytes
                var bySize = 0
                for segment in segments.dropLast() {
                    guard excess - segment.size >= 0 else { break }
                    excess -= segment.size
                    bySize += 1
                }
                if bySize > count {
                    count = bySize
                    reasons.append("retention.bytes")
                }
            }
        }
        if count >= segments.count {
            rolls = true
            count = segments.count
        }
        deletedSegments = count
        rollsActive = rolls
        self.reasons = reasons
    }
}
