/// Sums over the partitions of a `strata tune analyze` or `simulate` run (`totals` in the JSON).
struct TuneTotals: Encodable {
    var partitions = 0
    var size: Int64 = 0
    var segments = 0
    var records: Int64 = 0
    var tombstones: Int64 = 0
    /// The sum of the partitions' estimates (a key in two partitions counts twice, as it is stored twice).
    var distinctKeys = 0
    var cleanBytes: Int64 = 0
    var dirtyBytes: Int64 = 0
    var dirtyRatio: Double { cleanBytes + dirtyBytes == 0 ? 0 : Double(dirtyBytes) / Double(cleanBytes + dirtyBytes) }
    var retentionSegments = 0
    var retentionBytes: Int64 = 0
    var retentionRecords: Int64 = 0
    var compactionRecords: Int64 = 0
    var compactionBytes: Int64 = 0
    var sizeAfter: Int64 = 0
    var segmentsAfter = 0
    var recordsAfter: Int64 = 0

    init(_ predictions: [PartitionPrediction]) {
        for prediction in predictions {
            let analysis = prediction.analysis
            partitions += 1
            size += analysis.size
            segments += analysis.segments.count
            records += analysis.records
            tombstones += analysis.tombstones
            distinctKeys += analysis.distinctKeys
            retentionSegments += prediction.retentionSegments
            retentionBytes += prediction.retentionBytes
            retentionRecords += prediction.retentionRecords
            if let compaction = prediction.compaction {
                cleanBytes += compaction.cleanBytes
                dirtyBytes += compaction.dirtyBytes
                compactionRecords += compaction.records
                compactionBytes += compaction.bytes
            }
            sizeAfter += prediction.sizeAfter
            segmentsAfter += prediction.segmentsAfter
            recordsAfter += prediction.recordsAfter
        }
    }

    enum CodingKeys: String, CodingKey {
        case partitions, size, segments, records, tombstones, distinctKeys, cleanBytes, dirtyBytes, dirtyRatio
        case retentionSegments, retentionBytes, retentionRecords, compactionRecords, compactionBytes
        case sizeAfter, segmentsAfter, recordsAfter
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(size, forKey: .size)
        try container.encode(segments, forKey: .segments)
        try container.encode(records, forKey: .records)
        try container.encode(tombstones, forKey: .tombstones)
        try container.encode(distinctKeys, forKey: .distinctKeys)
        try container.encode(cleanBytes, forKey: .cleanBytes)
        try container.encode(dirtyBytes, forKey: .dirtyBytes)
        try container.encode(dirtyRatio, forKey: .dirtyRatio)
        try container.encode(retentionSegments, forKey: .retentionSegments)
        try container.encode(retentionBytes, forKey: .retentionBytes)
        try container.encode(retentionRecords, forKey: .retentionRecords)
        try container.encode(compactionRecords, forKey: .compactionRecords)
        try container.encode(compactionBytes, forKey: .compactionBytes)
        try container.encode(sizeAfter, forKey: .sizeAfter)
        try container.encode(segmentsAfter, forKey: .segmentsAfter)
        try container.encode(recordsAfter, forKey: .recordsAfter)
    }
}
