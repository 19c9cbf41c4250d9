import Engine
import Foundation
import Logging

/// Offloads closed segments of tiered partitions (log, offset index, time index, transaction index,
/// producer-state snapshot, leader-epoch entries) (`remote.storage.enable=true`) to a remote store,
/// expires remote segments by `retention.ms` / `retention.bytes` / the log start offset, and
/// serves reads below the local log start offset (KIP-405's RemoteLogManager).
///
/// The order of durable steps is what makes crashes safe:
/// 1. the manifest records the upload as started (locally) — so its objects can be found again;
/// 2. the segment's objects are put, each confirmed by the store;
/// 3. the manifest records it finished, locally and in the store;
/// 4. only then may local retention delete the local copy (`highestOffsetInRemoteStorage`).
/// A restart deletes the objects of uploads left at step 1–2 and uploads those segments again,
/// under a new segment id, so a segment is never readable twice.
public final class RemoteLogManager: @unchecked Sendable {
    public let store: RemoteStorage
    public let config: RemoteLogManagerConfig
    public let metrics: TieringMetrics
    let logManager: LogManager
    let folderName: @Sendable (TopicPartition) -> String
    let logger: Logger
    let clock: @Sendable () -> Int64
    let reader: RemoteLogReader
    let pendingDeletions: PendingRemoteDeletions

    private let lock = NSLock()
    private var partitions: [TopicPartition: RemotePartition] = [:]
    private var timer: DispatchSourceTimer?
    private let loopQueue = DispatchQueue(label: "strata.remote-log-manager")

    /// - Parameter folderName: the folder of a partition's objects in the store; the broker passes
    ///   `<topic>-<topic id>/<partition>` so a re-created topic never meets its predecessor's data.
    public init(
        store: RemoteStorage, config: RemoteLogManagerConfig, logManager: LogManager,
        metrics: TieringMetrics = TieringMetrics(), logger: Logger = Logger(label: "strata.tiering"),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.systemClock,
        folderName: @escaping @Sendable (TopicPartition) -> String = { "\($0.topic)/\($0.partition)" }
    ) throws(TieringError) {
        self.store = store
        self.config = config
        self.logManager = logManager
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.folderName = folderName
        let cachePath = config.chunkCachePath.isEmpty ? logManager.directory + "/remote-log-cache" : config.chunkCachePath
        let cache = try RemoteChunkCache(directory: cachePath, capacityBytes: config.chunkCacheBytes, chunkSize: config.chunkSize, metrics: metrics)
        reader = RemoteLogReader(store: store, cache: cache, prefetchBytes: config.prefetchBytes, metrics: metrics)
        pendingDeletions = try PendingRemoteDeletions(directory: logManager.directory)
    }

    // MARK: Scheduling

