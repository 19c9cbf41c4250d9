/// A whole RecordBatch v2 (header and records section) held as its bytes, exactly as stored in a
/// `.log` file and sent on the wire. Records are decoded only on request.
public struct RecordBatch: Equatable, Sendable {
    public private(set) var bytes: [UInt8]
    public private(set) var header: RecordBatchHeader

    /// Decodes and validates one batch that fills `bytes` exactly.
    /// - Parameters:
    ///   - expectedBaseOffset: when known (a log's next offset), a batch claiming another base
    ///     offset is rejected: the base offset lies outside the CRC, so this is the only way to
    ///     catch its corruption.
    public init(bytes: [UInt8], expectedBaseOffset: Int64? = nil, file: String? = nil, position: Int64 = 0) throws(EngineError) {
        let header = try bytes.withEngineBytes { (raw) throws(EngineError) -> RecordBatchHeader in
            let header = try RecordBatchValidator.validate(raw, file: file, position: position)
            guard header.totalSize == raw.count else {
                throw .corruptBatch(file: file, position: position, reason: "batch length says \(header.totalSize) bytes but \(raw.count) were given")
            }
            return header
        }
        if let expectedBaseOffset, header.baseOffset != expectedBaseOffset {
            throw .corruptBatch(file: file, position: position, reason: "base offset \(header.baseOffset) where \(expectedBaseOffset) was expected")
        }
        self.bytes = bytes
        self.header = header
    }

    /// Wraps bytes already validated by the caller.
    init(validatedBytes bytes: [UInt8], header: RecordBatchHeader) {
        self.bytes = bytes
        self.header = header
    }

    public var baseOffset: Int64 { header.baseOffset }
    public var lastOffset: Int64 { header.lastOffset }
    public var compression: CompressionCodec { header.attributes.compression ?? .none }

    /// Changes the base offset in place (outside the CRC, as a broker does on append).
    public mutating func setBaseOffset(_ offset: Int64) {
        header.baseOffset = offset
        bytes.storeBigEndian(offset, at: RecordBatchHeader.Field.baseOffset)
    }

    /// Changes the partition leader epoch in place (outside the CRC).
    public mutating func setPartitionLeaderEpoch(_ epoch: Int32) {
        header.partitionLeaderEpoch = epoch
        bytes.storeBigEndian(epoch, at: RecordBatchHeader.Field.partitionLeaderEpoch)
    }

    /// The uncompressed records section.
    public func recordsSection(maxDecompressedBytes: Int = RecordBatch.defaultDecompressionLimit) throws(EngineError) -> [UInt8] {
        let codec = compression
        return try bytes.withEngineBytes { (raw) throws(EngineError) -> [UInt8] in
            let section = UnsafeRawBufferPointer(rebasing: raw[RecordBatchHeader.size...])
            if codec == .none { return Array(section) }
            var output: [UInt8] = []
            output.reserveCapacity(section.count * 4)
            try codec.decompress(section, into: &output, limit: maxDecompressedBytes)
            return output
        }
    }

    public static let defaultDecompressionLimit = 256 << 20

    /// Decodes every record. Errors name the file and byte position of the batch.
    public func records(file: String? = nil, position: Int64 = 0, maxDecompressedBytes: Int = RecordBatch.defaultDecompressionLimit) throws(EngineError) -> [Record] {
        let section: [UInt8]
        do {
            section = try recordsSection(maxDecompressedBytes: maxDecompressedBytes)
        } catch {
            throw .corruptBatch(file: file, position: position, reason: "records do not decompress: \(error)")
        }
        let header = self.header
        return try section.withEngineBytes { (raw) throws(EngineError) -> [Record] in
            var records: [Record] = []
            records.reserveCapacity(Int(min(header.recordCount, 1 << 16)))
            var cursor = 0
            var lastDelta: Int64 = -1
            do throws(RecordDecodingFailure) {
                for _ in 0..<header.recordCount {
                    let record = try Record.decode(raw, at: &cursor, baseOffset: header.baseOffset, baseTimestamp: header.baseTimestamp)
                    let delta = record.offset - header.baseOffset
                    guard delta > lastDelta, delta <= Int64(header.lastOffsetDelta) else {
                        throw RecordDecodingFailure("offset delta \(delta) is not above \(lastDelta) and at most lastOffsetDelta \(header.lastOffsetDelta)", cursor)
                    }
                    lastDelta = delta
                    records.append(record)
                }
            } catch {
                throw .corruptBatch(file: file, position: position, reason: "record \(records.count) at byte \(error.position) of the records section: \(error.reason)")
            }
            guard cursor == raw.count else {
                throw .corruptBatch(file: file, position: position, reason: "\(raw.count - cursor) bytes follow the last of \(header.recordCount) records")
            }
            return records
        }
    }
}
