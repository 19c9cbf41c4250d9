import Engine

/// One segment in `strata tune analyze --json` (`segmentDetails`).
struct SegmentFacts: Encodable {
    var baseOffset: Int64
    var nextOffset: Int64
    var size: Int64
    var batches: Int
    var records: Int64
    var tombstones: Int64
    var minTimestamp: Int64?
    var maxTimestamp: Int64?

    init(_ segment: PartitionAnalysis.SegmentSummary) {
        baseOffset = segment.baseOffset
        nextOffset = segment.nextOffset
        size = segment.size
        batches = segment.batches
        records = segment.records
        tombstones = segment.tombstones
        minTimestamp = segment.minTimestamp
        maxTimestamp = segment.maxTimestamp
    }
}
