/// A segment's `.timeindex` file: a sparse map from timestamps to offsets, for ListOffsets by time
/// and time-based retention. Written alongside each offset-index entry with the largest timestamp
/// seen so far (so timestamps never decrease), plus one final entry when the segment rolls.
/// Entry layout: see `TimeIndexEntry`. Not thread-safe: owned by its `Segment`.
public final class TimeIndex {
    public let baseOffset: Int64
    let file: IndexFile<TimeIndexEntry>

    init(path: String, baseOffset: Int64, maxIndexBytes: Int, active: Bool) throws(EngineError) {
        self.baseOffset = baseOffset
        file = try IndexFile(path: path, maxIndexBytes: maxIndexBytes, active: active)
    }

    public var path: String { file.path }
    public var entryCount: Int { file.entryCount }
    public var isFull: Bool { file.isFull }

    public func entry(_ index: Int) -> TimestampOffset {
        let raw = file.entry(index)
        return TimestampOffset(timestamp: raw.timestamp, offset: baseOffset + Int64(raw.relativeOffset))
    }

    public var lastEntry: TimestampOffset? { file.entryCount > 0 ? entry(file.entryCount - 1) : nil }

    /// Adds an entry when `timestamp` is a new maximum. `force` allows the final entry of a rolling
    /// segment even when the index is full.
    func maybeAppend(timestamp: Int64, offset: Int64, force: Bool = false) throws(EngineError) {
        if let last = lastEntry, timestamp <= last.timestamp || offset < last.offset { return }
        if file.isFull {
            guard force else { return }
            try file.resize(maxIndexBytes: (file.entryCount + 1) * TimeIndexEntry.size)
        }
        try file.append(TimeIndexEntry(timestamp: timestamp, relativeOffset: UInt32(offset - baseOffset)))
    }

    /// The entry with the largest timestamp at most `target`, or (−1, baseOffset) when none is.
    public func lookup(_ target: Int64) -> TimestampOffset {
        guard let slot = file.largestLowerBound(target, key: { $0.timestamp }) else {
            return TimestampOffset(timestamp: -1, offset: baseOffset)
        }
        return entry(slot)
    }

    /// Removes the entries for offsets at or above `offset`.
    func truncate(toOffset offset: Int64) {
        var keep = file.entryCount
        while keep > 0, baseOffset + Int64(file.entry(keep - 1).relativeOffset) >= offset { keep -= 1 }
        file.truncate(toEntries: keep)
    }

    func sanityCheck() throws(EngineError) {
        var previous: TimeIndexEntry?
        for index in 0..<file.entryCount {
            let current = file.entry(index)
            if let previous, current.timestamp <= previous.timestamp || current.relativeOffset < previous.relativeOffset {
                throw .corruptIndex(file: path, reason: "entry \(index) (timestamp \(current.timestamp), offset +\(current.relativeOffset)) does not rise above the entry before it")
            }
            previous = current
        }
    }
}
