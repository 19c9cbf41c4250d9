/// `strata tune apply --json`: one document.
///
/// ```
/// { "command": "apply", "directory": ..., "topic": <name or null>, "started": <ms>, "startedDate",
///   "seconds": <wall time>, "overrides": {"retention.ms": "3600000", ...},
///   "recovered": <true when the directory had not been closed cleanly>,
///   "persisted": [TopicConfigPersister.Outcome...] (empty with --no-persist or no settings),
///   "partitions": [AppliedPartition...],
///   "totals": {"partitions", "sizeBefore", "sizeAfter", "segmentsBefore", "segmentsAfter",
///              "recordsBefore", "recordsAfter", "reclaimedBytes"} }
/// ```
struct ApplyReport: Encodable {
    struct Totals: Encodable {
        var partitions = 0
        var sizeBefore: Int64 = 0
        var sizeAfter: Int64 = 0
        var segmentsBefore = 0
        var segmentsAfter = 0
        var recordsBefore: Int64 = 0
        var recordsAfter: Int64 = 0
        var reclaimedBytes: Int64 = 0

        init(_ partitions: [AppliedPartition]) {
            for partition in partitions {
                self.partitions += 1
                sizeBefore += partition.before.size
                sizeAfter += partition.after.size
                segmentsBefore += partition.before.segments
                segmentsAfter += partition.after.segments
                recordsBefore += partition.before.records
                recordsAfter += partition.after.records
                reclaimedBytes += partition.reclaimedBytes
            }
        }
    }

    var command = "apply"
    var directory: String
    var topic: String?
    var started: Int64
    var startedDate: String
    var seconds: Double
    var overrides: [String: String]
    var recovered: Bool
    var persisted: [TopicConfigPersister.Outcome]
    var partitions: [AppliedPartition]
    var totals: Totals

    enum CodingKeys: String, CodingKey {
        case command, directory, topic, started, startedDate, seconds, overrides, recovered, persisted, partitions, totals
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(directory, forKey: .directory)
        try container.encode(topic, forKey: .topic)
        try container.encode(started, forKey: .started)
        try container.encode(startedDate, forKey: .startedDate)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(overrides, forKey: .overrides)
        try container.encode(recovered, forKey: .recovered)
        try container.encode(persisted, forKey: .persisted)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(totals, forKey: .totals)
    }
}
