/// The producer state of one partition log: an entry per producer id (see `ProducerStateEntry`),
/// the open transactions (first offset per producer, for the last stable offset and the
/// transaction index) and the snapshot files in the partition directory.
///
/// `mapEndOffset` is the offset the state is current to: every batch below it has been folded in.
/// Snapshots (`ProducerStateSnapshot`) are written when a segment rolls (at the new segment's base
/// offset) and at a clean close (at the log end); opening a log loads the latest snapshot and
/// replays the log from it. Kept: one snapshot per segment base offset plus, at most, the latest
/// one above the last segment's base (the clean-close one), as Kafka keeps them.
///
/// Producers are dropped once `producer.id.expiration.ms` has passed since their last batch's
/// timestamp, unless a transaction of theirs is open.
///
/// Concurrency: a value type owned by `PartitionLog.State`, so confined to the log's lock.
struct ProducerStateManager {
    /// How often the append path drops expired producers (Kafka's
    /// `producer.id.expiration.check.interval.ms` default).
    static let expirationCheckIntervalMs: Int64 = 600_000

    let directory: String
    var expirationMs: Int64
    private(set) var producers: [Int64: ProducerStateEntry] = [:]
    /// producer id → first offset of its open transaction.
    private(set) var openTransactions: [Int64: Int64] = [:]
    /// Offsets of the snapshot files on disk, ascending.
    private(set) var snapshotOffsets: [Int64] = []
    var mapEndOffset: Int64 = 0
    private var lastExpirationCheckMs: Int64 = Int64.min

    /// Lists the snapshot files of `directory` (their contents are read by `loadLatestSnapshot`).
    init(directory: String, expirationMs: Int64) throws(EngineError) {
        self.directory = directory
        self.expirationMs = expirationMs
        snapshotOffsets = try FileSystem.list(directory).compactMap(ProducerStateSnapshot.offset(ofFileNamed:)).sorted()
    }

    func entry(for producerId: Int64) -> ProducerStateEntry? { producers[producerId] }

    /// The last offset of each remembered producer's last data batch.
    var lastDataOffsets: [Int64: Int64] { producers.compactMapValues { $0.lastDataOffset >= 0 ? $0.lastDataOffset : nil } }

    /// The first offset of the oldest open transaction: the last stable offset cannot pass it.
    var firstUnstableOffset: Int64? { openTransactions.values.min() }

    /// A remembered batch that `header` repeats (same producer, epoch and sequence range).
    func duplicate(of header: RecordBatchHeader) -> ProducerStateEntry.Batch? {
        guard let entry = producers[header.producerId] else { return nil }
        let last = ProducerStateEntry.incrementSequence(header.baseSequence, by: header.lastOffsetDelta)
        return entry.duplicate(epoch: header.producerEpoch, firstSequence: header.baseSequence, lastSequence: last)
    }

    func prepareUpdate(producerId: Int64, validates: Bool) -> ProducerAppendInfo {
        ProducerAppendInfo(producerId: producerId, current: producers[producerId], validates: validates)
    }

    /// Folds in what an append did for one producer (after the bytes were written).
    mutating func update(_ info: ProducerAppendInfo) {
        if producers[info.producerId] != nil {
            producers[info.producerId]!.update(from: info.updated)
        } else {
            producers[info.producerId] = info.updated
        }
    }

    mutating func transactionStarted(producerId: Int64, firstOffset: Int64) {
        openTransactions[producerId] = firstOffset
    }

    mutating func transactionCompleted(producerId: Int64) {
        openTransactions[producerId] = nil
    }

    /// Forgets every producer (the snapshots on disk stay).
    mutating func clear() {
        producers.removeAll()
        openTransactions.removeAll()
    }

    func isExpired(_ entry: ProducerStateEntry, now: Int64) -> Bool {
        entry.currentTransactionFirstOffset == nil && now - entry.lastTimestamp >= expirationMs
    }

    /// Drops producers idle for `producer.id.expiration.ms`. Returns how many went.
    @discardableResult
    mutating func removeExpired(now: Int64) -> Int {
        lastExpirationCheckMs = now
        let before = producers.count
        producers = producers.filter { !isExpired($0.value, now: now) }
        return before - producers.count
    }

    /// Runs `removeExpired` when the check interval has passed since the last run (the first call
    /// only starts the interval, as Kafka's scheduled check first runs one interval after start).
    mutating func removeExpiredIfDue(now: Int64) {
        guard lastExpirationCheckMs != Int64.min else { lastExpirationCheckMs = now; return }
        if now - lastExpirationCheckMs >= min(Self.expirationCheckIntervalMs, expirationMs) { removeExpired(now: now) }
    }

    // MARK: Snapshot files

