import Engine

/// Whole record batches read from a remote segment, as the broker sends them: regions of the
/// chunk cache's files, sent with sendfile like local segments.
public struct RemoteReadResult: Sendable {
    /// The batches' bytes exactly as stored, in order, one region per cached chunk (none when the
    /// first batch was too large and `minOneBatch` was off).
    public var regions: [FileRegion]
    /// Base offset of the first batch returned.
    public var firstBatchBaseOffset: Int64?
    /// Set when nothing was returned because the first batch exceeds the byte limit.
    public var firstBatchTooLarge: Bool
    /// The last offset of the last batch returned.
    public var lastOffset: Int64? = nil
    /// The last offset of the segment read from (the next read continues after it).
    public var segmentEndOffset: Int64
    /// For read_committed reads: the aborted transactions overlapping the returned batches (from
    /// the remote segments' `.txnindex` objects and, past the remote log, the local ones).
    public var abortedTransactions: [AbortedTransaction] = []

    /// Bytes in `regions`.
    public var byteCount: Int { regions.reduce(0) { $0 + $1.length } }

    /// Copies the bytes out (tools and tests; the broker sends the regions).
    public func readBytes() throws(EngineError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        for region in regions { bytes += try region.readBytes() }
        return bytes
    }
}
