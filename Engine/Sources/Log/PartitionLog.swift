import Dispatch

/// One partition's log: an ordered list of segments in `<log.dir>/<topic>-<partition>/`, the last
/// of which takes appends, plus the offsets that bound it.
///
/// ```
/// log start offset ≤ high watermark ≤ log end offset
///   first readable     committed         next offset to assign
/// recovery point ≤ log end offset: everything below it is known to be on stable storage
/// ```
///
/// Concurrency: every public method may be called from any thread; one lock serialises them.
/// Reads return file regions that stay valid after the lock is released, even if the segment is
/// later deleted, because a region holds its file open.
public final class PartitionLog: @unchecked Sendable {
    public let topicPartition: TopicPartition
    public let directory: String
    let lock = EngineLock()
    let clock: @Sendable () -> Int64

    var state: State

    struct State {
        var config: LogConfig
        /// Sorted by base offset; never empty; the last one is active.
        var segments: [Segment]
        var logStartOffset: Int64
        var highWatermark: Int64
        var recoveryPoint: Int64
        var unflushedMessages: Int64 = 0
        var lastFlushMs: Int64
        var epochs: LeaderEpochCache
        /// Each idempotent/transactional producer's state, its open transactions (for the last
        /// stable offset and the transaction index) and the snapshot files.
        var producers: ProducerStateManager
        var closed = false

        var active: Segment { segments[segments.count - 1] }
        var logEndOffset: Int64 { active.nextOffset }
    }

    /// Called after each append with the new log end offset (the broker wakes long-polling fetches).
    public var appendListener: (@Sendable (Int64) -> Void)? {
        get { lock.withLock { listener } }
        set { lock.withLock { listener = newValue } }
    }
    private var listener: (@Sendable (Int64) -> Void)?

    /// The last offset whose segment is confirmed durable in the remote store (its metadata too),
    /// or -1. With `remote.storage.enable`, local retention deletes only segments at or below it.
    /// Not persisted here: the remote log manager sets it from its own durable metadata on start,
    /// and until then nothing uploaded is deleted locally, which is the safe direction.
    public var highestOffsetInRemoteStorage: Int64 {
        get { lock.withLock { uploadedOffset } }
        set { lock.withLock { uploadedOffset = max(uploadedOffset, newValue) } }
    }
    var uploadedOffset: Int64 = -1

    init(topicPartition: TopicPartition, directory: String, state: State, clock: @escaping @Sendable () -> Int64) {
        self.topicPartition = topicPartition
        self.directory = directory
        self.state = state
        self.clock = clock
    }

    /// Milliseconds since the epoch from the system clock.
    public static let systemClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    // MARK: Offsets

    public var logStartOffset: Int64 { lock.withLock { state.logStartOffset } }
    public var logEndOffset: Int64 { lock.withLock { state.logEndOffset } }
    public var highWatermark: Int64 { lock.withLock { state.highWatermark } }
    public var recoveryPoint: Int64 { lock.withLock { state.recoveryPoint } }
    public var config: LogConfig { lock.withLock { state.config } }
    public var leaderEpochs: [LeaderEpochCache.Entry] { lock.withLock { state.epochs.entries } }
    public var latestLeaderEpoch: Int32? { lock.withLock { state.epochs.latestEpoch } }

    /// The last stable offset: below it, every transaction is decided (read_committed bound).
    public var lastStableOffset: Int64 { lock.withLock { lastStableOffsetLocked() } }

    func lastStableOffsetLocked() -> Int64 {
        min(state.producers.firstUnstableOffset ?? Int64.max, state.highWatermark)
    }

    /// Moves the high watermark, clamped to [log start offset, log end offset]. Returns the value set.
    @discardableResult
    public func updateHighWatermark(_ offset: Int64) -> Int64 {
        lock.withLock {
            state.highWatermark = min(max(offset, state.logStartOffset), state.logEndOffset)
            return state.highWatermark
        }
    }

    /// Applies new topic configs; they take effect from the next append or roll.
    public func updateConfig(_ config: LogConfig) {
        lock.withLock { state.config = config }
    }

    /// End offset of a leader epoch, as OffsetForLeaderEpoch answers.
    public func endOffset(forLeaderEpoch epoch: Int32) -> (epoch: Int32, endOffset: Int64)? {
        lock.withLock { state.epochs.endOffset(for: epoch, logEndOffset: state.logEndOffset) }
    }

    /// A snapshot of the segments, oldest first, for retention, the cleaner, tiering and tools.
    public var segmentInfos: [SegmentInfo] {
        lock.withLock {
            state.segments.map {
                SegmentInfo(baseOffset: $0.baseOffset, nextOffset: $0.nextOffset, size: $0.size, logPath: $0.logPath, maxTimestamp: $0.maxTimestampSoFar?.timestamp)
            }
        }
    }

    /// Bytes in all segments.
    public var size: Int64 { lock.withLock { state.segments.reduce(0) { $0 + $1.size } } }

    // MARK: Flush and close

    /// fsyncs every segment holding data above the recovery point, then moves the recovery point to
    /// the log end offset.
    public func flush() throws(EngineError) {
        try lock.withLock { () throws(EngineError) in try flushLocked() }
    }

    func flushLocked() throws(EngineError) {
        let end = state.logEndOffset
        guard state.recoveryPoint < end || state.unflushedMessages > 0 else { return }
        for segment in state.segments where segment.nextOffset > state.recoveryPoint || segment === state.active {
            try segment.flush()
        }
        state.recoveryPoint = end
        state.unflushedMessages = 0
        state.lastFlushMs = clock()
    }

    /// Flushes when `flush.ms` has passed since the last flush (the log manager's scheduler calls this).
    public func flushIfDue() throws(EngineError) {
        try lock.withLock { () throws(EngineError) in
            guard state.config.flushMs != Int64.max, state.unflushedMessages > 0,
                  clock() - state.lastFlushMs >= state.config.flushMs else { return }
            try flushLocked()
        }
    }

    /// Flushes and trims the active segment's indexes, so the next open needs no recovery.
    public func close() throws(EngineError) {
        try lock.withLock { () throws(EngineError) in
            guard !state.closed else { return }
            try flushLocked()
            try takeEndSnapshot()
            try state.active.onBecomeInactive()
            try state.active.flush()
            state.closed = true
        }
    }

    /// Closes the log for deletion: appends fail from now on, and nothing is flushed or
    /// checkpointed, since the files are about to be removed (Kafka, too, deletes a topic's logs
    /// without flushing them). Dirty pages of unlinked files are dropped by the kernel, not
    /// written. Readers holding a segment keep their descriptors until they let go of it.
    public func discard() {
        lock.withLock { state.closed = true }
    }

    /// Flushes segments below `offset` off the append path (after a roll), then advances the
    /// recovery point, as Kafka does when a segment rolls.
    func scheduleFlush(upTo offset: Int64, segments: [Segment]) {
        DispatchQueue.global().async { [self] in
            do {
                for segment in segments { try segment.flush() }
                lock.withLock {
                    if state.recoveryPoint < offset && offset <= state.logEndOffset { state.recoveryPoint = offset }
                }
            } catch {
                // The data stays in the page cache; the next flush or recovery covers it.
            }
        }
    }

    func notifyAppend(_ end: Int64) {
        listener?(end)
    }
}

/// What a snapshot of the segment list says about one segment.
public struct SegmentInfo: Equatable, Sendable {
    public var baseOffset: Int64
    public var nextOffset: Int64
    public var size: Int64
    public var logPath: String
    public var maxTimestamp: Int64?
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
