/// The fixed 61-byte header of a Kafka RecordBatch (magic 2), as stored in `.log` files and sent
/// on the wire:
///
/// ```
///  0 baseOffset           int64    ┐ not covered by the CRC: the broker rewrites these
///  8 batchLength          int32    │ (bytes after this field)
/// 12 partitionLeaderEpoch int32    │
/// 16 magic                int8     ┘
/// 17 crc                  uint32   CRC-32C of bytes 21..<end
/// 21 attributes           int16
/// 23 lastOffsetDelta      int32
/// 27 baseTimestamp        int64
/// 35 maxTimestamp         int64
/// 43 producerId           int64
/// 51 producerEpoch        int16
/// 53 baseSequence         int32
/// 57 recordCount          int32
/// 61 records...
/// ```
public struct RecordBatchHeader: Equatable, Sendable {
    public static let size = 61
    /// Bytes before `batchLength` counts: baseOffset and batchLength itself.
    public static let logOverhead = 12
    public static let magicV2: Int8 = 2

    enum Field {
        static let baseOffset = 0
        static let batchLength = 8
        static let partitionLeaderEpoch = 12
        static let magic = 16
        static let crc = 17
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let baseTimestamp = 27
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        static let recordCount = 57
    }

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: RecordBatchAttributes
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    public init(
        baseOffset: Int64 = 0, batchLength: Int32 = 49, partitionLeaderEpoch: Int32 = -1,
        magic: Int8 = RecordBatchHeader.magicV2, crc: UInt32 = 0,
        attributes: RecordBatchAttributes = RecordBatchAttributes(), lastOffsetDelta: Int32 = 0,
        baseTimestamp: Int64 = -1, maxTimestamp: Int64 = -1, producerId: Int64 = -1,
        producerEpoch: Int16 = -1, baseSequence: Int32 = -1, recordCount: Int32 = 0
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Reads the header fields from the first 61 bytes of `bytes`. No validation: see `validate`.
    public init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.size)
        baseOffset = bytes.loadBigEndian(at: Field.baseOffset)
        batchLength = bytes.loadBigEndian(at: Field.batchLength)
        partitionLeaderEpoch = bytes.loadBigEndian(at: Field.partitionLeaderEpoch)
        magic = bytes.loadBigEndian(at: Field.magic)
        crc = bytes.loadBigEndian(at: Field.crc)
        attributes = RecordBatchAttributes(rawValue: bytes.loadBigEndian(at: Field.attributes))
        lastOffsetDelta = bytes.loadBigEndian(at: Field.lastOffsetDelta)
        baseTimestamp = bytes.loadBigEndian(at: Field.baseTimestamp)
        maxTimestamp = bytes.loadBigEndian(at: Field.maxTimestamp)
        producerId = bytes.loadBigEndian(at: Field.producerId)
        producerEpoch = bytes.loadBigEndian(at: Field.producerEpoch)
        baseSequence = bytes.loadBigEndian(at: Field.baseSequence)
        recordCount = bytes.loadBigEndian(at: Field.recordCount)
    }

    /// Writes the 61 header bytes at the start of `bytes`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= Self.size)
        bytes.storeBigEndian(baseOffset, at: Field.baseOffset)
        bytes.storeBigEndian(batchLength, at: Field.batchLength)
        bytes.storeBigEndian(partitionLeaderEpoch, at: Field.partitionLeaderEpoch)
        bytes.storeBigEndian(magic, at: Field.magic)
        bytes.storeBigEndian(crc, at: Field.crc)
        bytes.storeBigEndian(attributes.rawValue, at: Field.attributes)
        bytes.storeBigEndian(lastOffsetDelta, at: Field.lastOffsetDelta)
        bytes.storeBigEndian(baseTimestamp, at: Field.baseTimestamp)
        bytes.storeBigEndian(maxTimestamp, at: Field.maxTimestamp)
        bytes.storeBigEndian(producerId, at: Field.producerId)
        bytes.storeBigEndian(producerEpoch, at: Field.producerEpoch)
        bytes.storeBigEndian(baseSequence, at: Field.baseSequence)
        bytes.storeBigEndian(recordCount, at: Field.recordCount)
    }

    /// Size of the whole batch, header included.
    public var totalSize: Int { Int(batchLength) + Self.logOverhead }
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    public var nextOffset: Int64 { lastOffset + 1 }
    public var isTransactional: Bool { attributes.isTransactional }
    public var isControl: Bool { attributes.isControl }
    public var hasProducerId: Bool { producerId >= 0 }

    /// Reads only baseOffset and batchLength, the 12 bytes needed to step from batch to batch.
    static func peekFraming(_ bytes: UnsafeRawBufferPointer) -> (baseOffset: Int64, totalSize: Int) {
        (bytes.loadBigEndian(at: Field.baseOffset), Int(bytes.loadBigEndian(at: Field.batchLength, as: Int32.self)) + logOverhead)
    }

    /// CRC-32C of the CRC-covered part of a whole batch (attributes to end).
    public static func computeCRC(_ batch: UnsafeRawBufferPointer) -> UInt32 {
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: batch[Field.attributes...]))
    }
}
