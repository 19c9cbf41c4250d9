import Engine
import KafkaProtocol
import NIOCore

/// What a request handler hands back to the connection.
public enum KafkaResponse: Sendable {
    /// A response message, encoded by the connection at the request's version.
    case message(any KafkaResponseMessage)
    /// A response already laid out as bytes and file regions (Fetch), frame size included.
    case parts(ResponseParts)
    /// No response is sent (Produce with acks=0).
    case none
    /// Close the connection without answering (Kafka's reaction to some protocol violations).
    case close(reason: String)
}

/// A response frame as a sequence of in-memory bytes and file regions, so record data goes from
/// the segment file to the socket with sendfile(2) instead of through Swift buffers.
public struct ResponseParts: Sendable {
    public enum Part: Sendable {
        case bytes(ByteBuffer)
        case file(Engine.FileRegion)
    }

    public private(set) var parts: [Part] = []
    /// The buffer in-memory bytes are appended to (after the last file region).
    public var buffer: ByteBuffer
    private var fileBytes = 0

    /// Starts a frame: reserves the int32 size prefix.
    public init(allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        buffer = allocator.buffer(capacity: 256)
        buffer.writeInteger(Int32(0))
    }

    /// Appends a file region after the bytes written so far.
    public mutating func append(_ region: Engine.FileRegion) {
        guard region.length > 0 else { return }
        parts.append(.bytes(buffer))
        parts.append(.file(region))
        fileBytes += region.length
        buffer = ByteBufferAllocator().buffer(capacity: 128)
    }

    /// Completes the frame: sets the size prefix and returns the parts in order.
    public mutating func finish() -> [Part] {
        parts.append(.bytes(buffer))
        buffer = ByteBuffer()
        let total = parts.reduce(0) { sum, part in
            switch part {
            case .bytes(let bytes): sum + bytes.readableBytes
            case .file(let region): sum + region.length
            }
        }
        if case .bytes(var first) = parts[0] {
            first.setInteger(Int32(truncatingIfNeeded: total - 4), at: first.readerIndex)
            parts[0] = .bytes(first)
        }
        let finished = parts
        parts = []
        return finished
    }

    /// Bytes of record data carried as file regions.
    public var fileByteCount: Int { fileBytes }
}
