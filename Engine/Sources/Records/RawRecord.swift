/// One record located inside an uncompressed records section, without copying it: where its
/// bytes are, its deltas, and where its key is. The cleaner keys its offset map on `key` and
/// copies retained records as `bytes`, untouched.
struct RawRecord {
    /// The whole record, length prefix included.
    var bytes: Range<Int>
    var offsetDelta: Int64
    var timestampDelta: Int64
    /// Where the fields after the timestamp delta begin (to re-base timestamps without re-encoding the rest).
    var afterTimestamp: Int
    /// Nil for a record without a key.
    var key: Range<Int>?
    var hasNullValue: Bool
}

/// Steps over the records of an uncompressed records section.
struct RawRecordWalker {
    let section: UnsafeRawBufferPointer
    private(set) var position = 0

    init(section: UnsafeRawBufferPointer) { self.section = section }

    mutating func next() throws(RecordDecodingFailure) -> RawRecord? {
        guard position < section.count else { return nil }
        let start = position
        var cursor = position
        guard let length = Varint.readSigned(section, &cursor), length > 0, length <= Int64(section.count - cursor) else {
            throw RecordDecodingFailure("record length is malformed or exceeds the batch", start)
        }
        let end = cursor + Int(length)
        let body = UnsafeRawBufferPointer(rebasing: section[..<end])
        cursor += 1  // attributes
        guard let timestampDelta = Varint.readSigned(body, &cursor) else {
            throw RecordDecodingFailure("timestamp delta is malformed", start)
        }
        let afterTimestamp = cursor
        guard let offsetDelta = Varint.readSigned(body, &cursor),
              let keyLength = Varint.readSigned(body, &cursor), keyLength >= -1, keyLength <= Int64(end - cursor) else {
            throw RecordDecodingFailure("record header fields are malformed", start)
        }
        var key: Range<Int>?
        if keyLength >= 0 {
            key = cursor..<(cursor + Int(keyLength))
            cursor += Int(keyLength)
        }
        guard let valueLength = Varint.readSigned(body, &cursor), valueLength >= -1, valueLength <= Int64(end - cursor) else {
            throw RecordDecodingFailure("value length is malformed", start)
        }
        position = end
        return RawRecord(bytes: start..<end, offsetDelta: offsetDelta, timestampDelta: timestampDelta, afterTimestamp: afterTimestamp, key: key, hasNullValue: valueLength == -1)
    }
}
