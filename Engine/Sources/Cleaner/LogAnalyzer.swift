/// Reads a partition directory without changing anything (no recovery, no lock, no index
/// rebuild) and computes a `PartitionAnalysis`: sizes, ages, keys, tombstones, the dirty ratio,
/// and what retention and then compaction would remove under a given config. It applies the
/// engine's own rules (`RetentionPlan`, the cleaner's ranges, `LogCleaner.retention(of:...)`,
/// `LogCleaner.groupCount`), so what it predicts is what `strata tune apply` and the broker do.
public enum LogAnalyzer {
    /// - Parameters:
    ///   - firstDirtyOffset: the cleaner checkpoint for this partition (nil: never cleaned).
    ///   - logStartOffset: from `log-start-offset-checkpoint` (nil: the first segment's base).
    ///   - highestOffsetInRemoteStorage: for tiered logs, the last offset in the remote store
    ///     (from the partition's remote log manifest): local retention deletes only below it.
    public static func analyze(
        directory: String, topicPartition: TopicPartition, config: LogConfig, now: Int64,
        firstDirtyOffset: Int64? = nil, logStartOffset: Int64? = nil, highestOffsetInRemoteStorage: Int64 = -1
    ) throws(EngineError) -> PartitionAnalysis {
        let bases = try FileSystem.list(directory).compactMap { SegmentFileName.baseOffset(of: $0, suffix: SegmentFileName.log) }.sorted()
        var segments: [PartitionAnalysis.SegmentSummary] = []
        var keys = HyperLogLog()
        var keyed: Int64 = 0
        var keyless: Int64 = 0
        var aborted: [Int64: [(first: Int64, last: Int64)]] = [:]
        // Each producer's last data batch (last offset, max timestamp): the cleaner keeps its
        // header even when none of its records stay, unless the producer has expired.
        var lastBatchOfProducer: [Int64: (lastOffset: Int64, maxTimestamp: Int64)] = [:]
        var scratch: [UInt8] = []
        // Pass 1: facts per segment and aborted transactions.
        for base in bases {
            let file = try FileDescriptor(path: logPath(directory, base), mode: .readOnly)
            var summary = PartitionAnalysis.SegmentSummary(baseOffset: base, nextOffset: base, size: try file.size(), batches: 0, records: 0, tombstones: 0)
            try forEachBatch(file) { (batch) throws(EngineError) in
                let header = batch.header
                if summary.batches == 0 { summary.firstBatchTimestamp = header.maxTimestamp }
                summary.batches += 1
                summary.records += Int64(header.recordCount)
                summary.nextOffset = header.nextOffset
                let first = header.attributes.hasDeleteHorizon ? header.maxTimestamp : header.baseTimestamp
                summary.minTimestamp = min(summary.minTimestamp ?? first, first)
                summary.maxTimestamp = max(summary.maxTimestamp ?? header.maxTimestamp, header.maxTimestamp)
                guard !header.isControl else { return }
                if header.producerId >= 0 { lastBatchOfProducer[header.producerId] = (header.lastOffset, header.maxTimestamp) }
                try LogCleaner.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) in
                    var walker = RawRecordWalker(section: section)
                    while let record = try LogCleaner.next(&walker, batch) {
                        if record.hasNullValue { summary.tombstones += 1 }
                        guard let key = record.key else { keyless += 1; continue }
                        keyed += 1
                        keys.add(hash: KeyHash(UnsafeRawBufferPointer(rebasing: section[key])).low)
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
        let plan = RetentionPlan(
            segments: segments.map { .init(baseOffset: $0.baseOffset, size: $0.size, maxTimestamp: $0.maxTimestamp) },
            logStartOffset: start, config: config, now: now, highestOffsetInRemoteStorage: highestOffsetInRemoteStorage)
        let deleted = min(plan.deletedSegments, segments.count)
        let retentionBytes = segments.prefix(deleted).reduce(Int64(0)) { $0 + $1.size }

        // The cleaner's view after retention (`PartitionLog.cleanableRangeLocked` offline).
        var compaction: PartitionAnalysis.CompactionPrediction?
        var cleanBytes: Int64 = 0
        var dirtyBytes: Int64 = 0
        let remaining = plan.rollsActive ? [] : Array(segments[deleted...])
        let remainingStart = remaining.first.map { max(start, $0.baseOffset) } ?? end
        var uncleanableIndex = max(remaining.count - 1, 0)
        if config.minCompactionLagMs > 0,
           let young = remaining.firstIndex(where: { ($0.maxTimestamp ?? Int64.min) > now - config.minCompactionLagMs }) {
            uncleanableIndex = min(uncleanableIndex, young)
        }
        let firstDirty = min(max(firstDirtyOffset ?? remainingStart, remainingStart), remaining.last?.nextOffset ?? remainingStart)
        let uncleanable = max(uncleanableIndex < remaining.count ? remaining[uncleanableIndex].baseOffset : remainingStart, firstDirty)
        let cleanable = Array(remaining.prefix(uncleanableIndex))
        var lagExceeded = false
        for segment in cleanable {
            if segment.nextOffset <= firstDirty {
                cleanBytes += segment.size
            } else {
                dirtyBytes += segment.size
                if config.maxCompactionLagMs != Int64.max, let first = segment.firstBatchTimestamp, first >= 0, now - first > config.maxCompactionLagMs {
                    lagExceeded = true
                }
            }
        }
        if config.isCompacted {
            // Pass 2: the offset map over the dirty section; pass 3: each record's fate.
            var latest: [KeyHash: Int64] = [:]
            for segment in cleanable where segment.nextOffset > firstDirty {
                try forEachBatch(try FileDescriptor(path: logPath(directory, segment.baseOffset), mode: .readOnly)) { (batch) throws(EngineError) in
                    let header = batch.header
                    guard !header.isControl, header.lastOffset >= firstDirty, !isAborted(header, aborted) else { return }
                    try LogCleaner.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) in
                        var walker = RawRecordWalker(section: section)
                        while let record = try LogCleaner.next(&walker, batch) {
                            let offset = header.baseOffset + record.offsetDelta
                            if let key = record.key, offset >= firstDirty { latest[KeyHash(UnsafeRawBufferPointer(rebasing: section[key]))] = offset }
                        }
                    }
                }
            }
            var removed: Int64 = 0
            var reclaimed: Int64 = 0
            /// What removing all of a batch's records frees: everything, or all but the header of
            /// a producer's last batch (`LogCleaner` keeps it, empty).
            func wholeBatch(_ header: RecordBatchHeader) -> Int64 {
                guard let last = lastBatchOfProducer[header.producerId], last.lastOffset == header.lastOffset,
                      last.maxTimestamp >= now - config.producerIdExpirationMs else { return Int64(header.totalSize) }
                return Int64(header.totalSize - RecordBatchHeader.size)
            }
            for segment in cleanable {
                try forEachBatch(try FileDescriptor(path: logPath(directory, segment.baseOffset), mode: .readOnly)) { (batch) throws(EngineError) in
                    let header = batch.header
                    if header.isControl { return }
                    if isAborted(header, aborted) {
                        removed += Int64(header.recordCount)
                        reclaimed += wholeBatch(header)
                        return
                    }
                    let horizonPassed = header.attributes.hasDeleteHorizon && now >= header.baseTimestamp
                    let (gone, goneBytes, sectionBytes) = try LogCleaner.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) -> (Int64, Int, Int) in
                        var walker = RawRecordWalker(section: section)
                        var gone: Int64 = 0
                        var bytes = 0
                        while let record = try LogCleaner.next(&walker, batch) {
                            let hash = record.key.map { KeyHash(UnsafeRawBufferPointer(rebasing: section[$0])) }
                            let fate = LogCleaner.retention(
                                of: record, offset: header.baseOffset + record.offsetDelta,
                                latestForKey: hash.flatMap { latest[$0] }, horizonPassed: horizonPassed)
                            if fate != .kept {
                                gone += 1
                                bytes += record.bytes.count
                            }
                        }
                        return (gone, bytes, section.count)
                    }
                    removed += gone
                    if gone == Int64(header.recordCount) {
                        reclaimed += wholeBatch(header)
                    } else if sectionBytes > 0 {
                        reclaimed += Int64(Double(header.totalSize - RecordBatchHeader.size) * Double(goneBytes) / Double(sectionBytes))
                    }
                }
            }
            let groups = LogCleaner.groupCount(sizes: cleanable.map { ($0.baseOffset, $0.nextOffset, $0.size) }, maxBytes: config.segmentBytes)
            let hasDirty = firstDirty < uncleanable && dirtyBytes > 0
            let ratio = cleanBytes + dirtyBytes == 0 ? 0 : Double(dirtyBytes) / Double(cleanBytes + dirtyBytes)
            compaction = PartitionAnalysis.CompactionPrediction(
                firstDirtyOffset: firstDirty, firstUncleanableOffset: uncleanable, cleanBytes: cleanBytes, dirtyBytes: dirtyBytes,
                maxCompactionLagExceeded: lagExceeded, heldBackByMinLag: max(remaining.count - 1 - uncleanableIndex, 0),
                cleanerPicks: hasDirty && (ratio >= config.minCleanableDirtyRatio || lagExceeded),
                recordsRemoved: hasDirty ? removed : 0, bytesReclaimed: hasDirty ? reclaimed : 0,
                segmentsAfter: hasDirty ? groups + (remaining.count - uncleanableIndex) : remaining.count)
        }
        return PartitionAnalysis(
            topicPartition: topicPartition, segments: segments, logStartOffset: start, logEndOffset: end,
            distinctKeys: keyed == 0 ? 0 : keys.estimate, recordsWithoutKey: keyless,
            firstDirtyOffset: firstDirty, cleanBytes: cleanBytes, dirtyBytes: dirtyBytes,
            compaction: compaction, retention: plan, retentionReclaimableBytes: retentionBytes)
    }

    private static func logPath(_ directory: String, _ base: Int64) -> String {
        SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.log)
    }

    private static func isAborted(_ header: RecordBatchHeader, _ aborted: [Int64: [(first: Int64, last: Int64)]]) -> Bool {
        header.isTransactional && !header.isControl
            && (aborted[header.producerId]?.contains { header.baseOffset >= $0.first && header.baseOffset <= $0.last } ?? false)
    }

    /// Every valid batch of a segment. A torn tail (as recovery would cut it: `LogTail`) ends the
    /// walk quietly, since a broker may be writing the file; real corruption is an error.
    private static func forEachBatch(_ file: FileDescriptor, _ body: (LogFileScanner.Batch) throws(EngineError) -> Void) throws(EngineError) {
        var scanner = try LogFileScanner(file: file)
        while true {
            let batch: LogFileScanner.Batch?
            do {
                batch = try scanner.next()
            } catch {
                if try LogTail.classify(file, from: scanner.position, to: scanner.end) == .corruption { throw error }
                return
            }
            guard let batch else { return }
            try body(batch)
        }
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
