/// Log compaction (`cleanup.policy=compact`): keeps the latest record per key, as a pipeline of
/// passes over one log:
///
/// 1. snapshot — the clean/dirty/uncleanable ranges and the segments below the active one;
/// 2. map — scan the dirty section into a bounded `CleanerOffsetMap` (key hash → latest offset),
///    stopping early when the map fills (the rest waits for the next pass);
/// 3. group — consecutive segments whose sizes add up to at most `segment.bytes`;
/// 4. rewrite — per group, a `.cleaned` segment holding every batch with only the records to keep:
///    records superseded by a later offset for their key, records of aborted transactions,
///    tombstones and markers past their delete horizon go; offsets never change; a producer's
///    last data batch stays, empty if none of its records do;
/// 5. swap — `.cleaned` → `.swap` → live, old segments → `.deleted`, under the log's lock, in an
///    order that recovery can finish from any crash point (see `PartitionLog.open`).
///
/// Appends continue while a pass runs: it touches only segments below the active one and checks,
/// at the swap, that the log still holds the segments it read.
public struct LogCleaner: Sendable {
    public var config: CleanerConfig
    /// Checked between batches; a cancelled pass ends without swapping (see `CleanerCancellation`).
    public var cancellation: CleanerCancellation?

    public init(config: CleanerConfig = CleanerConfig(), cancellation: CleanerCancellation? = nil) {
        self.config = config
        self.cancellation = cancellation
    }

