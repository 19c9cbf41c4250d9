/// The partition's leader-epoch history: for each leader epoch, the first offset written in it.
/// Replication uses it to find where a follower's log diverges (OffsetForLeaderEpoch); it is saved
/// as `leader-epoch-checkpoint` in the partition directory (Kafka's format: "epoch startOffset").
/// Not thread-safe: owned by its `PartitionLog`.
public final class LeaderEpochCache {
    public struct Entry: Equatable, Sendable {
        public var epoch: Int32
        public var startOffset: Int64
    }

    public static let fileName = "leader-epoch-checkpoint"
    private let checkpoint: CheckpointFile
    public private(set) var entries: [Entry]

    init(directory: String) throws(EngineError) {
        checkpoint = CheckpointFile(path: directory + "/" + Self.fileName)
        var loaded: [Entry] = []
        for (index, fields) in try checkpoint.read(fieldsPerLine: 2).enumerated() {
            guard let epoch = Int32(fields[0]), let offset = Int64(fields[1]) else {
                throw .corruptCheckpoint(file: checkpoint.path, line: 3 + index, reason: "'\(fields.joined(separator: " "))' is not 'epoch offset'")
            }
            loaded.append(Entry(epoch: epoch, startOffset: offset))
        }
        entries = loaded
    }

    public var latestEpoch: Int32? { entries.last?.epoch }

    /// Records that `epoch` starts at `offset`, when it is newer than the latest. Returns whether
    /// the history changed (the caller then saves it).
    @discardableResult
    func assign(epoch: Int32, startOffset: Int64) -> Bool {
        guard epoch >= 0 else { return false }
        if let last = entries.last, epoch <= last.epoch { return false }
        // An older epoch that starts at or after this offset can no longer be right.
        entries.removeAll { $0.startOffset >= startOffset }
        entries.append(Entry(epoch: epoch, startOffset: startOffset))
        return true
    }

    /// Drops epochs that start at or after `offset` (log truncated to `offset`).
    func truncate(fromEnd offset: Int64) -> Bool {
        let before = entries.count
        entries.removeAll { $0.startOffset >= offset }
        return entries.count != before
    }

    /// Drops epochs wholly below a new log start offset, keeping the one that covers it.
    func truncate(fromStart offset: Int64) -> Bool {
        guard let covering = entries.lastIndex(where: { $0.startOffset <= offset }), covering > 0 || entries[covering].startOffset < offset else { return false }
        entries.removeFirst(covering)
        entries[0].startOffset = offset
        return true
    }

    /// The end offset of `epoch` (the start of the next higher epoch, or `logEndOffset` for the
    /// latest), as OffsetForLeaderEpoch answers; nil when the epoch is unknown and older than all.
    public func endOffset(for epoch: Int32, logEndOffset: Int64) -> (epoch: Int32, endOffset: Int64)? {
        guard let first = entries.first, epoch >= first.epoch else { return nil }
        if epoch >= entries.last!.epoch { return (entries.last!.epoch, logEndOffset) }
        let holder = entries.last { $0.epoch <= epoch }!
        let next = entries.first { $0.epoch > epoch }!
        return (holder.epoch, next.startOffset)
    }

    func save() throws(EngineError) {
        try checkpoint.write(entries.map { "\($0.epoch) \($0.startOffset)" })
    }
}
