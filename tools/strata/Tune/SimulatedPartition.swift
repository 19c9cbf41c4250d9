/// One partition in `strata tune simulate --json`: the `PartitionFacts` keys (as the partition is
/// now), `cleanupPolicy` and `settings` under the simulated config, `retention` (`RetentionFacts`),
/// `compaction` (`CompactionFacts` of what remains after retention; null unless compacted),
/// `after` (size, segments, records once retention and a cleaning pass have run) and
/// `reclaimedBytes`.
struct SimulatedPartition: Encodable {
    struct After: Encodable {
        var size: Int64
        var segments: Int
        var records: Int64
    }

    var facts: PartitionFacts
    var cleanupPolicy: String
    var settings: [TopicConfigSource.Setting]
    var retention: RetentionFacts
    var compaction: CompactionFacts?
    var after: After
    var reclaimedBytes: Int64

    init(_ prediction: PartitionPrediction, settings: [TopicConfigSource.Setting]) {
        facts = PartitionFacts(prediction.analysis)
        cleanupPolicy = prediction.config.cleanupPolicy
        self.settings = settings
        retention = RetentionFacts(prediction)
        compaction = prediction.compaction.map { CompactionFacts($0, config: prediction.config) }
        after = After(size: prediction.sizeAfter, segments: prediction.segmentsAfter, records: prediction.recordsAfter)
        reclaimedBytes = prediction.analysis.size - prediction.sizeAfter
    }

    enum CodingKeys: String, CodingKey {
        case cleanupPolicy, settings, retention, compaction, after, reclaimedBytes
    }

    func encode(to encoder: any Encoder) throws {
        try facts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cleanupPolicy, forKey: .cleanupPolicy)
        try container.encode(settings, forKey: .settings)
        try container.encode(retention, forKey: .retention)
        try container.encode(compaction, forKey: .compaction)
        try container.encode(after, forKey: .after)
        try container.encode(reclaimedBytes, forKey: .reclaimedBytes)
    }
}
