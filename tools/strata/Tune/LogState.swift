import Engine

/// A partition log's size, segments and records at one moment of `strata tune apply` (`before`
/// and `after` in its JSON). Records are counted from the batch headers (one small read per
/// batch), so the summary costs little even when retention alone ran.
struct LogState: Encodable {
    var size: Int64
    var segments: Int
    var records: Int64
    var logStartOffset: Int64
    var logEndOffset: Int64

    init(_ log: PartitionLog) throws(EngineError) {
        let infos = log.segmentInfos
        size = infos.reduce(0) { $0 + $1.size }
        segments = infos.count
        records = 0
        for info in infos { records += try Self.records(inLog: info.logPath, size: info.size) }
        logStartOffset = log.logStartOffset
        logEndOffset = log.logEndOffset
    }

    /// The sum of the record counts in the batch headers of a `.log` file's first `size` bytes.
    static func records(inLog path: String, size: Int64) throws(EngineError) -> Int64 {
        let file = try FileDescriptor(path: path, mode: .readOnly)
        var position: Int64 = 0
        var records: Int64 = 0
        while position + Int64(RecordBatchHeader.size) <= size {
            let bytes = try file.read(count: RecordBatchHeader.size, at: position)
            guard bytes.count == RecordBatchHeader.size else { break }
            let header = bytes.withUnsafeBytes { RecordBatchHeader(decoding: $0) }
            guard header.totalSize >= RecordBatchHeader.size else {
                throw .corruptBatch(file: path, position: position, reason: "batch length \(header.batchLength) is below the minimum")
            }
            records += Int64(header.recordCount)
            position += Int64(header.totalSize)
        }
        return records
    }
}
