/// What retention would delete from one partition (`retention` in the JSON outputs): whole
/// segments from the oldest, and the rules that chose them ("retention.ms", "retention.bytes",
/// "log start offset"). `rollsActive`: every segment is expired, so the active one rolls first and
/// an empty segment remains.
struct RetentionFacts: Encodable {
    var segments: Int
    var bytes: Int64
    var records: Int64
    var reasons: [String]
    var rollsActive: Bool

    init(_ prediction: PartitionPrediction) {
        segments = prediction.retentionSegments
        bytes = prediction.retentionBytes
        records = prediction.retentionRecords
        reasons = prediction.retentionReasons
        rollsActive = prediction.rollsActive
    }

    /// "3 segments, 1.2 MiB" or "-".
    var text: String {
        segments == 0 ? "-" : TuneFormat.counted(Int64(segments), "segment", "segments") + ", " + TuneFormat.bytes(bytes)
    }
}
