import Engine

/// One record as `strata dump --records` reports it. Keys, values and header values are text or
/// `0x…` hex (see `DumpBytes`); JSON gives their form in `keyFormat`/`valueFormat` and null for null.
struct RecordDump: Encodable {
    var offset: Int64
    var timestamp: Int64
    var sequence: Int32
    var keySize: Int
    var valueSize: Int
    var key: String?
    var keyFormat: DumpBytes.Format?
    var value: String?
    var valueFormat: DumpBytes.Format?
    var headers: [RecordHeaderDump]
    /// The decoded marker of a control record that ends a transaction.
    var endTxnMarker: EndTxnMarkerDump?

    private var keyText: String
    private var valueText: String

    init(_ record: Record, header: RecordBatchHeader) {
        offset = record.offset
        timestamp = record.timestamp
        sequence = BatchDump.sequence(base: header.baseSequence, delta: Int32(clamping: record.offset - header.baseOffset))
        let key = DumpBytes(record.key)
        let value = DumpBytes(record.value)
        keySize = key.size
        valueSize = value.size
        self.key = key.shown
        keyFormat = key.format
        self.value = value.shown
        valueFormat = value.format
        keyText = key.textForm
        valueText = value.textForm
        headers = record.headers.map(RecordHeaderDump.init)
        endTxnMarker = header.isControl ? EndTransactionMarker(record: record).map(EndTxnMarkerDump.init) : nil
    }

    var text: String {
        var line = "| offset: \(offset) timestamp: \(timestamp) sequence: \(sequence) keySize: \(keySize) valueSize: \(valueSize)"
        if let endTxnMarker {
            line += " endTxnMarker: \(endTxnMarker.type) coordinatorEpoch: \(endTxnMarker.coordinatorEpoch)"
        } else {
            line += " key: \(keyText) value: \(valueText) headers: [\(headers.map(\.text).joined(separator: ", "))]"
        }
        return line
    }

    private enum CodingKeys: String, CodingKey {
        case offset, timestamp, sequence, keySize, valueSize, key, keyFormat, value, valueFormat, headers, endTxnMarker
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(offset, forKey: .offset)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(keySize, forKey: .keySize)
        try container.encode(valueSize, forKey: .valueSize)
        try container.encode(key, forKey: .key)
        try container.encode(keyFormat, forKey: .keyFormat)
        try container.encode(value, forKey: .value)
        try container.encode(valueFormat, forKey: .valueFormat)
        try container.encode(headers, forKey: .headers)
        try container.encode(endTxnMarker, forKey: .endTxnMarker)
    }
}
