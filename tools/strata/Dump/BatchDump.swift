import Engine

/// One record batch as `strata dump` reports it: a line in Kafka's dump-log style, or a JSON object
/// with the same fields (`compresscodec` is `compression` and `isvalid` is `isValid` in JSON).
struct BatchDump: Encodable {
    let type = "batch"
    var file: String
    var baseOffset: Int64
    var lastOffset: Int64
    var count: Int32
    var baseSequence: Int32
    var lastSequence: Int32
    var producerId: Int64
    var producerEpoch: Int16
    var partitionLeaderEpoch: Int32
    var isTransactional: Bool
    var isControl: Bool
    var position: Int64
    var size: Int
    var baseTimestamp: Int64
    var maxTimestamp: Int64
    var timestampType: String
    var magic: Int8
    var compression: String
    var crc: UInt32
    var isValid: Bool
    /// Present only with `--records`; empty when the batch is invalid or its records do not decode.
    var records: [RecordDump]?

    init(file: String, position: Int64, header: RecordBatchHeader, isValid: Bool, records: [RecordDump]?) {
        self.file = file
        baseOffset = header.baseOffset
        lastOffset = header.lastOffset
        count = header.recordCount
        baseSequence = header.baseSequence
        lastSequence = Self.sequence(base: header.baseSequence, delta: header.lastOffsetDelta)
        producerId = header.producerId
        producerEpoch = header.producerEpoch
        partitionLeaderEpoch = header.partitionLeaderEpoch
        isTransactional = header.isTransactional
        isControl = header.isControl
        self.position = position
        size = header.totalSize
        baseTimestamp = header.baseTimestamp
        maxTimestamp = header.maxTimestamp
        timestampType = header.attributes.timestampType.rawValue
        magic = header.magic
        compression = header.attributes.compression?.description ?? "unknown(\(header.attributes.rawValue & 7))"
        crc = header.crc
        self.isValid = isValid
        self.records = records
    }

    /// The sequence number `delta` records after `base`, wrapping past Int32.max as Kafka's
    /// producers do; -1 when the batch has no sequence.
    static func sequence(base: Int32, delta: Int32) -> Int32 {
        guard base >= 0, delta >= 0 else { return -1 }
        if base > Int32.max - delta { return delta - (Int32.max - base) - 1 }
        return base + delta
    }

    var text: String {
        "baseOffset: \(baseOffset) lastOffset: \(lastOffset) count: \(count)"
            + " baseSequence: \(baseSequence) lastSequence: \(lastSequence) producerId: \(producerId) producerEpoch: \(producerEpoch)"
            + " partitionLeaderEpoch: \(partitionLeaderEpoch) isTransactional: \(isTransactional) isControl: \(isControl)"
            + " position: \(position) size: \(size) baseTimestamp: \(baseTimestamp) maxTimestamp: \(maxTimestamp) timestampType: \(timestampType)"
            + " magic: \(magic) compresscodec: \(compression) crc: \(crc) isvalid: \(isValid)"
    }
}
