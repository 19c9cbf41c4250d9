import Engine

/// One segment in the remote store, as the partition's manifest records it (KIP-405's
/// RemoteLogSegmentMetadata, kept to what a single broker needs).
public struct RemoteLogSegmentMetadata: Codable, Equatable, Sendable {
    /// Where the segment is in its life. Kafka's states, so that a crash at any step is undone or
    /// finished on restart without listing the bucket.
    public enum State: String, Codable, Sendable {
        /// Objects may be partly uploaded; on restart they are deleted and the upload redone.
        case copyStarted = "COPY_SEGMENT_STARTED"
        /// Every object and this entry are durable: the segment is readable remotely.
        case copyFinished = "COPY_SEGMENT_FINISHED"
        /// Retention chose the segment; its objects are being deleted. Not readable.
        case deleteStarted = "DELETE_SEGMENT_STARTED"
    }

    /// Random id that makes this upload's object keys unique, so a retried upload never mixes
    /// objects with an earlier, abandoned one.
    public var segmentId: String
    public var baseOffset: Int64
    /// The last offset in the segment (inclusive).
    public var endOffset: Int64
    /// The largest record timestamp in the segment, for `retention.ms` and timestamp lookups.
    public var maxTimestamp: Int64
    /// Bytes of the `.log` object.
    public var sizeInBytes: Int64
    /// Leader epochs that start inside the segment or carry into it: (epoch, start offset).
    public var leaderEpochs: [LeaderEpochEntry]
    /// Which of the segment's files were uploaded (suffixes such as `.log`, `.index`).
    public var files: [String]
    public var state: State

    public struct LeaderEpochEntry: Codable, Equatable, Sendable {
        public var epoch: Int32
        public var startOffset: Int64
    }

    /// The object key of one of the segment's files, under the partition's remote folder.
    public func key(partitionFolder: String, suffix: String) -> String {
        "\(partitionFolder)/\(SegmentFileName.name(baseOffset: baseOffset, suffix: ""))-\(segmentId)\(suffix)"
    }
}
