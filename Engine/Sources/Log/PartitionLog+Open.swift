/// How a partition log is opened: what the data directory's checkpoints said about it.
public struct PartitionLogCheckpoints: Sendable {
    /// Offsets below this were flushed; segments from the one holding it onward are recovered.
    public var recoveryPoint: Int64 = 0
    public var logStartOffset: Int64?
    public var highWatermark: Int64?
    /// True when the previous process closed the log cleanly: nothing needs recovery.
    public var hadCleanShutdown = false

    public init(recoveryPoint: Int64 = 0, logStartOffset: Int64? = nil, highWatermark: Int64? = nil, hadCleanShutdown: Bool = false) {
        self.recoveryPoint = recoveryPoint
        self.logStartOffset = logStartOffset
        self.highWatermark = highWatermark
        self.hadCleanShutdown = hadCleanShutdown
    }
}

/// What opening a partition log did, for the log manager's report.
public struct PartitionLogOpenReport: Sendable {
    public var recoveredSegments = 0
    public var rebuiltIndexes = 0
    public var truncatedBytes: Int64 = 0
    public var deletedSegments = 0
    public var corruption: EngineError?
    /// Producer-state snapshots that failed their checks; each was deleted and the state rebuilt
    /// from an older snapshot or the log.
    public var corruptSnapshots: [EngineError] = []
}

