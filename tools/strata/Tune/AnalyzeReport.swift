/// `strata tune analyze --json`: one document.
///
/// ```
/// { "command": "analyze", "directory": ..., "now": <ms>, "nowDate": <ISO 8601>,
///   "brokerConfig": <file or null>, "topicFiles": <folder or null>,
///   "partitions": [AnalyzedPartition...], "failures": [{"partition", "message"}...],
///   "totals": TuneTotals, "notes": [String...] }
/// ```
struct AnalyzeReport: Encodable {
    var command = "analyze"
    var directory: String
    var now: Int64
    var nowDate: String
    var brokerConfig: String?
    var topicFiles: String?
    var partitions: [AnalyzedPartition]
    var failures: [TuneFailureFacts]
    var totals: TuneTotals
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case command, directory, now, nowDate, brokerConfig, topicFiles, partitions, failures, totals, notes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(directory, forKey: .directory)
        try container.encode(now, forKey: .now)
        try container.encode(nowDate, forKey: .nowDate)
        try container.encode(brokerConfig, forKey: .brokerConfig)
        try container.encode(topicFiles, forKey: .topicFiles)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(failures, forKey: .failures)
        try container.encode(totals, forKey: .totals)
        try container.encode(notes, forKey: .notes)
    }
}
