import Engine
import Foundation

/// What the log cleaner would see of a partition, made readable for `LogAnalyzer`: a temporary
/// directory (outside the data directory) holding symbolic links to the `.log` files of the
/// segments the cleaner may clean, an empty `.log` file standing for each segment it may not
/// (the active one, and those `min.compaction.lag.ms` holds back), and links to every kept
/// segment's `.txnindex`. The data directory itself is only read.
///
/// Why: `LogAnalyzer` counts a record as superseded when any later record has its key, including
/// records in the active segment, and it reads segments that retention deletes first; the cleaner
/// maps only the dirty section below the first uncleanable offset, after retention has run. On
/// the view, the analyzer's compaction figures are the cleaner's.
enum CleanerView {
    /// - Parameters:
    ///   - segments: the partition's segments, oldest first (from a full analysis).
    ///   - kept: the first segment still there after retention (segments before it are gone).
    ///   - uncleanable: the index of the first segment the cleaner must not touch.
    static func analyze(
        partitionDirectory: String, topicPartition: TopicPartition, segments: [PartitionAnalysis.SegmentSummary],
        kept: Int, uncleanable: Int, config: LogConfig, now: Int64, firstDirtyOffset: Int64, logStartOffset: Int64
    ) throws -> PartitionAnalysis {
        let root = FileManager.default.temporaryDirectory.path + "/strata-tune-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        let view = root + "/" + topicPartition.directoryName
        try FileManager.default.createDirectory(atPath: view, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (index, segment) in segments.enumerated() where index >= kept {
            let logName = SegmentFileName.name(baseOffset: segment.baseOffset, suffix: SegmentFileName.log)
            if index < uncleanable {
                try FileManager.default.createSymbolicLink(atPath: view + "/" + logName, withDestinationPath: partitionDirectory + "/" + logName)
            } else {
                _ = FileManager.default.createFile(atPath: view + "/" + logName, contents: nil)
            }
            let txnName = SegmentFileName.name(baseOffset: segment.baseOffset, suffix: SegmentFileName.transactionIndex)
            if FileSystem.exists(partitionDirectory + "/" + txnName) {
                try FileManager.default.createSymbolicLink(atPath: view + "/" + txnName, withDestinationPath: partitionDirectory + "/" + txnName)
            }
        }
        return try LogAnalyzer.analyze(
            directory: view, topicPartition: topicPartition, config: config, now: now,
            firstDirtyOffset: firstDirtyOffset, logStartOffset: logStartOffset)
    }
}
