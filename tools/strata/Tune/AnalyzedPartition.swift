/// One partition in `strata tune analyze --json`: the `PartitionFacts` keys, then `cleanupPolicy`,
/// `settings` (each config that differs from Kafka's default, with its source), `retention`
/// (`RetentionFacts`: what the topic's own retention would delete now), `compaction`
/// (`CompactionFacts`, null unless compacted), `remote` (`RemoteLogFacts`: the remote store's
/// share of a tiered partition, null when never tiered), `segmentDetails` and `leftovers` (files
/// of interrupted work).
struct AnalyzedPartition: Encodable {
    var facts: PartitionFacts
    var cleanupPolicy: String
    var settings: [TopicConfigSource.Setting]
    var retention: RetentionFacts
    var compaction: CompactionFacts?
    var remote: RemoteLogFacts?
    var segmentDetails: [SegmentFacts]
    var leftovers: [String]

    init(_ prediction: PartitionPrediction, settings: [TopicConfigSource.Setting], leftovers: [String]) {
        facts = PartitionFacts(prediction.analysis)
        cleanupPolicy = prediction.config.cleanupPolicy
        self.settings = settings
        retention = RetentionFacts(prediction)
        compaction = prediction.compaction.map { CompactionFacts($0, config: prediction.config) }
        remote = prediction.remote
        segmentDetails = prediction.analysis.segments.map(SegmentFacts.init)
        self.leftovers = leftovers
    }

    enum CodingKeys: String, CodingKey {
        case cleanupPolicy, settings, retention, compaction, remote, segmentDetails, leftovers
    }

    func encode(to encoder: any Encoder) throws {
        try facts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cleanupPolicy, forKey: .cleanupPolicy)
        try container.encode(settings, forKey: .settings)
        try container.encode(retention, forKey: .retention)
        try container.encode(compaction, forKey: .compaction)
        try container.encode(remote, forKey: .remote)
        try container.encode(segmentDetails, forKey: .segmentDetails)
        try container.encode(leftovers, forKey: .leftovers)
    }
}
