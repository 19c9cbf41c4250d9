/// What the bytes from a failed batch to the end of a `.log` file are, in recovery's terms.
public enum LogTail: Equatable, Sendable {
    /// One final write that did not finish: too short to frame, or a batch reaching (or claiming
    /// to reach past) the end. Recovery always cuts it.
    case tornBatch
    /// Only zeros, as a power loss after a file-size update leaves. Recovery always cuts it.
    case zeroFill
    /// Real data follows the bad batch: corruption, handled by `strata.recovery.policy`.
    case corruption

    /// Classifies the bytes of `file` from `position` to `end`.
    public static func classify(_ file: FileDescriptor, from position: Int64, to end: Int64) throws(EngineError) -> LogTail {
        let remaining = end - position
        if remaining < Int64(RecordBatchHeader.logOverhead) { return .tornBatch }
        let framing = try file.read(count: RecordBatchHeader.logOverhead, at: position)
        let totalSize = framing.withUnsafeBytes { RecordBatchHeader.peekFraming($0).totalSize }
        if totalSize >= RecordBatchHeader.size && position + Int64(totalSize) >= end { return .tornBatch }
        var offset = position
        while offset < end {
            let chunk = try file.read(count: Int(min(1 << 20, end - offset)), at: offset)
            if chunk.isEmpty { break }
            if chunk.contains(where: { $0 != 0 }) { return .corruption }
            offset += Int64(chunk.count)
        }
        return .zeroFill
    }
}
