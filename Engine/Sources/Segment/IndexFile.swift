/// A fixed-size entry of a memory-mapped index file.
public protocol IndexEntry: Equatable, Sendable {
    static var size: Int { get }
    init(decoding bytes: UnsafeRawBufferPointer, at offset: Int)
    func encode(into bytes: UnsafeMutableRawBufferPointer, at offset: Int)
}

extension OffsetIndexEntry: IndexEntry {}
extension TimeIndexEntry: IndexEntry {}

/// The storage shared by the offset and time indexes: a preallocated, memory-mapped file of
/// fixed-size entries sorted by their key.
///
/// Layout and crash behaviour: entries are packed from byte 0; the file is preallocated to the
/// segment's `segment.index.bytes` (rounded down to whole entries) while its segment is active and
/// trimmed to the entries it holds when the segment rolls or the log closes. After a crash the
/// tail of an active index is zeros; the number of entries is then unknown, which is why the
/// segments that recovery scans get their indexes rebuilt (as Kafka does).
/// Not thread-safe: the segment's owner serialises access.
final class IndexFile<Entry: IndexEntry> {
    let path: String
    private var mapping: MappedFile
    private(set) var entryCount: Int
    private(set) var maxEntries: Int
    /// The first entry written since the last flush (nil: nothing to flush), so a flush syncs
    /// only the pages that changed rather than the whole preallocated mapping.
    private var firstDirtyEntry: Int?

    /// Opens or creates the file. A new file is preallocated to `maxIndexBytes`; an existing one
    /// is taken to hold `length / Entry.size` entries, and is grown to `maxIndexBytes` when `active`.
    init(path: String, maxIndexBytes: Int, active: Bool) throws(EngineError) {
        self.path = path
        let existing = FileSystem.fileSize(path)
        let maxBytes = max(Entry.size, maxIndexBytes / Entry.size * Entry.size)
        if let existing, existing > 0 {
            mapping = try MappedFile(path: path, length: nil, writable: true)
            entryCount = Int(existing) / Entry.size
            if active && maxBytes > mapping.length {
                try mapping.resize(to: maxBytes)
            }
        } else {
            mapping = try MappedFile(path: path, length: active ? maxBytes : 0, writable: true)
            entryCount = 0
        }
        maxEntries = mapping.length / Entry.size
        if active { mapping.adviseRandomAccess(from: entryCount * Entry.size) }
    }

    var isFull: Bool { entryCount >= maxEntries }
    var isEmpty: Bool { entryCount == 0 }
    var sizeInBytes: Int { entryCount * Entry.size }

    func entry(_ index: Int) -> Entry {
        Entry(decoding: UnsafeRawBufferPointer(mapping.bytes), at: index * Entry.size)
    }

    var lastEntry: Entry? { entryCount > 0 ? entry(entryCount - 1) : nil }

    func append(_ entry: Entry) throws(EngineError) {
        guard !isFull else { throw .corruptIndex(file: path, reason: "append to a full index of \(entryCount) entries") }
        entry.encode(into: mapping.bytes, at: entryCount * Entry.size)
        if firstDirtyEntry == nil { firstDirtyEntry = entryCount }
        entryCount += 1
    }

    /// The last slot whose key is at most `target`, or nil when the first entry is already above it.
    func largestLowerBound<Key: Comparable>(_ target: Key, key: (Entry) -> Key) -> Int? {
        var low = 0
        var high = entryCount - 1
        var found: Int?
        while low <= high {
            let middle = (low + high) / 2
            if key(entry(middle)) <= target {
                found = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }

    /// Keeps the first `count` entries, zeroing the rest of the mapping.
    func truncate(toEntries count: Int) {
        let keep = max(0, min(count, entryCount))
        let bytes = mapping.bytes
        if keep < entryCount, let base = bytes.baseAddress {
            (base + keep * Entry.size).initializeMemory(as: UInt8.self, repeating: 0, count: (entryCount - keep) * Entry.size)
        }
        entryCount = keep
        firstDirtyEntry = min(firstDirtyEntry ?? keep, keep)
    }

    func reset() { truncate(toEntries: 0) }

    /// Shrinks the file to exactly its entries (done when the segment stops being active).
    func trimToValidSize() throws(EngineError) {
        try mapping.resize(to: entryCount * Entry.size)
        maxEntries = entryCount
    }

    /// Grows the file back to its preallocated size so that appends can continue.
    func resize(maxIndexBytes: Int) throws(EngineError) {
        let bytes = max(entryCount * Entry.size, maxIndexBytes / Entry.size * Entry.size)
        try mapping.resize(to: bytes)
        maxEntries = bytes / Entry.size
        mapping.adviseRandomAccess(from: entryCount * Entry.size)
    }

    /// Writes the entries changed since the last flush back to the file.
    func flush() throws(EngineError) {
        guard let first = firstDirtyEntry else { return }
        try mapping.sync(from: first * Entry.size, to: max(entryCount, first + 1) * Entry.size)
        firstDirtyEntry = nil
    }

    func all() -> [Entry] { (0..<entryCount).map(entry) }
}
