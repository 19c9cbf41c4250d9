/// Reads the batches of a `.log` file in order through a large buffer, validating each one.
/// Used by recovery, index rebuilding, `strata dump` and the tests. Not on the fetch path.
public struct LogFileScanner {
    public struct Batch {
        public let position: Int64
        public let header: RecordBatchHeader
        /// The whole batch; valid until the next call to `next()`.
        public let bytes: UnsafeRawBufferPointer
    }

    public let file: FileDescriptor
    public private(set) var position: Int64
    public let end: Int64
    private let buffer: RawBuffer
    private var bufferStart: Int64 = 0
    private var bufferCount = 0
    private let validateCRC: Bool

    public init(file: FileDescriptor, from position: Int64 = 0, end: Int64? = nil, bufferSize: Int = 1 << 20, validateCRC: Bool = true) throws(EngineError) {
        self.file = file
        self.position = position
        if let end { self.end = end } else { self.end = try file.size() }
        buffer = RawBuffer(capacity: bufferSize)
        self.validateCRC = validateCRC
    }

    /// The next batch, or nil at the end. Throws `corruptBatch` naming the file and position of a
    /// batch that is torn, misframed or fails its CRC; `position` then stays at that batch.
    public mutating func next() throws(EngineError) -> Batch? {
        guard position < end else { return nil }
        let remaining = end - position
        guard remaining >= Int64(RecordBatchHeader.logOverhead) else {
            throw .corruptBatch(file: file.path, position: position, reason: "truncated: \(remaining) bytes at the end, fewer than the 12 bytes of offset and length")
        }
        try fill(at: position, count: Int(min(remaining, Int64(RecordBatchHeader.size))))
        let offsetInBuffer = Int(position - bufferStart)
        let framing = RecordBatchHeader.peekFraming(UnsafeRawBufferPointer(rebasing: buffer.bytes[offsetInBuffer...]))
        let size = Int64(framing.totalSize)
        guard size >= Int64(RecordBatchHeader.size) else {
            throw .corruptBatch(file: file.path, position: position, reason: "batch length \(size - 12) is below the minimum of \(RecordBatchHeader.size - 12)")
        }
        guard size <= remaining else {
            throw .corruptBatch(file: file.path, position: position, reason: "truncated: batch length says \(size) bytes, only \(remaining) remain in the file")
        }
        try fill(at: position, count: Int(size))
        let start = Int(position - bufferStart)
        let batchPosition = position
        let bytes = UnsafeRawBufferPointer(rebasing: buffer.bytes[start..<(start + Int(size))])
        let header: RecordBatchHeader
        if validateCRC {
            header = try RecordBatchValidator.validate(bytes, file: file.path, position: batchPosition)
        } else {
            header = RecordBatchHeader(decoding: bytes)
        }
        position += size
        return Batch(position: batchPosition, header: header, bytes: bytes)
    }

    /// Ensures bytes [at, at+count) are in the buffer, growing it for batches larger than it.
    private mutating func fill(at offset: Int64, count: Int) throws(EngineError) {
        if offset >= bufferStart && offset + Int64(count) <= bufferStart + Int64(bufferCount) { return }
        if count > buffer.capacity { buffer.grow(to: count) }
        let want = Int(min(Int64(buffer.capacity), end - offset))
        let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[..<want]), at: offset)
        bufferStart = offset
        bufferCount = read
        guard read >= count else {
            throw .corruptBatch(file: file.path, position: offset, reason: "file ended after \(read) of \(count) bytes")
        }
    }
}
