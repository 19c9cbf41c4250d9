import Dispatch

/// Producer state in the partition log: how appends, recovery, truncation, retention and close
/// keep `ProducerStateManager` and its snapshot files in step with the segments.
extension PartitionLog {
    /// A change to the open-transaction set, applied in batch order after the write.
    enum TransactionEvent {
        case started(producerId: Int64, firstOffset: Int64)
        case completed(ProducerAppendInfo.CompletedTransaction)
    }

    // MARK: Public view

    /// The state remembered for `producerId`, or nil if it is unknown (never seen, or expired).
    public func producerState(of producerId: Int64) -> ProducerStateEntry? {
        lock.withLock { state.producers.entry(for: producerId) }
    }

    /// Every producer the log remembers.
    public var activeProducers: [Int64: ProducerStateEntry] {
        lock.withLock { state.producers.producers }
    }

    /// The path of the producer-state snapshot taken when the segment at `baseOffset` became the
    /// active one (Kafka's snapshot that travels with a segment to tiered storage), or nil when
    /// there is none.
    public func producerSnapshotPath(forSegmentBaseOffset baseOffset: Int64) -> String? {
        lock.withLock { state.producers.hasSnapshot(at: baseOffset) ? state.producers.snapshotPath(at: baseOffset) : nil }
    }

    /// Offsets of the producer-state snapshot files, ascending.
    public var producerSnapshotOffsets: [Int64] {
        lock.withLock { state.producers.snapshotOffsets }
    }

    /// Drops producers without a batch for `producer.id.expiration.ms` (and no open transaction).
    /// The append path also does this every 10 minutes. Returns how many were dropped.
    @discardableResult
    public func removeExpiredProducers() -> Int {
        lock.withLock { state.producers.removeExpired(now: clock()) }
    }

    // MARK: Appends

    /// Checks the producer batches of one append against the producer state, before anything is
    /// written. Returns the batch that the append repeats (a client retry: nothing must be
    /// written and the original offsets are the answer), or the state changes to apply after the
    /// write.
    func planProducerState(
        _ headers: [RecordBatchHeader], batches: [AppendedBatch], bytes: UnsafeRawBufferPointer, origin: AppendOrigin
    ) throws(EngineError) -> (duplicate: ProducerStateEntry.Batch?, infos: [Int64: ProducerAppendInfo], events: [TransactionEvent]) {
        var infos: [Int64: ProducerAppendInfo] = [:]
        var events: [TransactionEvent] = []
        for (index, header) in headers.enumerated() where header.hasProducerId {
            if origin == .client, let duplicate = state.producers.duplicate(of: header) {
                return (duplicate, [:], [])
            }
            var info = infos[header.producerId] ?? state.producers.prepareUpdate(producerId: header.producerId, validates: origin == .client)
            let place = batches[index]
            let batch = UnsafeRawBufferPointer(rebasing: bytes[place.position..<(place.position + place.size)])
            if let event = try Self.producerStateChange(header, batch: batch, info: &info) { events.append(event) }
            infos[header.producerId] = info
        }
        return (nil, infos, events)
    }

    /// Applies a plan after the write: entries, open transactions, and the transaction index for
    /// aborted ones (with the last stable offset as it stands after each abort).
    func applyProducerState(_ infos: [Int64: ProducerAppendInfo], events: [TransactionEvent], now: Int64) throws(EngineError) {
        for info in infos.values { state.producers.update(info) }
        for event in events {
            switch event {
            case let .started(producerId, firstOffset):
                state.producers.transactionStarted(producerId: producerId, firstOffset: firstOffset)
            case let .completed(transaction):
                state.producers.transactionCompleted(producerId: transaction.producerId)
                if transaction.isAborted {
                    try state.active.transactionIndex.append(AbortedTransaction(
                        producerId: transaction.producerId, firstOffset: transaction.firstOffset, lastOffset: transaction.lastOffset,
                        lastStableOffset: lastStableOffsetLocked()))
                }
            }
        }
        state.producers.mapEndOffset = state.logEndOffset
        state.producers.removeExpiredIfDue(now: now)
    }

    /// One batch's effect on its producer's state (`batch` is the whole batch; a marker is decoded
    /// from it). An empty control batch (its transaction cleaned away) changes nothing, as in Kafka.
    static func producerStateChange(_ header: RecordBatchHeader, batch: UnsafeRawBufferPointer, info: inout ProducerAppendInfo) throws(EngineError) -> TransactionEvent? {
        if header.isControl {
            let records = try RecordBatch(validatedBytes: Array(batch), header: header).records()
            guard let record = records.first else { return nil }
            guard let marker = EndTransactionMarker(record: record) else {
                throw .invalidRecord("control batch at offset \(header.baseOffset) of producer \(header.producerId) holds no end-transaction marker")
            }
            return try info.appendMarker(header, marker: marker).map { .completed($0) }
        }
        return try info.appendData(header).map { .started(producerId: header.producerId, firstOffset: $0) }
    }

    // MARK: Snapshots at roll and close

