/// A segment's `.txnindex` file: the aborted transactions whose abort marker lies in the segment,
/// appended in order (entry layout: `AbortedTransaction`). Created only when the first entry is
/// written, as Kafka does, so most segments have none. Not thread-safe: owned by its `Segment`.
public final class TransactionIndex {
    public let path: String
    private var file: FileDescriptor?
    private(set) var entries: [AbortedTransaction] = []

    /// Opens the index, reading any existing entries. A torn final entry is cut off.
    init(path: String) throws(EngineError) {
        self.path = path
        guard let size = FileSystem.fileSize(path) else { return }
        let handle = try FileDescriptor(path: path, mode: .readWrite)
        let bytes = try handle.read(count: Int(size), at: 0)
        let whole = bytes.count / AbortedTransaction.size
        bytes.withUnsafeBytes { raw in
            for index in 0..<whole {
                entries.append(AbortedTransaction(decoding: raw, at: index * AbortedTransaction.size))
            }
        }
        if whole * AbortedTransaction.size != bytes.count {
            try handle.truncate(to: Int64(whole * AbortedTransaction.size))
        }
        file = handle
    }

    func append(_ entry: AbortedTransaction) throws(EngineError) {
        if let last = entries.last, entry.lastOffset <= last.lastOffset {
            throw .corruptIndex(file: path, reason: "aborted transaction ending at \(entry.lastOffset) does not follow the one ending at \(last.lastOffset)")
        }
        let handle: FileDescriptor
        if let file { handle = file } else {
            handle = try FileDescriptor(path: path, mode: .createReadWrite)
            file = handle
        }
        var bytes = [UInt8](repeating: 0, count: AbortedTransaction.size)
        bytes.withUnsafeMutableBytes { entry.encode(into: $0, at: 0) }
        try bytes.withEngineBytes { (raw) throws(EngineError) in
            try handle.write(raw, at: Int64(entries.count * AbortedTransaction.size))
        }
        entries.append(entry)
    }

    /// Aborted transactions that overlap offsets [from, upperBound).
    public func abortedTransactions(from: Int64, upperBound: Int64) -> [AbortedTransaction] {
        entries.filter { $0.lastOffset >= from && $0.firstOffset < upperBound }
    }

    /// Removes entries whose abort marker is at or above `offset`.
    func truncate(toOffset offset: Int64) throws(EngineError) {
        let keep = entries.prefix { $0.lastOffset < offset }.count
        guard keep < entries.count else { return }
        entries.removeLast(entries.count - keep)
        try file?.truncate(to: Int64(keep * AbortedTransaction.size))
    }

    func reset() throws(EngineError) { try truncate(toOffset: Int64.min) }

    func flush() throws(EngineError) { try file?.sync() }

    /// Removes the file (used when the segment is deleted).
    func delete() throws(EngineError) {
        file = nil
        try FileSystem.remove(path)
    }
}