    func snapshotPath(at offset: Int64) -> String { ProducerStateSnapshot.path(directory: directory, offset: offset) }

    func hasSnapshot(at offset: Int64) -> Bool { binarySearch(offset).found }

    /// Writes the current state as the snapshot at `offset` (replacing one already there).
    /// Without `sync` the caller must fsync it later (`syncSnapshot`) before relying on it.
    @discardableResult
    mutating func writeSnapshot(at offset: Int64, sync: Bool) throws(EngineError) -> String {
        let path = snapshotPath(at: offset)
        let bytes = ProducerStateSnapshot(entries: Array(producers.values)).encode()
        let file = try FileDescriptor(path: path, mode: .createReadWrite)
        try file.truncate(to: 0)
        try bytes.withEngineBytes { (raw) throws(EngineError) in try file.write(raw, at: 0) }
        if sync { try file.sync() }
        let (index, found) = binarySearch(offset)
        if !found { snapshotOffsets.insert(offset, at: index) }
        return path
    }

    /// fsyncs a snapshot written without `sync` (off the append path).
    static func syncSnapshot(at path: String) throws(EngineError) {
        try FileDescriptor(path: path, mode: .readOnly).sync()
    }

    /// Replaces the state with the latest readable snapshot at or below `limit`. A snapshot that
    /// fails its checks is deleted and reported through `corrupt`, and the next older one is tried.
    /// Producers already expired at `now` are not loaded. Returns the snapshot's offset, or nil
    /// when none could be loaded (the state is then empty).
    mutating func loadLatestSnapshot(atOrBelow limit: Int64, now: Int64, corrupt: (EngineError) -> Void) throws(EngineError) -> Int64? {
        clear()
        for offset in snapshotOffsets.reversed() where offset <= limit {
            let path = snapshotPath(at: offset)
            do throws(EngineError) {
                let snapshot = try ProducerStateSnapshot(decoding: try FileSystem.readFile(path), file: path)
                for entry in snapshot.entries where !isExpired(entry, now: now) {
                    producers[entry.producerId] = entry
                    if let first = entry.currentTransactionFirstOffset { openTransactions[entry.producerId] = first }
                }
                mapEndOffset = offset
                return offset
            } catch {
                if case .io = error, FileSystem.exists(path) { throw error }
                corrupt(error)
                try deleteSnapshot(at: offset)
            }
        }
        return nil
    }

    func latestSnapshotOffset(atOrBelow limit: Int64) -> Int64? {
        snapshotOffsets.last { $0 <= limit }
    }

    mutating func deleteSnapshot(at offset: Int64) throws(EngineError) {
        try FileSystem.remove(snapshotPath(at: offset))
        let (index, found) = binarySearch(offset)
        if found { snapshotOffsets.remove(at: index) }
    }

    /// Deletes the snapshots above `offset` (a truncated log's end).
    mutating func deleteSnapshots(above offset: Int64) throws(EngineError) {
        for doomed in snapshotOffsets where doomed > offset { try deleteSnapshot(at: doomed) }
    }

    /// Deletes every snapshot.
    mutating func deleteAllSnapshots() throws(EngineError) {
        for doomed in snapshotOffsets { try deleteSnapshot(at: doomed) }
    }

    /// Renames the snapshots below `offset` (those of segments retention deleted) with the
    /// `.deleted` suffix and forgets them; returns the new paths, to remove after the delay.
    mutating func markSnapshotsForDeletion(below offset: Int64) throws(EngineError) -> [String] {
        var renamed: [String] = []
        while let first = snapshotOffsets.first, first < offset {
            let path = snapshotPath(at: first)
            if FileSystem.exists(path) {
                try FileSystem.rename(path, path + SegmentFileName.deletedSuffix)
                renamed.append(path + SegmentFileName.deletedSuffix)
            }
            snapshotOffsets.removeFirst()
        }
        return renamed
    }

    /// Deletes snapshots that match no segment base offset, except the latest of them when it lies
    /// above every segment (the snapshot a clean close wrote at the log end), as Kafka does on load.
    mutating func removeStraySnapshots(segmentBases: [Int64]) throws(EngineError) {
        let bases = Set(segmentBases)
        let strays = snapshotOffsets.filter { !bases.contains($0) }
        guard let latest = strays.last else { return }
        for stray in strays.dropLast() { try deleteSnapshot(at: stray) }
        if latest <= (segmentBases.max() ?? Int64.min) { try deleteSnapshot(at: latest) }
    }

    private func binarySearch(_ offset: Int64) -> (index: Int, found: Bool) {
        var low = 0
        var high = snapshotOffsets.count
        while low < high {
            let mid = (low + high) / 2
            if snapshotOffsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return (low, low < snapshotOffsets.count && snapshotOffsets[low] == offset)
    }
}
