/// Builds a RecordBatch v2 from records, as a producer does. Used by tools, tests, benchmarks and
/// the broker's own internal topics; never on the append path, which stores batches as received.
public struct RecordBatchBuilder {
    public var baseOffset: Int64
    public var compression: CompressionCodec
    public var timestampType: TimestampType
    public var partitionLeaderEpoch: Int32
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var isTransactional: Bool
    public var isControl: Bool
    private var records: [Record] = []

    public init(
        baseOffset: Int64 = 0, compression: CompressionCodec = .none, timestampType: TimestampType = .createTime,
        partitionLeaderEpoch: Int32 = -1, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, isTransactional: Bool = false, isControl: Bool = false
    ) {
        self.baseOffset = baseOffset
        self.compression = compression
        self.timestampType = timestampType
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.isControl = isControl
    }

    public var isEmpty: Bool { records.isEmpty }
    public var count: Int { records.count }

    /// Adds a record whose `offset` is absolute: at least `baseOffset` and above the previous
    /// record's (gaps are allowed, as in a compacted batch).
    public mutating func append(_ record: Record) {
        precondition(record.offset >= (records.last.map { $0.offset + 1 } ?? baseOffset), "record offsets must increase")
        records.append(record)
    }

    /// Adds a record at the next offset.
    public mutating func append(key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: [RecordHeader] = []) {
        append(Record(offset: records.last.map { $0.offset + 1 } ?? baseOffset, timestamp: timestamp, key: key, value: value, headers: headers))
    }

    /// An end-transaction control batch.
    public static func controlBatch(
        marker: EndTransactionMarker, baseOffset: Int64 = 0, producerId: Int64, producerEpoch: Int16, timestamp: Int64,
        partitionLeaderEpoch: Int32 = -1
    ) -> RecordBatch {
        var builder = RecordBatchBuilder(
            baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch, producerId: producerId,
            producerEpoch: producerEpoch, isTransactional: true, isControl: true)
        builder.append(key: marker.key, value: marker.value, timestamp: timestamp)
        return builder.build()
    }

    /// Encodes the batch, compressing the records section and computing the CRC.
    public func build() -> RecordBatch {
        precondition(!records.isEmpty, "a record batch holds at least one record")
        let baseTimestamp = records.map(\.timestamp).min()!
        let maxTimestamp = records.map(\.timestamp).max()!
        var section: [UInt8] = []
        for record in records {
            record.encode(offsetDelta: Int32(record.offset - baseOffset), timestampDelta: record.timestamp - baseTimestamp, into: &section)
        }
        var bytes = [UInt8](repeating: 0, count: RecordBatchHeader.size)
        if compression == .none {
            bytes.append(contentsOf: section)
        } else {
            do {
                try section.withEngineBytes { (raw) throws(EngineError) in try compression.compress(raw, into: &bytes) }
            } catch {
                preconditionFailure("compressing \(section.count) bytes with \(compression) failed: \(error)")
            }
        }
        let header = RecordBatchHeader(
            baseOffset: baseOffset, batchLength: Int32(bytes.count - RecordBatchHeader.logOverhead),
            partitionLeaderEpoch: partitionLeaderEpoch,
            attributes: RecordBatchAttributes(compression: compression, timestampType: timestampType, isTransactional: isTransactional, isControl: isControl),
            lastOffsetDelta: Int32(records.last!.offset - baseOffset), baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence, recordCount: Int32(records.count))
        bytes.withUnsafeMutableBytes { raw in
            header.encode(into: raw)
            raw.storeBigEndian(RecordBatchHeader.computeCRC(UnsafeRawBufferPointer(raw)), at: RecordBatchHeader.Field.crc)
        }
        var final = header
        final.crc = bytes.loadBigEndian(at: RecordBatchHeader.Field.crc)
        return RecordBatch(validatedBytes: bytes, header: final)
    }
}
