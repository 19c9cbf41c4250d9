/// One record of a RecordBatch v2, decoded. The wire form, inside the (possibly compressed) records
/// section of a batch:
///
/// ```
/// length          varint   bytes that follow
/// attributes      int8     unused, 0
/// timestampDelta  varlong  timestamp - batch baseTimestamp
/// offsetDelta     varint   offset - batch baseOffset
/// keyLength       varint   -1 for a null key
/// key             bytes
/// valueLength     varint   -1 for a null value (a tombstone)
/// value           bytes
/// headerCount     varint
/// headers         (keyLength varint, key utf8, valueLength varint (-1 = null), value)...
/// ```
///
/// Decoded records are for tools, tests and coordinators; the append and fetch paths never decode
/// records, they move batches as bytes.
public struct Record: Equatable, Sendable {
    public var offset: Int64
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    public var attributes: Int8

    public init(offset: Int64 = 0, timestamp: Int64, key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [], attributes: Int8 = 0) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.attributes = attributes
    }

    /// Appends the wire form, with offset and timestamp as deltas against the batch's base values.
    func encode(offsetDelta: Int32, timestampDelta: Int64, into output: inout [UInt8]) {
        var body: [UInt8] = []
        body.reserveCapacity(16 + (key?.count ?? 0) + (value?.count ?? 0))
        body.append(UInt8(bitPattern: attributes))
        Varint.appendSigned(timestampDelta, to: &body)
        Varint.appendSigned(Int64(offsetDelta), to: &body)
        Self.appendBytes(key, to: &body)
        Self.appendBytes(value, to: &body)
        Varint.appendSigned(Int64(headers.count), to: &body)
        for header in headers {
            Self.appendBytes(Array(header.key.utf8), to: &body)
            Self.appendBytes(header.value, to: &body)
        }
        Varint.appendSigned(Int64(body.count), to: &output)
        output.append(contentsOf: body)
    }

    private static func appendBytes(_ bytes: [UInt8]?, to output: inout [UInt8]) {
        guard let bytes else { Varint.appendSigned(-1, to: &output); return }
        Varint.appendSigned(Int64(bytes.count), to: &output)
        output.append(contentsOf: bytes)
    }

    /// Decodes one record at `position` of an uncompressed records section, advancing `position`.
    /// Throws a reason string (the caller adds file and byte position) on any malformed field.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, at position: inout Int, baseOffset: Int64, baseTimestamp: Int64
    ) throws(RecordDecodingFailure) -> Record {
        let start = position
        guard let length = Varint.readSigned(bytes, &position) else { throw .init("record length varint is truncated or too long", start) }
        guard length >= 0, length <= Int64(bytes.count - position) else {
            throw .init("record length \(length) exceeds the \(bytes.count - position) bytes left in the batch", start)
        }
        let end = position + Int(length)
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        guard position < end else { throw .init("record is empty", start) }
        let attributes = Int8(bitPattern: body[position])
        position += 1
        guard let timestampDelta = Varint.readSigned(body, &position) else { throw .init("timestamp delta is malformed", start) }
        guard let offsetDelta = Varint.readSigned(body, &position), offsetDelta >= 0, offsetDelta <= Int64(Int32.max) else {
            throw .init("offset delta is malformed or negative", start)
        }
        let key = try readBytes(body, &position, field: "key", recordStart: start)
        let value = try readBytes(body, &position, field: "value", recordStart: start)
        guard let headerCount = Varint.readSigned(body, &position), headerCount >= 0, headerCount <= Int64(end - position) else {
            throw .init("header count is malformed", start)
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(headerCount))
        for _ in 0..<headerCount {
            guard let keyBytes = try readBytes(body, &position, field: "header key", recordStart: start) else {
                throw .init("header key is null", start)
            }
            let headerValue = try readBytes(body, &position, field: "header value", recordStart: start)
            headers.append(RecordHeader(key: String(decoding: keyBytes, as: UTF8.self), value: headerValue))
        }
        guard position == end else { throw .init("record has \(end - position) bytes after its last header", start) }
        return Record(
            offset: baseOffset + offsetDelta, timestamp: baseTimestamp &+ timestampDelta,
            key: key, value: value, headers: headers, attributes: attributes)
    }

    private static func readBytes(
        _ body: UnsafeRawBufferPointer, _ position: inout Int, field: String, recordStart: Int
    ) throws(RecordDecodingFailure) -> [UInt8]? {
        guard let length = Varint.readSigned(body, &position) else { throw .init("\(field) length is malformed", recordStart) }
        if length == -1 { return nil }
        guard length >= 0, length <= Int64(body.count - position) else {
            throw .init("\(field) length \(length) exceeds the \(body.count - position) bytes left in the record", recordStart)
        }
        let bytes = Array(body[position..<(position + Int(length))])
        position += Int(length)
        return bytes
    }

    /// Steps over one record, checking only its framing and offset delta (the append path's check
    /// for uncompressed batches: no allocation). Returns the record's offset delta.
    static func skip(_ bytes: UnsafeRawBufferPointer, at position: inout Int) throws(RecordDecodingFailure) -> Int64 {
        let start = position
        guard let length = Varint.readSigned(bytes, &position), length > 0, length <= Int64(bytes.count - position) else {
            throw .init("record length is malformed or exceeds the batch", start)
        }
        let end = position + Int(length)
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        position += 1
        guard Varint.readSigned(body, &position) != nil, let offsetDelta = Varint.readSigned(body, &position), offsetDelta >= 0 else {
            throw .init("timestamp or offset delta is malformed", start)
        }
        position = end
        return offsetDelta
    }
}

/// Why a record failed to decode and where it starts in the records section.
struct RecordDecodingFailure: Error {
    var reason: String
    var position: Int
    init(_ reason: String, _ position: Int) {
        self.reason = reason
        self.position = position
    }
}
