import NIOCore

// Request/response framing: the int32 size prefix, the header (whose version depends on
// the API key and version) and the body.

extension RequestHeader {
    /// Returns the API key and version at the front of a request (after the size prefix)
    /// without consuming anything, or nil if fewer than four bytes are readable.
    public static func peekApiKeyAndVersion(_ buffer: ByteBuffer) -> (apiKey: Int16, apiVersion: Int16)? {
        guard let key = buffer.getInteger(at: buffer.readerIndex, as: Int16.self),
              let version = buffer.getInteger(at: buffer.readerIndex + 2, as: Int16.self) else { return nil }
        return (key, version)
    }

    /// Reads a request header, choosing the header version from its API key and version.
    /// The API version is not checked against the API's valid versions here, so a server
    /// can still answer e.g. an ApiVersions request of a version it doesn't know.
    public static func read(from buffer: inout ByteBuffer) throws -> RequestHeader {
        guard let (rawKey, version) = peekApiKeyAndVersion(buffer) else {
            throw KafkaProtocolError(kind: .truncated, message: "RequestHeader", field: "requestApiKey",
                                     reason: "a request header needs at least 4 bytes, \(buffer.readableBytes) remain")
        }
        guard let apiKey = ApiKey(rawValue: rawKey) else {
            throw KafkaProtocolError(kind: .unknownApiKey, message: "RequestHeader", field: "requestApiKey",
                                     reason: "unknown API key \(rawKey) (version \(version))")
        }
        return try RequestHeader(from: &buffer, version: apiKey.requestHeaderVersion(for: version))
    }

    /// The API key, if it is a known one.
    public var apiKey: ApiKey? { ApiKey(rawValue: requestApiKey) }
}

/// A decoded request: its header and its body.
public struct KafkaRequest: Equatable, Sendable {
    public var header: RequestHeader
    public var body: KafkaRequestBody

    public init(header: RequestHeader, body: KafkaRequestBody) {
        self.header = header
        self.body = body
    }

    /// Decodes a request frame whose int32 size prefix has already been removed.
    /// The body's record data (`records` fields) are zero-copy slices of `frame`.
    /// Throws `KafkaProtocolError` for an unknown API key, an unsupported version or
    /// malformed bytes; bytes after the body are ignored, as Kafka does.
    public init(frame: ByteBuffer) throws {
        var buffer = frame
        let header = try RequestHeader.read(from: &buffer)
        let apiKey = ApiKey(rawValue: header.requestApiKey)!  // checked by RequestHeader.read
        let body = try KafkaRequestBody(apiKey: apiKey, version: header.requestApiVersion, from: &buffer)
        self.init(header: header, body: body)
    }
}

extension KafkaRequestMessage {
    /// Writes a complete request frame: int32 size, request header, body.
    public func writeFrame(to buffer: inout ByteBuffer, version: Int16, correlationId: Int32, clientId: String?) throws {
        let header = RequestHeader(requestApiKey: Self.apiKey.rawValue, requestApiVersion: version,
                                   correlationId: correlationId, clientId: clientId)
        try buffer.writeKafkaFrame {
            try header.write(to: &$0, version: Self.requestHeaderVersion(for: version))
            try self.write(to: &$0, version: version)
        }
    }
}

extension KafkaResponseMessage {
    /// Writes a complete response frame: int32 size, response header, body.
    public func writeFrame(to buffer: inout ByteBuffer, version: Int16, correlationId: Int32) throws {
        try buffer.writeKafkaFrame {
            try ResponseHeader(correlationId: correlationId).write(to: &$0, version: Self.responseHeaderVersion(for: version))
            try self.write(to: &$0, version: version)
        }
    }

    /// Decodes a response frame (without its size prefix) of this type at `version`,
    /// checking that no bytes are left over.
    public static func decodeFrame(_ frame: ByteBuffer, version: Int16) throws -> (header: ResponseHeader, body: Self) {
        var buffer = frame
        let header = try ResponseHeader(from: &buffer, version: responseHeaderVersion(for: version))
        let body = try Self(decoding: buffer.slice(), version: version)
        return (header, body)
    }
}

extension ByteBuffer {
    /// Writes an int32 size prefix followed by whatever `body` writes.
    public mutating func writeKafkaFrame(_ body: (inout ByteBuffer) throws -> Void) rethrows {
        let sizeIndex = writerIndex
        writeInteger(Int32(0))
        try body(&self)
        setInteger(Int32(truncatingIfNeeded: writerIndex - sizeIndex - 4), at: sizeIndex)
    }
}