    /// Runs one pass. `firstDirtyOffset` is the cleaner checkpoint (nil: clean from the start).
    /// `progress` is told bytes done and bytes to do.
    public func clean(
        _ log: PartitionLog, firstDirtyOffset: Int64?, progress: ((Int64, Int64) -> Void)? = nil
    ) throws(EngineError) -> CleanResult {
        let snapshot = log.cleaningSnapshot(firstDirtyOffset: firstDirtyOffset)
        let range = snapshot.range
        var result = CleanResult(nextDirtyOffset: range.firstDirtyOffset)
        result.segmentsBefore = snapshot.segments.count
        guard range.firstDirtyOffset < range.firstUncleanableOffset else { return result }
        var throttler = Throttler(bytesPerSecond: config.ioMaxBytesPerSecond)
        let total = snapshot.segments.reduce(Int64(0)) { $0 + $1.size } * 2
        var done: Int64 = 0
        var scratch: [UInt8] = []

        // Pass 2: the offset map over the dirty section.
        let dirtyRecords = try Self.recordCount(snapshot.segments, from: range.firstDirtyOffset, below: range.firstUncleanableOffset)
        let map = CleanerOffsetMap(memoryBytes: config.dedupeBufferBytes, loadFactor: config.loadFactor, expectedKeys: dirtyRecords)
        var covered = true
        var mapEnd = range.firstDirtyOffset
        var pending: [(KeyHash, Int64)] = []
        scan: for segment in snapshot.segments where segment.nextOffset > range.firstDirtyOffset && segment.baseOffset < range.firstUncleanableOffset {
            var scanner = try LogFileScanner(file: segment.log, end: segment.size)
            while let batch = try scanner.next() {
                let header = batch.header
                if header.lastOffset < range.firstDirtyOffset { continue }
                if header.baseOffset >= range.firstUncleanableOffset { break scan }
                if cancellation?.isCancelled == true {
                    result.coveredAllDirty = false
                    result.nextDirtyOffset = range.firstDirtyOffset
                    return result
                }
                if map.count > 0 && map.count + Int(header.recordCount) > map.maxEntries {
                    covered = false
                    break scan
                }
                if !header.isControl && !snapshot.isAborted(header) {
                    try Self.withRecords(batch, scratch: &scratch) { (section) throws(EngineError) in
                        // Hash the batch's keys and prefetch their slots first, then update: the
                        // map's cache misses then overlap instead of queueing one by one.
                        pending.removeAll(keepingCapacity: true)
                        var walker = RawRecordWalker(section: section)
                        while let record = try Self.next(&walker, batch) {
                            let offset = header.baseOffset + record.offsetDelta
                            if let key = record.key, offset >= range.firstDirtyOffset {
                                let hash = KeyHash(UnsafeRawBufferPointer(rebasing: section[key]))
                                map.prefetch(hash)
                                pending.append((hash, offset))
                            }
                        }
                        for (hash, offset) in pending { map.put(hash, offset: offset) }
                    }
                }
                mapEnd = header.nextOffset
                done += Int64(header.totalSize)
                throttler.record(header.totalSize)
            }
        }
        CrashPoint.reached("cleaner-map-built")
        let upperBound = covered ? range.firstUncleanableOffset : mapEnd
        result.nextDirtyOffset = upperBound
        result.coveredAllDirty = covered
        result.mapEntries = map.count
        result.mapBytes = map.memoryBytes
        progress?(done, total)

        // Passes 3–5, group by group, from the log start up to the end of the mapped section.
        let now = log.clock()
        let candidates = snapshot.segments.filter { $0.baseOffset < upperBound }
        var openTransactions: [Int64: Int] = [:]
        for group in Self.groups(candidates, maxBytes: snapshot.config.segmentBytes) {
            let cleaned = try Segment.create(
                directory: log.directory, baseOffset: group[0].baseOffset, config: snapshot.config, now: now, fileSuffix: SegmentFileName.cleanedSuffix)
            var output: [UInt8] = []
            var placed: [AppendedBatch] = []
            var keptAborts = Set<Int64>()
            var kept: [RawRecord] = []
            for segment in group {
                var scanner = try LogFileScanner(file: segment.log, end: segment.size)
                while let batch = try scanner.next() {
                    let header = batch.header
                    result.bytesRead += Int64(header.totalSize)
                    result.recordsRead += Int64(header.recordCount)
                    let before = output.count
                    let decision = try Self.filter(
                        batch, map: map, snapshot: snapshot, now: now, openTransactions: &openTransactions,
                        kept: &kept, output: &output, scratch: &scratch, result: &result)
                    if decision == .keptAbortMarker { keptAborts.insert(header.lastOffset) }
                    if output.count > before {
                        placed.append(AppendedBatch(position: before, size: output.count - before, lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp))
                    }
                    if output.count >= 1 << 20 { try Self.flush(&output, &placed, to: cleaned, result: &result, throttler: &throttler) }
                    done += Int64(header.totalSize)
                    throttler.record(header.totalSize)
                }
                progress?(done, total)
            }
            try Self.flush(&output, &placed, to: cleaned, result: &result, throttler: &throttler)
            if cancellation?.isCancelled == true {
                try cleaned.deleteFiles()
                result.coveredAllDirty = false
                result.nextDirtyOffset = range.firstDirtyOffset  // the rest stays dirty: clean it next time
                break
            }
            for segment in group {
                for aborted in segment.transactionIndex.entries where keptAborts.contains(aborted.lastOffset) {
                    try cleaned.transactionIndex.append(aborted)
                }
            }
            try cleaned.onBecomeInactive()
            try cleaned.flush()
            CrashPoint.reached("cleaner-cleaned-written")
            if try !log.replaceSegments(group, with: cleaned) {
                try cleaned.deleteFiles()
                result.coveredAllDirty = false
                result.nextDirtyOffset = range.firstDirtyOffset
                break
            }
        }
        result.segmentsAfter = log.segmentInfos.count - 1
        return result
    }

    enum Decision { case dropped, kept, rewritten, keptAbortMarker }

    /// The fate of one data record in a compacted log.
    public enum RecordFate: Equatable, Sendable { case kept, superseded, expiredTombstone }

    /// The cleaner's rule for one record, shared with `LogAnalyzer`: a record goes when a later
    /// offset holds its key; a tombstone also goes once its batch's delete horizon has passed.
    static func retention(of record: RawRecord, offset: Int64, latestForKey latest: Int64?, horizonPassed: Bool) -> RecordFate {
        if let latest, latest > offset { return .superseded }
        if record.hasNullValue && horizonPassed { return .expiredTombstone }
        return .kept
    }

