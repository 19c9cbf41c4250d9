import NIOCore

// Wire-level helpers shared by every generated message.
//
// Naming: `readK…` / `writeK…` are the field codecs used by the generated code. Each
// reader takes the field's `Message.Struct.field` path so a failure names exactly what
// was being decoded. Every length is checked against the readable bytes before anything
// is allocated, so a hostile length prefix can never cause a large allocation.

/// The longest string Kafka will encode (its string length field is an int16).
let kafkaMaxStringLength = Int(Int16.max)

extension ByteBuffer {
    // MARK: Fixed-width primitives


    mutating func readKInteger<T: FixedWidthInteger>(_ path: StaticString, as: T.Type = T.self) throws -> T {
        guard let v = self.readInteger(endianness: .big, as: T.self) else {
            throw KafkaProtocolError.truncated(path, need: MemoryLayout<T>.size, have: self.readableBytes)
        }
        return v
    }

    mutating func readKInt8(_ path: StaticString) throws -> Int8 { try readKInteger(path) }
    mutating func readKInt16(_ path: StaticString) throws -> Int16 { try readKInteger(path) }
    mutating func readKInt32(_ path: StaticString) throws -> Int32 { try readKInteger(path) }
    mutating func readKInt64(_ path: StaticString) throws -> Int64 { try readKInteger(path) }
    mutating func readKUInt16(_ path: StaticString) throws -> UInt16 { try readKInteger(path) }
    mutating func readKUInt32(_ path: StaticString) throws -> UInt32 { try readKInteger(path) }
    mutating func readKBool(_ path: StaticString) throws -> Bool { try readKInteger(path, as: UInt8.self) != 0 }
    mutating func readKFloat64(_ path: StaticString) throws -> Double {
        Double(bitPattern: try readKInteger(path, as: UInt64.self))
    }

    mutating func readKUUID(_ path: StaticString) throws -> KafkaUUID {
        guard self.readableBytes >= 16 else { throw KafkaProtocolError.truncated(path, need: 16, have: self.readableBytes) }
        let hi: UInt64 = try readKInteger(path)
        let lo: UInt64 = try readKInteger(path)
        return KafkaUUID(mostSignificantBits: hi, leastSignificantBits: lo)
    }

    mutating func writeKBool(_ value: Bool) { self.writeInteger(value ? 1 : 0, as: UInt8.self) }
    mutating func writeKFloat64(_ value: Double) { self.writeInteger(value.bitPattern) }
    mutating func writeKUUID(_ value: KafkaUUID) {
        self.writeInteger(value.mostSignificantBits)
        self.writeInteger(value.leastSignificantBits)
    }

    // MARK: Varints

