import NIOCore

/// Splits the byte stream into request frames: an int32 size, then that many bytes. A negative
/// size or one above `socket.request.max.bytes` is refused before any of the frame is buffered,
/// as Kafka refuses it (`InvalidReceiveException`), and the connection is closed.
struct RequestFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 0 else { throw RequestFrameError.negativeSize(Int(size)) }
        guard Int(size) <= maxFrameBytes else { throw RequestFrameError.tooLarge(size: Int(size), limit: maxFrameBytes) }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(size))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            let size = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: size)
            throw RequestFrameError.truncated(bytes: size)
        }
        return .needMoreData
    }
}

/// Why a connection's byte stream was not a sequence of request frames.
enum RequestFrameError: Error, Equatable, CustomStringConvertible {
    case negativeSize(Int)
    case tooLarge(size: Int, limit: Int)
    case truncated(bytes: Int)

    var description: String {
        switch self {
        case .negativeSize(let size): "request frame size \(size) is negative"
        case let .tooLarge(size, limit): "request frame of \(size) bytes is larger than socket.request.max.bytes (\(limit))"
        case .truncated(let bytes): "connection closed in the middle of a request (\(bytes) byte(s) of an unfinished frame)"
        }
    }
}
