import Engine

/// The bytes of an index file (`.index`, `.timeindex`, `.txnindex`) cut into fixed-size entries.
struct IndexFileContents {
    var bytes: [UInt8]
    var entrySize: Int
    /// Entries in use: whole entries before the run of all-zero entries that ends a preallocated
    /// index (an active segment's `.index` and `.timeindex` are preallocated, then trimmed on roll).
    var usedEntries: Int

    var wholeEntries: Int { bytes.count / entrySize }
    var unusedEntries: Int { wholeEntries - usedEntries }
    var trailingBytes: Int { bytes.count % entrySize }

    /// Reads the file. With `preallocated`, a zero-filled tail of whole entries is not counted as used.
    init(path: String, entrySize: Int, preallocated: Bool) throws(EngineError) {
        let file = try FileDescriptor(path: path, mode: .readOnly)
        let size = try file.size()
        // segment.index.bytes is at most Int32.max; anything larger is not an index (and is not read into memory).
        guard size <= Int64(Int32.max) else {
            throw .invalidArgument("\(path) has \(size) bytes, more than an index can hold (\(Int32.max))")
        }
        bytes = try file.read(count: Int(size), at: 0)
        self.entrySize = entrySize
        var used = bytes.count / entrySize
        if preallocated {
            while used > 0, bytes[((used - 1) * entrySize)..<(used * entrySize)].allSatisfy({ $0 == 0 }) { used -= 1 }
        }
        usedEntries = used
    }

    /// Decodes entry `index` with one of the engine's `init(decoding:at:)` initialisers.
    func entry<Entry>(_ index: Int, _ decode: (UnsafeRawBufferPointer, Int) -> Entry) -> Entry {
        bytes.withUnsafeBytes { decode($0, index * entrySize) }
    }
}
