import Engine

/// The cleaner's view of one compacted partition (`compaction` in the JSON outputs; null for a
/// partition whose cleanup.policy has no compact): the clean and dirty bytes below the first
/// uncleanable offset, whether the broker's cleaner would pick it and why, and what a cleaning pass
/// would remove (`records`, `bytes`; bytes are exact for uncompressed batches, estimated in
/// proportion for compressed ones) and the segments it would leave.
struct CompactionFacts: Encodable {
    var firstDirtyOffset: Int64
    var firstUncleanableOffset: Int64
    var cleanBytes: Int64
    var dirtyBytes: Int64
    var dirtyRatio: Double
    var minCleanableDirtyRatio: Double
    var maxCompactionLagExceeded: Bool
    var heldBackByMinCompactionLag: Int
    var cleanerPicks: Bool
    var reason: String
    var records: Int64
    var bytes: Int64
    var segmentsAfter: Int

    init(_ compaction: PartitionPrediction.Compaction, config: LogConfig) {
        firstDirtyOffset = compaction.firstDirtyOffset
        firstUncleanableOffset = compaction.firstUncleanableOffset
        cleanBytes = compaction.cleanBytes
        dirtyBytes = compaction.dirtyBytes
        dirtyRatio = compaction.dirtyRatio
        minCleanableDirtyRatio = config.minCleanableDirtyRatio
        maxCompactionLagExceeded = compaction.maxCompactionLagExceeded
        heldBackByMinCompactionLag = compaction.heldBackByMinLag
        cleanerPicks = compaction.cleanerPicks
        reason = compaction.reason
        records = compaction.records
        bytes = compaction.bytes
        segmentsAfter = compaction.segmentsAfter
    }

    /// "1,500 records, 600 KiB" or "-".
    var text: String {
        records == 0 && bytes == 0 ? "-" : TuneFormat.counted(records, "record", "records") + ", " + TuneFormat.bytes(bytes)
    }
}
