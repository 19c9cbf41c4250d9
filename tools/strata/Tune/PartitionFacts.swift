import Engine

/// The facts about one partition that every `strata tune` JSON output shares (sizes in bytes,
/// timestamps in milliseconds since the epoch plus an ISO 8601 date).
struct PartitionFacts: Encodable {
    var topic: String
    var partition: Int32
    var name: String
    var size: Int64
    var segments: Int
    var records: Int64
    var tombstones: Int64
    var recordsWithoutKey: Int64
    /// HyperLogLog estimate (about 1% error).
    var distinctKeys: Int
    var oldestTimestamp: Int64?
    var newestTimestamp: Int64?
    var oldestDate: String?
    var newestDate: String?
    var logStartOffset: Int64
    var logEndOffset: Int64

    init(_ analysis: PartitionAnalysis) {
        topic = analysis.topicPartition.topic
        partition = analysis.topicPartition.partition
        name = analysis.topicPartition.directoryName
        size = analysis.size
        segments = analysis.segments.count
        records = analysis.records
        tombstones = analysis.tombstones
        recordsWithoutKey = analysis.recordsWithoutKey
        distinctKeys = analysis.distinctKeys
        oldestTimestamp = analysis.minTimestamp
        newestTimestamp = analysis.maxTimestamp
        oldestDate = analysis.minTimestamp.flatMap { $0 >= 0 ? TuneFormat.isoDate(ms: $0) : nil }
        newestDate = analysis.maxTimestamp.flatMap { $0 >= 0 ? TuneFormat.isoDate(ms: $0) : nil }
        logStartOffset = analysis.logStartOffset
        logEndOffset = analysis.logEndOffset
    }
}
