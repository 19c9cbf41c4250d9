/// Reads a partition directory without changing anything (no recovery, no lock, no index
/// rebuild) and computes a `PartitionAnalysis`: sizes, ages, keys, tombstones, the dirty ratio,
/// and what retention and compaction would remove under a given config. It applies the engine's
/// own rules (`RetentionPlan`, `LogCleaner.retention(of:...)`), so what it predicts is what
/// `strata tune apply` and the broker do.
public enum LogAnalyzer {
    /// - Parameters:
    ///   - firstDirtyOffset: the cleaner checkpoint for this partition (nil: never cleaned).
    ///   - logStartOffset: from `log-start-offset-checkpoint` (nil: the first segment's base).
    public static func analyze(
        directory: String, topicPartition: TopicPartition, config: LogConfig, now: Int64,
        firstDirtyOffset: Int64? = nil, logStartOffset: Int64? = nil
    ) throws(EngineError) -> PartitionAnalysis {
        let bases = try FileSystem.list(directory).compactMap { SegmentFileName.baseOffset(of: $0, suffix: SegmentFileName.log) }.sorted()
        var segments: [PartitionAnalysis.SegmentSummary] = []
        var keys = HyperLogLog()
        var latest: [KeyHash: Int64] = [:]
        var keyless: Int64 = 0
        var aborted: [Int64: [(first: Int64, last: Int64)]] = [:]
        var scratch: [UInt8] = []
        // Pass 1: facts per segment, the key map, aborted transactions.
        for base in bases {
            let path = SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.log)
            let file = try FileDescriptor(path: path, mode: .readOnly)
            var summary = PartitionAnalysis.SegmentSummary(baseOffset: base, nextOffset: base, size: try file.size(), batches: 0, records: 0, tombstones: 0)
            var scanner = try LogFileScanner(file: file)
            while let batch = try scanner.next() {
                let header = batch.header
                summary.batches += 1
                summary.records += Int64(header.recordCount)
                summary.nextOffset = header.nextOffset
                summary.minTimestamp = min(summary.minTimestamp ?? header.baseTimestamp, header.attributes.hasDeleteHorizon ? header.maxTimestamp : header.baseTimestamp)
                summary.maxTimestamp = max(summary.maxTimestamp ?? header.maxTimestamp, header.maxTimestamp)
                guard !header.isControl else { continue }
                try LogCleaner.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) in
                    var walker = RawRecordWalker(section: section)
                    while let record = try LogCleaner.next(&walker, batch) {
                        if record.hasNullValue { summary.tombstones += 1 }
                        guard let key = record.key else { keyless += 1; continue }
                        let hash = KeyHash(UnsafeRawBufferPointer(rebasing: section[key]))
                        keys.add(hash: hash.low)
                        latest[hash] = header.baseOffset + record.offsetDelta
                    }
                }
            }
            segments.append(summary)
            let txnPath = SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.transactionIndex)
            if let size = FileSystem.fileSize(txnPath), size >= Int64(AbortedTransaction.size) {
                let bytes = try FileSystem.readFile(txnPath)
                bytes.withUnsafeBytes { raw in
                    for index in 0..<(bytes.count / AbortedTransaction.size) {
                        let entry = AbortedTransaction(decoding: raw, at: index * AbortedTransaction.size)
                        aborted[entry.producerId, default: []].append((entry.firstOffset, entry.lastOffset))
                    }
                }
            }
        }
        let start = max(logStartOffset ?? segments.first?.baseOffset ?? 0, segments.first?.baseOffset ?? 0)
        let end = segments.last?.nextOffset ?? start
        // The cleaner's ranges: everything below the active (last) segment is cleanable offline.
        let uncleanable = segments.last?.baseOffset ?? 0
        let firstDirty = min(max(firstDirtyOffset ?? start, start), end)
        var clean: Int64 = 0
        var dirty: Int64 = 0
        for segment in segments where segment.baseOffset < uncleanable {
            if segment.nextOffset <= firstDirty { clean += segment.size } else { dirty += segment.size }
        }
        // Pass 2: what compaction would remove, by the cleaner's rule.
        var compactable: Int64 = 0
        var reclaimable: Int64 = 0
        if config.isCompacted {
            for base in bases where base < uncleanable {
                let file = try FileDescriptor(path: SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.log), mode: .readOnly)
                var scanner = try LogFileScanner(file: file)
                while let batch = try scanner.next() {
                    let header = batch.header
                    let isAborted = header.isTransactional && !header.isControl
                        && (aborted[header.producerId]?.contains { header.baseOffset >= $0.first && header.baseOffset <= $0.last } ?? false)
                    if header.isControl { continue }
                    if isAborted {
                        compactable += Int64(header.recordCount)
                        reclaimable += Int64(header.totalSize)
                        continue
                    }
                    let horizonPassed = header.attributes.hasDeleteHorizon && now >= header.baseTimestamp
                    let (removed, removedBytes, sectionBytes) = try LogCleaner.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) -> (Int64, Int, Int) in
                        var walker = RawRecordWalker(section: section)
                        var removed: Int64 = 0
                        var bytes = 0
                        while let record = try LogCleaner.next(&walker, batch) {
                            let hash = record.key.map { KeyHash(UnsafeRawBufferPointer(rebasing: section[$0])) }
                            let fate = LogCleaner.retention(of: record, offset: header.baseOffset + record.offsetDelta, latestForKey: hash.flatMap { latest[$0] }, horizonPassed: horizonPassed)
                            if fate != .kept {
                                removed += 1
                                bytes += record.bytes.count
                            }
                        }
                        return (removed, bytes, section.count)
                    }
                    compactable += removed
                    if removed == Int64(header.recordCount) {
                        reclaimable += Int64(header.totalSize)
                    } else if sectionBytes > 0 {
                        let payload = header.totalSize - RecordBatchHeader.size
                        reclaimable += Int64(Double(payload) * Double(removedBytes) / Double(sectionBytes))
                    }
                }
            }
        }
        let plan = RetentionPlan(
            segments: segments.map { .init(baseOffset: $0.baseOffset, size: $0.size, maxTimestamp: $0.maxTimestamp) },
            logStartOffset: start, config: config, now: now)
        let retentionBytes = segments.prefix(min(plan.deletedSegments, segments.count)).reduce(Int64(0)) { $0 + $1.size }
        return PartitionAnalysis(
            topicPartition: topicPartition, segments: segments, logStartOffset: start, logEndOffset: end,
            distinctKeys: latest.isEmpty ? 0 : keys.estimate, recordsWithoutKey: keyless,
            firstDirtyOffset: firstDirty, cleanBytes: clean, dirtyBytes: dirty,
            compactableRecords: compactable, compactionReclaimableBytes: reclaimable,
            retention: plan, retentionReclaimableBytes: retentionBytes)
    }

    /// Analyses every partition of a data directory (optionally one topic's), reading its
    /// checkpoint files but changing nothing. `configFor` gives each partition's config.
    public static func analyze(
        dataDirectory: String, topic: String? = nil, now: Int64, configFor: (TopicPartition) -> LogConfig
    ) throws(EngineError) -> [PartitionAnalysis] {
        let cleaner = try OffsetCheckpointFile(path: dataDirectory + "/" + OffsetCheckpointFile.cleanerOffset).read()
        let starts = try OffsetCheckpointFile(path: dataDirectory + "/" + OffsetCheckpointFile.logStartOffset).read()
        var results: [PartitionAnalysis] = []
        let partitions = try FileSystem.list(dataDirectory).compactMap { name -> TopicPartition? in
            guard FileSystem.isDirectory(dataDirectory + "/" + name), let partition = TopicPartition(directoryName: name) else { return nil }
            return topic == nil || partition.topic == topic ? partition : nil
        }.sorted()
        for partition in partitions {
            results.append(try analyze(
                directory: dataDirectory + "/" + partition.directoryName, topicPartition: partition, config: configFor(partition),
                now: now, firstDirtyOffset: cleaner[partition], logStartOffset: starts[partition]))
        }
        return results
    }
}