    /// Reads an unsigned varint of at most 5 bytes (Kafka's `readUnsignedVarint`).
    mutating func readKUnsignedVarint(_ path: StaticString) throws -> UInt32 {
        var value: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = self.readInteger(as: UInt8.self) else {
                throw KafkaProtocolError.truncated(path, need: 1, have: 0)
            }
            if shift == 28 && byte > 0x0F {
                throw KafkaProtocolError(.invalidVarint, path, "unsigned varint is longer than 5 bytes or exceeds 32 bits")
            }
            value |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads an unsigned varint of at most 10 bytes.
    mutating func readKUnsignedVarlong(_ path: StaticString) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = self.readInteger(as: UInt8.self) else {
                throw KafkaProtocolError.truncated(path, need: 1, have: 0)
            }
            if shift == 63 && byte > 0x01 {
                throw KafkaProtocolError(.invalidVarint, path, "unsigned varlong is longer than 10 bytes or exceeds 64 bits")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func writeKUnsignedVarint(_ value: UInt32) {
        var v = value
        while v >= 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.writeInteger(UInt8(v))
    }

    mutating func writeKUnsignedVarlong(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.writeInteger(UInt8(v))
    }

    // MARK: Public varint API (record batches use zig-zag varints too)

    /// Reads an unsigned varint (at most 5 bytes, 32 bits).
    public mutating func readKafkaUnsignedVarint() throws -> UInt32 { try readKUnsignedVarint("varint") }
    /// Writes an unsigned varint.
    public mutating func writeKafkaUnsignedVarint(_ value: UInt32) { writeKUnsignedVarint(value) }
    /// Reads a zig-zag encoded signed varint (Kafka's `readVarint`).
    public mutating func readKafkaVarint() throws -> Int32 {
        let raw = try readKUnsignedVarint("varint")
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
    /// Writes a zig-zag encoded signed varint.
    public mutating func writeKafkaVarint(_ value: Int32) {
        writeKUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }
    /// Reads a zig-zag encoded signed varlong (Kafka's `readVarlong`).
    public mutating func readKafkaVarlong() throws -> Int64 {
        let raw = try readKUnsignedVarlong("varlong")
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
    /// Writes a zig-zag encoded signed varlong.
    public mutating func writeKafkaVarlong(_ value: Int64) {
        writeKUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    // MARK: Length prefixes

    /// Reads a length/count prefix. Returns nil for null (-1, or 0 in compact form).
    /// `short` selects an int16 prefix for non-compact strings; otherwise int32.
    /// Negative lengths other than -1 are rejected.
    @inline(__always)
    mutating func readKLength(_ flexible: Bool, short: Bool, _ path: StaticString) throws -> Int? {
        if flexible {
            let n = try readKUnsignedVarint(path)
            return n == 0 ? nil : Int(n) - 1
        }
        let n: Int = short ? Int(try readKInteger(path, as: Int16.self)) : Int(try readKInteger(path, as: Int32.self))
        if n == -1 { return nil }
        if n < 0 { throw KafkaProtocolError(.invalidLength, path, "negative length \(n)") }
        return n
    }

    @inline(__always)
    mutating func writeKLength(_ length: Int?, _ flexible: Bool, short: Bool) {
        if flexible {
            writeKUnsignedVarint(length.map { UInt32(truncatingIfNeeded: $0 + 1) } ?? 0)
        } else if short {
            writeInteger(Int16(truncatingIfNeeded: length ?? -1))
        } else {
            writeInteger(Int32(truncatingIfNeeded: length ?? -1))
        }
    }

    /// Checks that `length` bytes are readable.
    @inline(__always)
    func checkKReadable(_ length: Int, _ path: StaticString) throws {
        guard length <= self.readableBytes else {
            throw KafkaProtocolError(.invalidLength, path, "length \(length) exceeds the \(self.readableBytes) remaining byte(s)")
        }
    }

    // MARK: Strings

    mutating func readKNullableString(_ flexible: Bool, nullable: Bool, _ path: StaticString) throws -> String? {
        guard let length = try readKLength(flexible, short: true, path) else {
            if nullable { return nil }
            throw KafkaProtocolError.unexpectedNull(path)
        }
        if length > kafkaMaxStringLength {
            throw KafkaProtocolError(.invalidLength, path, "string length \(length) exceeds \(kafkaMaxStringLength)")
        }
        try checkKReadable(length, path)
        return self.readString(length: length)!
    }

    mutating func readKString(_ flexible: Bool, _ path: StaticString) throws -> String {
        try readKNullableString(flexible, nullable: false, path)!
    }

    mutating func writeKNullableString(_ value: String?, _ flexible: Bool, nullable: Bool, _ path: StaticString) throws {
        guard let value else {
            if !nullable { throw KafkaProtocolError(.unexpectedNull, path, "null is not allowed for this field in this version") }
            writeKLength(nil, flexible, short: true)
            return
        }
        try writeKString(value, flexible, path)
    }

    mutating func writeKString(_ value: String, _ flexible: Bool, _ path: StaticString) throws {
        let length = value.utf8.count
        if length > kafkaMaxStringLength {
            throw KafkaProtocolError(.valueTooLarge, path, "string of \(length) bytes is longer than \(kafkaMaxStringLength)")
        }
        writeKLength(length, flexible, short: true)
        writeString(value)
    }

    // MARK: Bytes and records

    mutating func readKNullableBytes(_ flexible: Bool, nullable: Bool, _ path: StaticString) throws -> [UInt8]? {
        guard let length = try readKLength(flexible, short: false, path) else {
            if nullable { return nil }
            throw KafkaProtocolError.unexpectedNull(path)
        }
        try checkKReadable(length, path)
        return self.readBytes(length: length)!
    }

    mutating func readKBytes(_ flexible: Bool, _ path: StaticString) throws -> [UInt8] {
        try readKNullableBytes(flexible, nullable: false, path)!
    }

    mutating func writeKNullableBytes(_ value: [UInt8]?, _ flexible: Bool, nullable: Bool, _ path: StaticString) throws {
        guard let value else {
            if !nullable { throw KafkaProtocolError(.unexpectedNull, path, "null is not allowed for this field in this version") }
            writeKLength(nil, flexible, short: false)
            return
        }
        try writeKBytes(value, flexible, path)
    }

    mutating func writeKBytes(_ value: [UInt8], _ flexible: Bool, _ path: StaticString) throws {
        if value.count > Int(Int32.max) - 1 { throw KafkaProtocolError(.valueTooLarge, path, "\(value.count) bytes") }
        writeKLength(value.count, flexible, short: false)
        writeBytes(value)
    }

    /// Reads a `records` field as a zero-copy slice of this buffer.
    mutating func readKRecords(_ flexible: Bool, nullable: Bool, _ path: StaticString) throws -> ByteBuffer? {
        guard let length = try readKLength(flexible, short: false, path) else {
            if nullable { return nil }
            throw KafkaProtocolError.unexpectedNull(path)
        }
        try checkKReadable(length, path)
        return self.readSlice(length: length)!
    }

    /// Writes a `records` field. A nil value in a version where the field isn't nullable
    /// is written as empty records (nil is the schema default for `records`).
    mutating func writeKRecords(_ value: ByteBuffer?, _ flexible: Bool, nullable: Bool, _ path: StaticString) throws {
        guard let value else {
            writeKLength(nullable ? nil : 0, flexible, short: false)
            return
        }
        if value.readableBytes > Int(Int32.max) - 1 { throw KafkaProtocolError(.valueTooLarge, path, "\(value.readableBytes) bytes") }
        writeKLength(value.readableBytes, flexible, short: false)
        writeImmutableBuffer(value)
    }

    // MARK: Arrays

    mutating func readKNullableArray<T: KafkaArrayElement>(_ version: Int16, _ flexible: Bool, nullable: Bool, _ path: StaticString) throws -> [T]? {
        guard let count = try readKLength(flexible, short: false, path) else {
            if nullable { return nil }
            throw KafkaProtocolError.unexpectedNull(path)
        }
        // Every element takes at least `minSize` bytes, so the count can't exceed what is left.
        let minSize = Swift.max(1, T.kafkaMinimumEncodedSize(flexible: flexible))
        guard count <= self.readableBytes / minSize else {
            throw KafkaProtocolError(.invalidLength, path, "array of \(count) element(s) needs at least \(count * minSize) byte(s) but only \(self.readableBytes) remain")
        }
        var result: [T] = []
        result.reserveCapacity(Swift.min(count, 1024))
        for _ in 0..<count {
            result.append(try T.readKafkaElement(from: &self, version: version, flexible: flexible, path))
        }
        return result
    }

    mutating func readKArray<T: KafkaArrayElement>(_ version: Int16, _ flexible: Bool, _ path: StaticString) throws -> [T] {
        try readKNullableArray(version, flexible, nullable: false, path)!
    }

    mutating func writeKNullableArray<T: KafkaArrayElement>(_ value: [T]?, _ version: Int16, _ flexible: Bool, nullable: Bool, _ path: StaticString) throws {
        guard let value else {
            if !nullable { throw KafkaProtocolError(.unexpectedNull, path, "null is not allowed for this field in this version") }
            writeKLength(nil, flexible, short: false)
            return
        }
        try writeKArray(value, version, flexible, path)
    }

    mutating func writeKArray<T: KafkaArrayElement>(_ value: [T], _ version: Int16, _ flexible: Bool, _ path: StaticString) throws {
        writeKLength(value.count, flexible, short: false)
        for element in value {
            try element.writeKafkaElement(to: &self, version: version, flexible: flexible, path)
        }
    }

    // MARK: Structs

    /// Reads a nullable struct: an int8 marker (-1 null, otherwise present) precedes it in nullable versions.
    mutating func readKNullableStruct<T: KafkaStruct>(_ version: Int16, nullable: Bool, _ path: StaticString) throws -> T? {
        if nullable {
            let marker = try readKInteger(path, as: Int8.self)
            if marker < 0 { return nil }
        }
        return try T(from: &self, version: version)
    }

    mutating func writeKNullableStruct<T: KafkaStruct>(_ value: T?, _ version: Int16, nullable: Bool, _ path: StaticString) throws {
        if nullable {
            guard let value else {
                writeInteger(-1, as: Int8.self)
                return
            }
            writeInteger(1, as: Int8.self)
            try value.write(to: &self, version: version)
        } else {
            guard let value else { throw KafkaProtocolError(.unexpectedNull, path, "null is not allowed for this field in this version") }
            try value.write(to: &self, version: version)
        }
    }

    // MARK: Tagged fields

    /// Reads the tagged-field count of a tagged-field section.
    mutating func readKTagCount(_ path: StaticString) throws -> Int {
        let n = Int(try readKUnsignedVarint(path))
        // Each tagged field takes at least two bytes (tag and size).
        guard n <= self.readableBytes / 2 else {
            throw KafkaProtocolError(.invalidLength, path, "\(n) tagged field(s) can't fit in the \(self.readableBytes) remaining byte(s)")
        }
        return n
    }

    /// Reads one tagged field's tag and returns its data as a slice.
    mutating func readKTaggedField(_ path: StaticString) throws -> KafkaTaggedField {
        let tag = try readKUnsignedVarint(path)
        let size = Int(try readKUnsignedVarint(path))
        guard size <= self.readableBytes else {
            throw KafkaProtocolError(.invalidLength, path, "tagged field \(tag) has size \(size) but only \(self.readableBytes) byte(s) remain")
        }
        return KafkaTaggedField(tag: tag, data: self.readSlice(length: size)!)
    }

    /// Skips a whole tagged-field section (for structs with no known tags).
    mutating func skipKTaggedFields(_ path: StaticString) throws {
        let n = try readKTagCount(path)
        for _ in 0..<n { _ = try readKTaggedField(path) }
    }

    /// Writes an empty tagged-field section.
    @inline(__always)
    mutating func writeKEmptyTaggedFields() { writeInteger(0, as: UInt8.self) }
}

/// One tagged field as read off the wire.
struct KafkaTaggedField {
    var tag: UInt32
    var data: ByteBuffer
}

/// Collects the tagged fields of one struct, then writes the section in one go.
/// Fields must be committed in ascending tag order.
struct KafkaTaggedFieldWriter {
    var data = ByteBuffer()
    private var entries: [(tag: UInt32, start: Int, end: Int)] = []
    private var mark = 0

    init() {}

    /// Ends the field whose bytes were just written to `data`.
    mutating func commit(_ tag: UInt32) {
        entries.append((tag, mark, data.writerIndex))
        mark = data.writerIndex
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeKUnsignedVarint(UInt32(entries.count))
        for e in entries {
            buffer.writeKUnsignedVarint(e.tag)
            buffer.writeKUnsignedVarint(UInt32(e.end - e.start))
            buffer.writeImmutableBuffer(data.getSlice(at: e.start, length: e.end - e.start)!)
        }
    }
}
