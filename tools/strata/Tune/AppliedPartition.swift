import Engine

/// One partition in `strata tune apply --json`: what it was, what retention and compaction did,
/// what it is now.
///
/// ```
/// { "topic", "partition", "name", "cleanupPolicy",
///   "before": LogState, "after": LogState,
///   "retention": {"deletedSegments", "deletedBytes", "reasons", "logStartOffset"},
///   "compaction": {"passes", "bytesRead", "bytesWritten", "recordsRemoved", "tombstonesRemoved",
///                  "markersRemoved", "segmentsBefore", "segmentsAfter", "mapEntries", "mapBytes"} or null,
///   "reclaimedBytes" }
/// ```
struct AppliedPartition: Encodable {
    struct Retention: Encodable {
        var deletedSegments: Int
        var deletedBytes: Int64
        var reasons: [String]
        var logStartOffset: Int64

        init(_ result: RetentionResult?, logStartOffset: Int64) {
            deletedSegments = result?.deletedSegments ?? 0
            deletedBytes = result?.deletedBytes ?? 0
            reasons = deletedSegments > 0 ? result?.reasons ?? [] : []
            self.logStartOffset = logStartOffset
        }
    }

    struct Compaction: Encodable {
        var passes: Int
        var bytesRead: Int64 = 0
        var bytesWritten: Int64 = 0
        var recordsRemoved: Int64 = 0
        var tombstonesRemoved: Int64 = 0
        var markersRemoved: Int64 = 0
        var segmentsBefore: Int
        var segmentsAfter: Int
        var mapEntries = 0
        var mapBytes = 0

        init(_ passes: [CleanResult]) {
            self.passes = passes.count
            segmentsBefore = passes.first?.segmentsBefore ?? 0
            // A pass with nothing to clean returns before counting the segments after.
            segmentsAfter = passes.last.map { $0.bytesRead == 0 ? $0.segmentsBefore : $0.segmentsAfter } ?? 0
            for pass in passes {
                bytesRead += pass.bytesRead
                bytesWritten += pass.bytesWritten
                recordsRemoved += pass.recordsRemoved
                tombstonesRemoved += pass.tombstonesRemoved
                markersRemoved += pass.markersRemoved
                mapEntries = max(mapEntries, pass.mapEntries)
                mapBytes = max(mapBytes, pass.mapBytes)
            }
        }
    }

    var topic: String
    var partition: Int32
    var name: String
    var cleanupPolicy: String
    var before: LogState
    var after: LogState
    var retention: Retention
    var compaction: Compaction?
    var reclaimedBytes: Int64 { before.size - after.size }

    enum CodingKeys: String, CodingKey {
        case topic, partition, name, cleanupPolicy, before, after, retention, compaction, reclaimedBytes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(name, forKey: .name)
        try container.encode(cleanupPolicy, forKey: .cleanupPolicy)
        try container.encode(before, forKey: .before)
        try container.encode(after, forKey: .after)
        try container.encode(retention, forKey: .retention)
        try container.encode(compaction, forKey: .compaction)
        try container.encode(reclaimedBytes, forKey: .reclaimedBytes)
    }
}