extension PartitionLog {
    /// Opens (or creates) the log in `directory`, recovering after an unclean stop.
    ///
    /// Recovery follows Kafka: segments holding offsets at or above the recovery point are scanned,
    /// validated and re-indexed, and the log is cut after the last valid batch; older segments only
    /// get cheap index checks (a failed or missing index is rebuilt). Leftovers of interrupted
    /// deletes (`.deleted`) and cleanings (`.cleaned`) are removed, and index files whose `.log` is
    /// gone are removed; any other file is left as it is.
    public static func open(
        directory: String, topicPartition: TopicPartition, config: LogConfig,
        checkpoints: PartitionLogCheckpoints = PartitionLogCheckpoints(),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.systemClock
    ) throws(EngineError) -> (log: PartitionLog, report: PartitionLogOpenReport) {
        try FileSystem.createDirectory(directory)
        var report = PartitionLogOpenReport()
        let now = clock()
        try completeInterruptedSwaps(in: directory)
        let names = try FileSystem.list(directory)
        var bases: [Int64] = []
        var indexBases = Set<Int64>()
        for name in names {
            if name.hasSuffix(SegmentFileName.deletedSuffix) || name.hasSuffix(SegmentFileName.cleanedSuffix) {
                try FileSystem.remove(directory + "/" + name)
            } else if let base = SegmentFileName.baseOffset(of: name, suffix: SegmentFileName.log) {
                bases.append(base)
            } else if let base = SegmentFileName.baseOffset(of: name, suffix: SegmentFileName.offsetIndex)
                        ?? SegmentFileName.baseOffset(of: name, suffix: SegmentFileName.timeIndex)
                        ?? SegmentFileName.baseOffset(of: name, suffix: SegmentFileName.transactionIndex) {
                indexBases.insert(base)
            }
        }
        bases.sort()
        for orphan in indexBases.subtracting(bases) {
            for suffix in [SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex] {
                try FileSystem.remove(SegmentFileName.path(directory: directory, baseOffset: orphan, suffix: suffix))
            }
        }
        let epochs = try LeaderEpochCache(directory: directory)
        var segments: [Segment] = []
        // Index of the first segment that recovery must scan.
        let firstToRecover: Int
        if checkpoints.hadCleanShutdown || bases.isEmpty {
            firstToRecover = bases.count
        } else {
            firstToRecover = bases.lastIndex { $0 <= checkpoints.recoveryPoint } ?? 0
        }
        for (index, base) in bases.enumerated() {
            let isLast = index == bases.count - 1
            let indexesExisted = FileSystem.exists(SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.offsetIndex))
                && FileSystem.exists(SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.timeIndex))
            let segment = try Segment.open(directory: directory, baseOffset: base, config: config, active: isLast, now: now)
            if index >= firstToRecover {
                report.recoveredSegments += 1
                let result = try segment.recover(policy: config.recoveryPolicy) { header in
                    if header.partitionLeaderEpoch >= 0 { epochs.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset) }
                }
                report.truncatedBytes += result.truncatedBytes
                segments.append(segment)
                if let corruption = result.corruption {
                    report.corruption = corruption
                    for later in bases[(index + 1)...] {
                        let doomed = try Segment.open(directory: directory, baseOffset: later, config: config, active: false, now: now)
                        try doomed.deleteFiles()
                        report.deletedSegments += 1
                    }
                    break
                }
            } else {
                do {
                    guard indexesExisted || segment.size == 0 else {
                        throw EngineError.corruptIndex(file: segment.offsetIndex.path, reason: "missing")
                    }
                    try segment.offsetIndex.sanityCheck(logSize: segment.size)
                    try segment.timeIndex.sanityCheck()
                    try segment.loadEndState()
                } catch {
                    report.rebuiltIndexes += 1
                    let result = try segment.recover(policy: config.recoveryPolicy) { _ in }
                    report.truncatedBytes += result.truncatedBytes
                    if let corruption = result.corruption { report.corruption = corruption }
                }
                segments.append(segment)
            }
        }
        // Segments before the active one keep trimmed indexes; the recovered ones are trimmed now.
        for segment in segments.dropLast() { try segment.onBecomeInactive() }
        if segments.isEmpty {
            let start = checkpoints.logStartOffset ?? 0
            segments.append(try Segment.create(directory: directory, baseOffset: start, config: config, now: now))
        }
        let logEnd = segments[segments.count - 1].nextOffset
        if epochs.truncate(fromEnd: logEnd) || report.recoveredSegments > 0 { try epochs.save() }
        let logStart = min(max(checkpoints.logStartOffset ?? segments[0].baseOffset, segments[0].baseOffset), logEnd)
        let highWatermark = min(max(checkpoints.highWatermark ?? logStart, logStart), logEnd)
        // What recovery kept is now flushed, so the recovery point can move to the end.
        if report.recoveredSegments > 0 || report.rebuiltIndexes > 0 {
            for segment in segments { try segment.flush() }
        }
        let producers = try loadProducerState(
            directory: directory, segments: segments, logStartOffset: logStart, hadCleanShutdown: checkpoints.hadCleanShutdown,
            config: config, now: now, report: &report)
        let state = State(
            config: config, segments: segments, logStartOffset: logStart, highWatermark: highWatermark,
            recoveryPoint: report.recoveredSegments > 0 || checkpoints.hadCleanShutdown ? logEnd : min(checkpoints.recoveryPoint, logEnd),
            lastFlushMs: now, epochs: epochs, producers: producers)
        let log = PartitionLog(topicPartition: topicPartition, directory: directory, state: state, clock: clock)
        if !checkpoints.hadCleanShutdown {
            // What the replay rebuilt is saved, so the next open starts from here.
            try log.lock.withLock { () throws(EngineError) in try log.takeEndSnapshot() }
        }
        return (log, report)
    }

    /// Finishes a cleaner swap that a crash interrupted. A `.log.swap` file is the commit point:
    /// when it exists, the live segments it replaces are deleted and it takes its live name (its
    /// indexes are rebuilt afterwards). Index `.swap` files without their `.log.swap` are dropped.
    static func completeInterruptedSwaps(in directory: String) throws(EngineError) {
        let names = try FileSystem.list(directory)
        let swaps = names.compactMap { SegmentFileName.baseOffset(of: $0, suffix: SegmentFileName.log + SegmentFileName.swapSuffix) }.sorted()
        for base in swaps {
            let swapPath = SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.log) + SegmentFileName.swapSuffix
            var scanner = try LogFileScanner(file: try FileDescriptor(path: swapPath, mode: .readOnly))
            var end = base
            while let batch = try scanner.next() { end = batch.header.nextOffset }
            let liveBases = names.compactMap { SegmentFileName.baseOffset(of: $0, suffix: SegmentFileName.log) }
            let nextLive = liveBases.filter { $0 >= end && $0 > base }.min() ?? Int64.max
            for replaced in liveBases where replaced >= base && replaced < max(end, base + 1) && replaced < nextLive {
                for kind in [SegmentFileName.log, SegmentFileName.offsetIndex, SegmentFileName.timeIndex, SegmentFileName.transactionIndex] {
                    try FileSystem.remove(SegmentFileName.path(directory: directory, baseOffset: replaced, suffix: kind))
                }
            }
            for kind in [SegmentFileName.offsetIndex, SegmentFileName.timeIndex] {
                try FileSystem.remove(SegmentFileName.path(directory: directory, baseOffset: base, suffix: kind) + SegmentFileName.swapSuffix)
            }
            let txnSwap = SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.transactionIndex) + SegmentFileName.swapSuffix
            if FileSystem.exists(txnSwap) {
                try FileSystem.rename(txnSwap, SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.transactionIndex))
            }
            try FileSystem.rename(swapPath, SegmentFileName.path(directory: directory, baseOffset: base, suffix: SegmentFileName.log))
        }
        for name in try FileSystem.list(directory) where name.hasSuffix(SegmentFileName.swapSuffix) {
            try FileSystem.remove(directory + "/" + name)
        }
        if !swaps.isEmpty { try FileSystem.syncDirectory(directory) }
    }
}