    /// Runs a pass over every tiered partition every `remote.log.manager.task.interval.ms`.
    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: loopQueue)
        let interval = DispatchTimeInterval.milliseconds(Int(min(config.taskIntervalMs, Int64(Int32.max))))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.runOnce() }
        lock.lock(); self.timer = timer; lock.unlock()
        timer.resume()
    }

    /// Stops the schedule and waits for a pass in progress to end.
    public func stop() {
        lock.lock(); let timer = self.timer; self.timer = nil; lock.unlock()
        timer?.cancel()
        loopQueue.sync {}
    }

    /// One pass: for each tiered partition, clean up after interrupted steps, upload what is
    /// eligible, then expire. Failures are logged and counted; the next pass retries.
    public func runOnce() {
        deletePendingFolders()
        let logs = logManager.allLogs.filter { $0.config.remoteStorageEnable }
        updateLag(logs)
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: max(1, config.copierThreads))
        for log in logs {
            slots.wait()
            group.enter()
            DispatchQueue.global().async { [self] in
                defer { slots.signal(); group.leave() }
                do {
                    try pass(over: log)
                } catch {
                    metrics.add(TieringMetrics.copyErrors)
                    logger.warning("tiered storage pass over \(log.topicPartition) failed, retrying next pass: \(error)")
                }
            }
        }
        group.wait()
        updateLag(logs)
        let remoteBytes = logs.compactMap { loaded($0.topicPartition)?.manifest.sizeInBytes }.reduce(0, +)
        metrics.set(TieringMetrics.remoteLogBytes, remoteBytes)
    }

    func pass(over log: PartitionLog) throws(TieringError) {
        let partition = try remotePartition(for: log)
        partition.passLock.lock()
        defer { partition.passLock.unlock() }
        try cleanUpInterruptedSteps(partition)
        if clock() < partition.sweepOrphansUntilMs { try sweepOrphans(partition) }
        let before = partition.manifest.highestOffset
        do {
            try copyEligibleSegments(log, partition)
        } catch {
            partition.sweepOrphansUntilMs = clock() + Self.orphanSweepWindowMs
            throw error
        }
        try expire(log, partition)
        // Local copies may go as soon as they are uploaded, without waiting for the broker's
        // retention check: that is what keeps local disk under `local.retention.bytes`.
        if partition.manifest.highestOffset > before {
            do { _ = try log.applyRetention() } catch { throw .engine(error) }
        }
    }

    // MARK: Partitions

    /// The partition's remote state, loaded on first use; loading tells the log how far it is
    /// uploaded, which is what lets local retention delete uploaded segments.
    func remotePartition(for log: PartitionLog) throws(TieringError) -> RemotePartition {
        if let partition = loaded(log.topicPartition) { return partition }
        let partition = try RemotePartition.load(
            topicPartition: log.topicPartition, folder: folderName(log.topicPartition), partitionDirectory: log.directory, store: store)
        lock.lock()
        let winner = partitions[log.topicPartition] ?? partition
        partitions[log.topicPartition] = winner
        lock.unlock()
        log.highestOffsetInRemoteStorage = winner.manifest.highestOffset
        return winner
    }

    func loaded(_ topicPartition: TopicPartition) -> RemotePartition? {
        lock.lock(); defer { lock.unlock() }
        return partitions[topicPartition]
    }

    /// The manifest of a tiered partition (nil when the partition has no remote state yet).
    public func manifest(for log: PartitionLog) throws(TieringError) -> RemotePartitionManifest? {
        guard log.config.remoteStorageEnable || loaded(log.topicPartition) != nil
                || FileManager.default.fileExists(atPath: log.directory + "/" + RemotePartition.manifestFileName) else { return nil }
        return try remotePartition(for: log).manifest
    }

    /// The log start offset clients see: the remote log start while remote segments are readable,
    /// else the local one.
    public func logStartOffset(of log: PartitionLog) -> Int64 {
        let local = log.logStartOffset
        guard let manifest = try? manifest(for: log), let first = manifest.readableSegments.first(where: { $0.endOffset >= (manifest.logStartOffset ?? 0) }) else {
            return local
        }
        return min(local, max(manifest.logStartOffset ?? first.baseOffset, first.baseOffset))
    }

    // MARK: Copy

    /// Removes what interrupted uploads and deletes left behind: objects of segments still marked
    /// started, and segments marked for deletion.
    func cleanUpInterruptedSteps(_ partition: RemotePartition) throws(TieringError) {
        let leftovers = partition.manifest.segments.filter { $0.state != .copyFinished }
        guard !leftovers.isEmpty else { return }
        partition.sweepOrphansUntilMs = clock() + Self.orphanSweepWindowMs
        for segment in leftovers { try deleteObjects(of: segment, in: partition) }
        let ids = Set(leftovers.map(\.segmentId))
        try partition.update(remote: leftovers.contains { $0.state == .deleteStarted }, store: store) { manifest in
            manifest.segments.removeAll { ids.contains($0.segmentId) }
        }
    }

    /// How long after an abandoned upload each pass looks for its late objects. A request the
    /// client gave up on (timed out) may still reach the store afterwards and create an object
    /// that no manifest names; the sweep deletes such objects when they appear.
    static let orphanSweepWindowMs: Int64 = 300_000

    /// Deletes objects in the partition's folder whose segment id the manifest does not know
    /// (left by abandoned uploads). Only after an upload failed or was interrupted: listing on
    /// every pass would cost a LIST per partition per pass.
    func sweepOrphans(_ partition: RemotePartition) throws(TieringError) {
        let known = Set(partition.manifest.segments.map(\.segmentId))
        let objects: [RemoteObject]
        do { objects = try store.list(prefix: partition.folder + "/") } catch { throw .storage(error) }
        for object in objects {
            let name = object.key.dropFirst(partition.folder.count + 1)
            guard name != RemotePartition.manifestObjectName, name.count > 21 + 36, name.dropFirst(20).first == "-" else { continue }
            let id = String(name.dropFirst(21).prefix(36))
            guard !known.contains(id) else { continue }
            do { try store.delete(key: object.key) } catch { throw .storage(error) }
            logger.info("deleted orphaned remote object \(object.key) (left by an abandoned upload)")
        }
    }

    /// Uploads, in offset order, every closed segment above what is already remote whose records
    /// are all below the last stable offset.
    func copyEligibleSegments(_ log: PartitionLog, _ partition: RemotePartition) throws(TieringError) {
        let stable = log.lastStableOffset
        for segment in log.segmentInfos.dropLast() where segment.nextOffset > segment.baseOffset {
            guard segment.nextOffset - 1 > partition.manifest.highestOffset else { continue }
            guard segment.nextOffset <= stable else { break }
            try copy(segment, of: log, into: partition)
        }
    }

    func copy(_ segment: SegmentInfo, of log: PartitionLog, into partition: RemotePartition) throws(TieringError) {
        let base = String(segment.logPath.dropLast(SegmentFileName.log.count))
        var files: [(suffix: String, path: String)] = [(SegmentFileName.log, segment.logPath)]
        for suffix in [SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex]
        where FileManager.default.fileExists(atPath: base + suffix) {
            files.append((suffix, base + suffix))
        }
        // The producer state as of the segment's end: the snapshot taken when it rolled.
        if let snapshot = log.producerSnapshotPath(forSegmentBaseOffset: segment.nextOffset) {
            files.append((Self.producerSnapshotSuffix, snapshot))
        }
        let endOffset = segment.nextOffset - 1
        let epochs = Self.leaderEpochs(log.leaderEpochs, from: segment.baseOffset, through: endOffset)
        var metadata = RemoteLogSegmentMetadata(
            segmentId: UUID().uuidString.lowercased(), baseOffset: segment.baseOffset, endOffset: endOffset,
            maxTimestamp: segment.maxTimestamp ?? -1, sizeInBytes: segment.size, leaderEpochs: epochs,
            files: files.map(\.suffix) + [Self.leaderEpochSuffix], state: .copyStarted)
        try partition.update(remote: false, store: store) { $0.segments.append(metadata) }
        var uploaded: Int64 = 0
        do {
            for file in files {
                try store.put(key: metadata.key(partitionFolder: partition.folder, suffix: file.suffix), fileAt: file.path)
                uploaded += (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64 ?? 0) ?? 0
            }
            let epochBytes = Array(Self.leaderEpochCheckpoint(epochs).utf8)
            try store.put(key: metadata.key(partitionFolder: partition.folder, suffix: Self.leaderEpochSuffix), bytes: epochBytes)
        } catch {
            throw .storage(error)
        }
        metadata.state = .copyFinished
        let localStart = log.logStartOffset
        try partition.update(remote: true, store: store) { manifest in
            if let index = manifest.segments.firstIndex(where: { $0.segmentId == metadata.segmentId }) {
                manifest.segments[index] = metadata
            }
            if manifest.logStartOffset == nil { manifest.logStartOffset = max(metadata.baseOffset, localStart) }
        }
        log.highestOffsetInRemoteStorage = endOffset
        metrics.add(TieringMetrics.copyBytes, uploaded)
        metrics.add(TieringMetrics.copySegments)
        logger.info("uploaded segment \(segment.baseOffset)...\(endOffset) of \(log.topicPartition) (\(segment.size) bytes) as \(metadata.segmentId)")
    }

    static let leaderEpochSuffix = ".leader-epoch-checkpoint"
    static let producerSnapshotSuffix = ".snapshot"

    /// The epochs a segment needs: the one in force at its base offset and those starting inside it.
    static func leaderEpochs(_ entries: [LeaderEpochCache.Entry], from base: Int64, through end: Int64) -> [RemoteLogSegmentMetadata.LeaderEpochEntry] {
        var needed = entries.filter { $0.startOffset > base && $0.startOffset <= end }
        if let inForce = entries.last(where: { $0.startOffset <= base }) { needed.insert(inForce, at: 0) }
        return needed.map { .init(epoch: $0.epoch, startOffset: $0.startOffset) }
    }

    /// Kafka's `leader-epoch-checkpoint` text: version 0, the count, then `epoch startOffset` lines.
    static func leaderEpochCheckpoint(_ entries: [RemoteLogSegmentMetadata.LeaderEpochEntry]) -> String {
        "0\n\(entries.count)\n" + entries.map { "\($0.epoch) \($0.startOffset)\n" }.joined()
    }

    func deleteObjects(of segment: RemoteLogSegmentMetadata, in partition: RemotePartition) throws(TieringError) {
        for suffix in segment.files {
            do { try store.delete(key: segment.key(partitionFolder: partition.folder, suffix: suffix)) } catch { throw .storage(error) }
        }
    }

    // MARK: Expiry

    /// Applies total retention to the remote log: segments whose newest record is older than
    /// `retention.ms`, the oldest while the whole log (remote plus not-yet-uploaded local bytes)
    /// exceeds `retention.bytes`, and those wholly below the log start offset. The log start moves
    /// first, in a durable manifest, so no reader is sent to a segment being deleted.
    func expire(_ log: PartitionLog, _ partition: RemotePartition) throws(TieringError) {
        let manifest = partition.manifest
        let readable = manifest.readableSegments
        guard !readable.isEmpty else { return }
        let config = log.config
        let now = clock()
        var doomed = readable.prefix { $0.endOffset < (manifest.logStartOffset ?? 0) }.count
        if config.deletesByRetention && config.retentionMs >= 0 {
            doomed = max(doomed, readable.prefix { now - $0.maxTimestamp > config.retentionMs }.count)
        }
        if config.deletesByRetention && config.retentionBytes >= 0 {
            let localOnly = log.segmentInfos.filter { $0.baseOffset > manifest.highestOffset }.reduce(0) { $0 + $1.size }
            var excess = manifest.sizeInBytes + localOnly - config.retentionBytes
            var bySize = 0
            for segment in readable {
                guard excess - segment.sizeInBytes >= 0 else { break }
                excess -= segment.sizeInBytes
                bySize += 1
            }
            doomed = max(doomed, bySize)
        }
        guard doomed > 0 else { return }
        let victims = Array(readable.prefix(doomed))
        let ids = Set(victims.map(\.segmentId))
        let newStart = victims.last!.endOffset + 1
        try partition.update(remote: true, store: store) { manifest in
            for index in manifest.segments.indices where ids.contains(manifest.segments[index].segmentId) {
                manifest.segments[index].state = .deleteStarted
            }
            manifest.logStartOffset = max(manifest.logStartOffset ?? newStart, newStart)
        }
        // Local copies of expired offsets go too (local retention normally removed them already).
        if newStart > log.logStartOffset {
            do { _ = try logManager.deleteRecords(log.topicPartition, before: min(newStart, log.highWatermark)) } catch { throw .engine(error) }
        }
        for victim in victims { try deleteObjects(of: victim, in: partition) }
        try partition.update(remote: true, store: store) { manifest in
            manifest.segments.removeAll { ids.contains($0.segmentId) }
        }
        metrics.add(TieringMetrics.deleteSegments, Int64(victims.count))
        logger.info("expired \(victims.count) remote segment(s) of \(log.topicPartition); remote log start offset now \(newStart)")
    }

    // MARK: Admin

    /// DeleteRecords on a tiered partition: moves the log start offset (remote and local) and
    /// deletes the remote segments wholly below it. Returns the log start offset now in force.
    @discardableResult
    public func deleteRecords(of log: PartitionLog, before offset: Int64) throws(TieringError) -> Int64 {
        let partition = try remotePartition(for: log)
        partition.passLock.lock()
        defer { partition.passLock.unlock() }
        if offset > log.highWatermark {
            throw .engine(.offsetOutOfRange(offset: offset, logStartOffset: logStartOffset(of: log), logEndOffset: log.highWatermark))
        }
        try partition.update(remote: true, store: store) { manifest in
            if let start = manifest.logStartOffset, start >= offset { return }
            manifest.logStartOffset = offset
        }
        if offset > log.logStartOffset {
            do { _ = try logManager.deleteRecords(log.topicPartition, before: offset) } catch { throw .engine(error) }
        }
        try expire(log, partition)
        return logStartOffset(of: log)
    }

    // MARK: Deleted topics

    /// A topic is being deleted: records its partitions' store folders as to be emptied, saved
    /// before this returns, so call it before deleting anything local. Every object under each
    /// folder goes, also any an abandoned upload left; a folder the store cannot empty stays on
    /// the list, retried every pass and after a restart, until a listing of it comes back empty.
    public func scheduleDeletion(ofFolders folders: [String]) throws(TieringError) {
        try pendingDeletions.add(folders)
    }

    /// Starts emptying the recorded folders now, in the background, instead of at the next pass
    /// (call it once the partitions are forgotten and their logs deleted, so no pass uploads
    /// into a folder after it was emptied).
    public func deletePendingFoldersSoon() {
        loopQueue.async { [weak self] in self?.deletePendingFolders() }
    }

    /// Forgets a deleted partition's remote state, after any pass over it has ended (that pass's
    /// uploads land in a folder already scheduled for deletion).
    public func forget(_ topicPartition: TopicPartition) {
        guard let partition = loaded(topicPartition) else { return }
        partition.passLock.lock()
        defer { partition.passLock.unlock() }
        lock.lock(); partitions[topicPartition] = nil; lock.unlock()
    }

    /// Empties each pending folder; one that fails stays pending, logged, for the next pass.
    func deletePendingFolders() {
        for folder in pendingDeletions.all {
            guard RemotePartitionFolder.isValid(folder) else {
                logger.error("\(pendingDeletions.path) lists '\(folder)', not a partition folder (<topic>-<topic id>/<partition>): left alone and dropped from the list")
                try? pendingDeletions.remove(folder)
                continue
            }
            do {
                var deleted = 0
                while true {
                    let objects: [RemoteObject]
                    do { objects = try store.list(prefix: folder + "/") } catch { throw TieringError.storage(error) }
                    if objects.isEmpty { break }
                    for object in objects {
                        do { try store.delete(key: object.key) } catch { throw TieringError.storage(error) }
                        deleted += 1
                    }
                }
                try pendingDeletions.remove(folder)
                logger.info("deleted the \(deleted) remote object(s) of deleted partition folder \(folder)")
            } catch {
                logger.warning("deleting the remote objects of deleted partition folder \(folder) failed, retrying next pass: \(error)")
            }
        }
        metrics.set(TieringMetrics.deletePendingPartitions, Int64(pendingDeletions.all.count))
    }

    // MARK: Reads

    /// Reads whole batches from the remote log starting with the one holding `offset`: at most
    /// `maxBytes`, but the first batch whole even if larger when `minOneBatch`.
    ///
    /// With `readCommitted`, the result lists the aborted transactions overlapping the returned
    /// batches, as a local read_committed read does: Kafka's rule of scanning transaction indexes
    /// from the segment read onward until one entry's last stable offset reaches the end of the
    /// returned range (every transaction that overlaps it was decided by then), continuing into
    /// the local log when the remote one ends first.
    public func read(_ log: PartitionLog, from offset: Int64, maxBytes: Int, minOneBatch: Bool = true, readCommitted: Bool = false) throws(TieringError) -> RemoteReadResult {
        let manifest = try remotePartition(for: log).manifest
        let start = logStartOffset(of: log)
        guard offset >= start, let segment = manifest.segment(holding: offset) else {
            throw .offsetNotRemote(offset: offset, remoteLogStartOffset: manifest.logStartOffset, remoteEndOffset: manifest.highestOffset)
        }
        let folder = folderName(log.topicPartition)
        var result = try reader.read(segment: segment, folder: folder, from: offset, maxBytes: maxBytes, minOneBatch: minOneBatch)
        guard readCommitted, let last = result.lastOffset else { return result }
        let upperBound = last + 1
        var complete = false
        for candidate in manifest.readableSegments where candidate.endOffset >= segment.baseOffset {
            let entries = try reader.abortedTransactions(in: candidate, folder: folder)
            result.abortedTransactions += entries.filter { $0.lastOffset >= offset && $0.firstOffset < upperBound }
            if entries.contains(where: { $0.lastStableOffset >= upperBound }) {
                complete = true
                break
            }
        }
        if !complete {
            let remoteEnd = manifest.highestOffset
            result.abortedTransactions += log.abortedTransactions(from: offset, upperBound: upperBound).filter { $0.lastOffset > remoteEnd }
        }
        return result
    }

    /// The first offset whose timestamp is at or after `timestamp` in the remote log, for
    /// ListOffsets by time; nil when every remote record is older.
    public func offset(forTimestamp timestamp: Int64, of log: PartitionLog) throws(TieringError) -> (offset: Int64, timestamp: Int64)? {
        let manifest = try remotePartition(for: log).manifest
        let start = logStartOffset(of: log)
        guard let segment = manifest.readableSegments.first(where: { $0.maxTimestamp >= timestamp && $0.endOffset >= start }) else { return nil }
        return try reader.offset(forTimestamp: timestamp, in: segment, folder: folderName(log.topicPartition), atOrAfter: start)
    }

    // MARK: Metrics

    private func updateLag(_ logs: [PartitionLog]) {
        var bytes: Int64 = 0
        var segments: Int64 = 0
        for log in logs {
            let uploaded = log.highestOffsetInRemoteStorage
            for segment in log.segmentInfos.dropLast() where segment.nextOffset - 1 > uploaded && segment.size > 0 {
                bytes += segment.size
                segments += 1
            }
        }
        metrics.set(TieringMetrics.copyLagBytes, bytes)
        metrics.set(TieringMetrics.copyLagSegments, segments)
    }
}