    /// Decides what happens to one batch and appends what stays to `output`.
    private static func filter(
        _ batch: LogFileScanner.Batch, map: CleanerOffsetMap, snapshot: CleaningSnapshot, now: Int64,
        openTransactions: inout [Int64: Int], kept: inout [RawRecord], output: inout [UInt8], scratch: inout [UInt8],
        result: inout CleanResult
    ) throws(EngineError) -> Decision {
        let header = batch.header
        let horizonPassed = header.attributes.hasDeleteHorizon && now >= header.baseTimestamp
        let newHorizon = snapshot.config.deleteRetentionMs > Int64.max - now ? Int64.max : now + snapshot.config.deleteRetentionMs
        if header.isControl {
            let isAbort = try withRecords(batch, scratch: &scratch) { (section) throws(EngineError) -> Bool in
                var walker = RawRecordWalker(section: section)
                guard let record = try next(&walker, batch), let key = record.key, key.count >= 4 else { return false }
                return section.loadBigEndian(at: key.lowerBound + 2, as: Int16.self) == EndTransactionMarker.Kind.abort.rawValue
            }
            let empty = (openTransactions.removeValue(forKey: header.producerId) ?? 0) == 0
            if horizonPassed && (isAbort || empty) {
                result.markersRemoved += 1
                result.recordsRemoved += Int64(header.recordCount)
                return .dropped
            }
            if !header.attributes.hasDeleteHorizon {
                try withRecords(batch, scratch: &scratch) { (section) throws(EngineError) in
                    var walker = RawRecordWalker(section: section)
                    var records: [RawRecord] = []
                    while let record = try next(&walker, batch) { records.append(record) }
                    var buffer: [UInt8] = []
                    try BatchRewriter.rewrite(header: header, section: section, keep: records, horizon: newHorizon, into: &output, scratch: &buffer)
                }
            } else {
                output.append(contentsOf: batch.bytes)
            }
            return isAbort ? .keptAbortMarker : .kept
        }
        if snapshot.isAborted(header) {
            result.recordsRemoved += Int64(header.recordCount)
            return snapshot.isLastBatchOfProducer(header) ? retainEmpty(batch, into: &output) : .dropped
        }
        return try withRecords(batch, scratch: &scratch) { (section) throws(EngineError) -> Decision in
            kept.removeAll(keepingCapacity: true)
            // As in the map pass: hash and prefetch every key of the batch, then look them up.
            var records: [(RawRecord, KeyHash?)] = []
            records.reserveCapacity(Int(header.recordCount))
            var walker = RawRecordWalker(section: section)
            while let record = try next(&walker, batch) {
                let hash = record.key.map { KeyHash(UnsafeRawBufferPointer(rebasing: section[$0])) }
                if let hash { map.prefetch(hash) }
                records.append((record, hash))
            }
            var total = 0
            var tombstones = 0
            for (record, hash) in records {
                total += 1
                let latest = hash.flatMap { map.get($0) }
                switch retention(of: record, offset: header.baseOffset + record.offsetDelta, latestForKey: latest, horizonPassed: horizonPassed) {
                case .superseded: continue
                case .expiredTombstone:
                    result.tombstonesRemoved += 1
                    continue
                case .kept: break
                }
                if record.hasNullValue { tombstones += 1 }
                kept.append(record)
            }
            result.recordsRemoved += Int64(total - kept.count)
            if header.isTransactional && !kept.isEmpty { openTransactions[header.producerId, default: 0] += kept.count }
            if kept.isEmpty { return snapshot.isLastBatchOfProducer(header) ? retainEmpty(batch, into: &output) : .dropped }
            let needsHorizon = tombstones > 0 && !header.attributes.hasDeleteHorizon
            if kept.count == total && !needsHorizon {
                output.append(contentsOf: batch.bytes)
                return .kept
            }
            var buffer: [UInt8] = []
            try BatchRewriter.rewrite(
                header: header, section: section, keep: kept, horizon: needsHorizon ? newHorizon : nil, into: &output, scratch: &buffer)
            return .rewritten
        }
    }

