/// A segment's `.index` file: a sparse map from offsets to byte positions in its `.log` file.
///
/// Sparse: an entry is added for a batch once more than `index.interval.bytes` have been appended
/// since the previous entry, so a lookup lands at most about that many bytes before the batch it
/// wants, and the index stays about 1/500 of the log's size. Entry layout: see `OffsetIndexEntry`.
/// Each entry names the last offset of a batch and that batch's start position.
/// Not thread-safe: owned by its `Segment`.
public final class OffsetIndex {
    public let baseOffset: Int64
    let file: IndexFile<OffsetIndexEntry>

    init(path: String, baseOffset: Int64, maxIndexBytes: Int, active: Bool) throws(EngineError) {
        self.baseOffset = baseOffset
        file = try IndexFile(path: path, maxIndexBytes: maxIndexBytes, active: active)
    }

    public var path: String { file.path }
    public var entryCount: Int { file.entryCount }
    public var isFull: Bool { file.isFull }

    public func entry(_ index: Int) -> OffsetPosition {
        let raw = file.entry(index)
        return OffsetPosition(offset: baseOffset + Int64(raw.relativeOffset), position: Int64(raw.position))
    }

    public var lastOffset: Int64 { file.lastEntry.map { baseOffset + Int64($0.relativeOffset) } ?? baseOffset }

    func append(offset: Int64, position: Int64) throws(EngineError) {
        if let last = file.lastEntry, baseOffset + Int64(last.relativeOffset) >= offset {
            throw .corruptIndex(file: path, reason: "offset \(offset) is not above the last indexed offset \(baseOffset + Int64(last.relativeOffset))")
        }
        try file.append(OffsetIndexEntry(relativeOffset: UInt32(offset - baseOffset), position: UInt32(position)))
    }

    /// The entry with the largest offset at most `target`, or (baseOffset, 0) when none is.
    /// Reading forward from its position finds the batch holding `target`.
    public func lookup(_ target: Int64) -> OffsetPosition {
        guard target >= baseOffset, let slot = file.largestLowerBound(target - baseOffset, key: { Int64($0.relativeOffset) }) else {
            return OffsetPosition(offset: baseOffset, position: 0)
        }
        return entry(slot)
    }

    /// The entry with the largest position at most `position`, or nil.
    func lookup(position: Int64) -> OffsetPosition? {
        file.largestLowerBound(position, key: { Int64($0.position) }).map(entry)
    }

    /// Removes the entries for offsets at or above `offset`.
    func truncate(toOffset offset: Int64) {
        let keep = offset <= baseOffset ? 0 : (file.largestLowerBound(offset - baseOffset - 1, key: { Int64($0.relativeOffset) }).map { $0 + 1 } ?? 0)
        file.truncate(toEntries: keep)
    }

    /// Cheap checks run when a segment is opened without recovery: whole entries, offsets and
    /// positions strictly increasing, and no entry pointing past the end of the log.
    func sanityCheck(logSize: Int64) throws(EngineError) {
        var previous: OffsetIndexEntry?
        for index in 0..<file.entryCount {
            let current = file.entry(index)
            if let previous, current.relativeOffset <= previous.relativeOffset || current.position <= previous.position {
                throw .corruptIndex(file: path, reason: "entry \(index) (offset +\(current.relativeOffset), position \(current.position)) does not follow entry \(index - 1) (offset +\(previous.relativeOffset), position \(previous.position))")
            }
            if Int64(current.position) >= logSize {
                throw .corruptIndex(file: path, reason: "entry \(index) points at position \(current.position), past the log's \(logSize) bytes")
            }
            previous = current
        }
    }
}
