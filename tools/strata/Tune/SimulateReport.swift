/// `strata tune simulate --json`: one document.
///
/// ```
/// { "command": "simulate", "directory": ..., "now": <ms>, "nowDate": <ISO 8601>,
///   "brokerConfig": <file or null>, "topicFiles": <folder or null>,
///   "overrides": {"retention.ms": "3600000", ...},          (the command-line settings)
///   "partitions": [SimulatedPartition...], "failures": [{"partition", "message"}...],
///   "totals": TuneTotals, "notes": [String...] }
/// ```
struct SimulateReport: Encodable {
    var command = "simulate"
    var directory: String
    var now: Int64
    var nowDate: String
    var brokerConfig: String?
    var topicFiles: String?
    var overrides: [String: String]
    var partitions: [SimulatedPartition]
    var failures: [TuneFailureFacts]
    var totals: TuneTotals
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case command, directory, now, nowDate, brokerConfig, topicFiles, overrides, partitions, failures, totals, notes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(directory, forKey: .directory)
        try container.encode(now, forKey: .now)
        try container.encode(nowDate, forKey: .nowDate)
        try container.encode(brokerConfig, forKey: .brokerConfig)
        try container.encode(topicFiles, forKey: .topicFiles)
        try container.encode(overrides, forKey: .overrides)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(failures, forKey: .failures)
        try container.encode(totals, forKey: .totals)
        try container.encode(notes, forKey: .notes)
    }
}