    /// A producer's last batch with none of its records kept: written as an empty batch (or
    /// copied, when it already is one).
    private static func retainEmpty(_ batch: LogFileScanner.Batch, into output: inout [UInt8]) -> Decision {
        if batch.header.recordCount == 0 {
            output.append(contentsOf: batch.bytes)
            return .kept
        }
        BatchRewriter.writeEmpty(header: batch.header, into: &output)
        return .rewritten
    }

    private static func flush(
        _ output: inout [UInt8], _ placed: inout [AppendedBatch], to segment: Segment, result: inout CleanResult, throttler: inout Throttler
    ) throws(EngineError) {
        guard !output.isEmpty else { return }
        try output.withEngineBytes { (raw) throws(EngineError) in try segment.append(raw, batches: placed) }
        result.bytesWritten += Int64(output.count)
        throttler.record(output.count)
        output.removeAll(keepingCapacity: true)
        placed.removeAll(keepingCapacity: true)
    }

    /// Consecutive segments whose sizes add up to at most `maxBytes` (and whose offsets fit one
    /// segment's 32-bit relative offsets) become one cleaned segment.
    static func groups(_ segments: [Segment], maxBytes: Int) -> [[Segment]] {
        let bounds = groupBounds(segments.map { ($0.baseOffset, $0.nextOffset, $0.size) }, maxBytes: maxBytes)
        return bounds.map { Array(segments[$0]) }
    }

    /// How many cleaned segments `groups` makes of segments with these (base offset, next offset,
    /// size) facts: what `strata tune simulate` predicts.
    public static func groupCount(sizes: [(Int64, Int64, Int64)], maxBytes: Int) -> Int {
        groupBounds(sizes, maxBytes: maxBytes).count
    }

    private static func groupBounds(_ facts: [(base: Int64, next: Int64, size: Int64)], maxBytes: Int) -> [Range<Int>] {
        var bounds: [Range<Int>] = []
        var start = 0
        var size: Int64 = 0
        for (index, segment) in facts.enumerated() {
            if index > start, size + segment.size > Int64(maxBytes) || segment.next - facts[start].base > Int64(Int32.max) {
                bounds.append(start..<index)
                start = index
                size = 0
            }
            size += segment.size
        }
        if start < facts.count { bounds.append(start..<facts.count) }
        return bounds
    }

    /// Records in the dirty section, from batch headers: the most keys the offset map can receive,
    /// so it is sized to the work rather than to the whole buffer. It reads with the scanner's
    /// large sequential reads (a cold disk serves small header reads one by one), which also
    /// leaves the section in the page cache for the map pass.
    static func recordCount(_ segments: [Segment], from first: Int64, below end: Int64) throws(EngineError) -> Int {
        var records = 0
        for segment in segments where segment.nextOffset > first && segment.baseOffset < end {
            var scanner = try LogFileScanner(
                file: segment.log, from: segment.offsetIndex.lookup(first).position, end: segment.size, validateCRC: false)
            while let batch = try scanner.next() {
                if batch.header.baseOffset >= end { break }
                if batch.header.lastOffset >= first { records += Int(batch.header.recordCount) }
            }
        }
        return records
    }

    /// Gives `body` the batch's uncompressed records section (decompressing into `scratch` if needed).
    static func withRecords<T>(
        _ batch: LogFileScanner.Batch, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws(EngineError) -> T
    ) throws(EngineError) -> T {
        let payload = UnsafeRawBufferPointer(rebasing: batch.bytes[RecordBatchHeader.size...])
        guard let codec = batch.header.attributes.compression, codec != .none else { return try body(payload) }
        scratch.removeAll(keepingCapacity: true)
        do {
            try codec.decompress(payload, into: &scratch, limit: RecordBatch.defaultDecompressionLimit)
        } catch {
            throw .corruptBatch(file: nil, position: batch.position, reason: "records do not decompress: \(error)")
        }
        return try scratch.withEngineBytes(body)
    }

    static func next(_ walker: inout RawRecordWalker, _ batch: LogFileScanner.Batch) throws(EngineError) -> RawRecord? {
        do {
            return try walker.next()
        } catch {
            throw .corruptBatch(file: nil, position: batch.position, reason: "record at byte \(error.position) of the records section: \(error.reason)")
        }
    }
}
