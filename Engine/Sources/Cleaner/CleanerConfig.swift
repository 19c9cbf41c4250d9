/// Broker-wide cleaner settings (Kafka's `log.cleaner.*` names and defaults).
public struct CleanerConfig: Equatable, Sendable {
    /// `log.cleaner.dedupe.buffer.size`: memory for the key → offset map. Default 128 MiB.
    public var dedupeBufferBytes: Int = 134_217_728
    /// `log.cleaner.io.buffer.load.factor`: how full the map may get. Default 0.9.
    public var loadFactor: Double = 0.9
    /// `log.cleaner.io.max.bytes.per.second`: read+write throttle. Default unlimited.
    public var ioMaxBytesPerSecond: Double = .infinity

    public init(dedupeBufferBytes: Int = 134_217_728, loadFactor: Double = 0.9, ioMaxBytesPerSecond: Double = .infinity) {
        self.dedupeBufferBytes = dedupeBufferBytes
        self.loadFactor = loadFactor
        self.ioMaxBytesPerSecond = ioMaxBytesPerSecond
    }
}

/// What one cleaning pass did.
public struct CleanResult: Equatable, Sendable {
    /// The first offset the next pass treats as dirty (the cleaner checkpoint).
    public var nextDirtyOffset: Int64
    public var bytesRead: Int64 = 0
    public var bytesWritten: Int64 = 0
    public var recordsRead: Int64 = 0
    public var recordsRemoved: Int64 = 0
    public var tombstonesRemoved: Int64 = 0
    public var markersRemoved: Int64 = 0
    public var segmentsBefore = 0
    public var segmentsAfter = 0
    /// Keys in the offset map, and its memory.
    public var mapEntries = 0
    public var mapBytes = 0
    /// False when the offset map filled before the dirty section ended: another pass is due.
    public var coveredAllDirty = true
}

/// Lets the broker stop a cleaning pass early (at shutdown): the pass checks it between batches
/// and, when set, ends without swapping anything, leaving the log as it was.
public final class CleanerCancellation: @unchecked Sendable {
    private let lock = EngineLock()
    private var cancelled = false

    public init() {}

    public func cancel() { lock.withLock { cancelled = true } }
    public var isCancelled: Bool { lock.withLock { cancelled } }
}
