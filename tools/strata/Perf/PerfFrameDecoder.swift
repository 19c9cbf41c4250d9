import NIOCore

/// Splits the broker's byte stream into response frames: a 4-byte big-endian size, then that
/// many bytes (correlation id first). The size prefix is dropped.
struct PerfFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    static let maximumFrameBytes = 256 << 20

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= Self.maximumFrameBytes else {
            throw ClientError("the broker sent a response frame of \(size) bytes")
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(size))!
        context.fireChannelRead(NIOAny(frame))
        return .continue
    }
}
