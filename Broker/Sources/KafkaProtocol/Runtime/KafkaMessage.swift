import NIOCore

/// A value that can be an element of a Kafka array field.
public protocol KafkaArrayElement: Sendable, Equatable {
    /// The fewest bytes one element can take on the wire; used to reject element counts
    /// that can't fit in the remaining bytes before anything is allocated.
    static func kafkaMinimumEncodedSize(flexible: Bool) -> Int
    static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Self
    func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws
}

/// A generated struct: a message, or a struct nested in one.
public protocol KafkaStruct: KafkaArrayElement {
    /// Every field at its schema default.
    init()
    /// Decodes the struct at `version`. Throws `KafkaProtocolError` on malformed input.
    init(from buffer: inout ByteBuffer, version: Int16) throws
    /// Encodes the struct at `version`. Throws `KafkaProtocolError` if a value can't be
    /// represented at that version (a non-ignorable field the version lacks, a null in a
    /// non-nullable position, an over-long string).
    func write(to buffer: inout ByteBuffer, version: Int16) throws
}

extension KafkaStruct {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 1 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Self {
        try Self(from: &buffer, version: version)
    }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws {
        try write(to: &buffer, version: version)
    }
}

/// A top-level schema (request, response, header or data).
public protocol KafkaMessage: KafkaStruct {
    /// The schema name, e.g. `FetchRequest`.
    static var messageName: String { get }
    /// The versions this schema defines.
    static var validVersions: ClosedRange<Int16> { get }
    /// The lowest flexible version, or nil if no version is flexible.
    static var firstFlexibleVersion: Int16? { get }
}

extension KafkaMessage {
    /// Whether `version` uses the flexible (compact + tagged fields) encoding.
    public static func isFlexible(_ version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// Decodes a message and checks that it used every byte of `buffer`.
    public init(decoding buffer: ByteBuffer, version: Int16) throws {
        var b = buffer
        try self.init(from: &b, version: version)
        if b.readableBytes != 0 {
            throw KafkaProtocolError(kind: .trailingBytes, message: Self.messageName, field: "",
                                     reason: "\(b.readableBytes) byte(s) left over after version \(version)")
        }
    }

    /// Encodes the message into a new buffer.
    public func encoded(version: Int16, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
        var b = allocator.buffer(capacity: 64)
        try write(to: &b, version: version)
        return b
    }
}

/// A request or response of one API.
public protocol KafkaApiMessage: KafkaMessage {
    static var apiKey: ApiKey { get }
}

extension KafkaApiMessage {
    /// The request header version a request of `version` uses.
    public static func requestHeaderVersion(for version: Int16) -> Int16 { apiKey.requestHeaderVersion(for: version) }
    /// The response header version a response of `version` uses (ApiVersions always uses v0).
    public static func responseHeaderVersion(for version: Int16) -> Int16 { apiKey.responseHeaderVersion(for: version) }
}

public protocol KafkaRequestMessage: KafkaApiMessage {
    associatedtype Response: KafkaResponseMessage
}

public protocol KafkaResponseMessage: KafkaApiMessage {}

// MARK: - Primitive array elements

extension Int8: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 1 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Int8 { try buffer.readKInt8(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension Int16: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 2 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Int16 { try buffer.readKInt16(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension Int32: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 4 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Int32 { try buffer.readKInt32(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension Int64: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 8 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Int64 { try buffer.readKInt64(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension UInt16: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 2 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> UInt16 { try buffer.readKUInt16(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension UInt32: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 4 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> UInt32 { try buffer.readKUInt32(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeInteger(self) }
}

extension Bool: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 1 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Bool { try buffer.readKBool(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeKBool(self) }
}

extension Double: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 8 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> Double { try buffer.readKFloat64(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeKFloat64(self) }
}

extension KafkaUUID: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { 16 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> KafkaUUID { try buffer.readKUUID(path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) { buffer.writeKUUID(self) }
}

extension String: KafkaArrayElement {
    public static func kafkaMinimumEncodedSize(flexible: Bool) -> Int { flexible ? 1 : 2 }
    public static func readKafkaElement(from buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws -> String { try buffer.readKString(flexible, path) }
    public func writeKafkaElement(to buffer: inout ByteBuffer, version: Int16, flexible: Bool, _ path: StaticString) throws { try buffer.writeKString(self, flexible, path) }
}
