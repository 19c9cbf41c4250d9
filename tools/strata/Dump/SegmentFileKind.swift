import Engine

/// What a segment file holds, told by its suffix.
enum SegmentFileKind: String, CaseIterable, Comparable {
    case log
    case offsetIndex = "index"
    case timeIndex = "timeindex"
    case transactionIndex = "txnindex"
    /// A producer-state snapshot (`<offset>.snapshot`), named by the offset it was taken at.
    case producerSnapshot = "snapshot"

    /// The file-name suffix, e.g. `.log`.
    var suffix: String {
        switch self {
        case .log: SegmentFileName.log
        case .offsetIndex: SegmentFileName.offsetIndex
        case .timeIndex: SegmentFileName.timeIndex
        case .transactionIndex: SegmentFileName.transactionIndex
        case .producerSnapshot: ".snapshot"
        }
    }

    /// Bytes per entry of an index file; nil for `.log` and snapshots.
    var entrySize: Int? {
        switch self {
        case .log, .producerSnapshot: nil
        case .offsetIndex: OffsetIndexEntry.size
        case .timeIndex: TimeIndexEntry.size
        case .transactionIndex: AbortedTransaction.size
        }
    }

    /// The order in which a segment's files are dumped: the log, then its indexes.
    static func < (lhs: SegmentFileKind, rhs: SegmentFileKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Suffixes Kafka appends while a file changes state; such files can be dumped when named.
    static let stateSuffixes = [SegmentFileName.deletedSuffix, SegmentFileName.cleanedSuffix, SegmentFileName.swapSuffix]
}