    /// At a roll: the snapshot at the new segment's base offset, written under the lock without
    /// fsync and flushed in the background (as Kafka does, to keep fsync off the append path).
    func takeRollSnapshot(at offset: Int64) throws(EngineError) {
        guard !state.producers.hasSnapshot(at: offset) else { return }
        let path = try state.producers.writeSnapshot(at: offset, sync: false)
        DispatchQueue.global().async {
            // A snapshot that never reached the disk fails its CRC on load and is ignored.
            try? ProducerStateManager.syncSnapshot(at: path)
        }
    }

    /// At a clean close or after recovery: a synced snapshot at the log end, unless the latest
    /// snapshot already covers it or the log is empty.
    func takeEndSnapshot() throws(EngineError) {
        let end = state.logEndOffset
        guard end > (state.producers.snapshotOffsets.last ?? state.segments[0].baseOffset) else { return }
        try state.producers.writeSnapshot(at: end, sync: true)
    }

    // MARK: Retention and truncation

    /// Retention deleted the segments below `offset`: their snapshots are renamed `.deleted` and
    /// removed after `delayMs`, like the segments' files.
    func retireProducerSnapshots(below offset: Int64, delayMs: Int64) throws(EngineError) {
        let renamed = try state.producers.markSnapshotsForDeletion(below: offset)
        guard !renamed.isEmpty else { return }
        let remove: @Sendable () -> Void = { for path in renamed { try? FileSystem.remove(path) } }
        if delayMs == 0 {
            remove()
        } else {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(min(delayMs, Int64(Int.max / 1_000_000))))) { remove() }
        }
    }

    /// After `truncate(to:)`: snapshots above the new end go and the state is reloaded from the
    /// latest snapshot at or below it, then the log is replayed up to the new end.
    func reloadProducerState(truncatedTo newEnd: Int64) throws(EngineError) {
        try state.producers.deleteSnapshots(above: newEnd)
        // A corrupt snapshot is deleted and an older one (or the log start) used instead.
        let loaded = try state.producers.loadLatestSnapshot(atOrBelow: newEnd, now: clock()) { _ in }
        try Self.replayProducerState(into: &state.producers, segments: state.segments, from: max(loaded ?? state.logStartOffset, state.logStartOffset), to: newEnd)
    }

    // MARK: Loading

    /// Builds the producer state when the log opens (after segment recovery): stale snapshots
    /// (above the log end, below the first segment, or strays) are deleted; the latest readable
    /// snapshot is loaded (damaged ones are deleted and reported in `report.corruptSnapshots`)
    /// and the log is replayed from it to the end — so the state after a crash, open transactions
    /// included, is the one the log holds. As in Kafka, a log closed cleanly without any snapshot
    /// (written before snapshots existed) is not scanned: its state starts empty.
    static func loadProducerState(
        directory: String, segments: [Segment], logStartOffset: Int64, hadCleanShutdown: Bool, config: LogConfig, now: Int64,
        report: inout PartitionLogOpenReport
    ) throws(EngineError) -> ProducerStateManager {
        var producers = try ProducerStateManager(directory: directory, expirationMs: config.producerIdExpirationMs)
        let logEnd = segments[segments.count - 1].nextOffset
        try producers.deleteSnapshots(above: logEnd)
        try producers.removeStraySnapshots(segmentBases: segments.map(\.baseOffset))
        for offset in producers.snapshotOffsets where offset < segments[0].baseOffset { try producers.deleteSnapshot(at: offset) }
        if producers.snapshotOffsets.isEmpty && hadCleanShutdown {
            producers.mapEndOffset = logEnd
            return producers
        }
        var corrupt: [EngineError] = []
        let loaded = try producers.loadLatestSnapshot(atOrBelow: logEnd, now: now) { corrupt.append($0) }
        report.corruptSnapshots += corrupt
        try replayProducerState(into: &producers, segments: segments, from: max(loaded ?? logStartOffset, logStartOffset), to: logEnd)
        return producers
    }

    /// Folds the batches of [from, to) into `producers` without validation (they were accepted
    /// when first appended).
    static func replayProducerState(into producers: inout ProducerStateManager, segments: [Segment], from: Int64, to: Int64) throws(EngineError) {
        defer { producers.mapEndOffset = to }
        guard from < to else { return }
        for segment in segments where segment.nextOffset > from && segment.baseOffset < to && segment.size > 0 {
            let start = segment.baseOffset >= from ? 0 : (try segment.translateOffset(from)?.position ?? segment.size)
            var scanner = try LogFileScanner(file: segment.log, from: start, end: segment.size, validateCRC: false)
            while let batch = try scanner.next() {
                let header = batch.header
                if header.baseOffset >= to { break }
                guard header.lastOffset >= from, header.hasProducerId else { continue }
                var info = producers.prepareUpdate(producerId: header.producerId, validates: false)
                let change = try producerStateChange(header, batch: batch.bytes, info: &info)
                producers.update(info)
                switch change {
                case let .started(producerId, firstOffset)?: producers.transactionStarted(producerId: producerId, firstOffset: firstOffset)
                case let .completed(transaction)?: producers.transactionCompleted(producerId: transaction.producerId)
                case nil: break
                }
            }
        }
    }
}
