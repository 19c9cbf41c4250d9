import NIOCore

/// Splits a connection's byte stream into request frames: an int32 size, then that many bytes. A
/// negative size or one above `socket.request.max.bytes` is refused before any of the frame is
/// buffered, as Kafka refuses it (`InvalidReceiveException`), and the connection is closed.
///
/// A frame that arrives whole in one read is passed on as a slice of that read's buffer. One left
/// unfinished moves to a buffer of its own, sized and placed so that the frame ends at the
/// buffer's end, and the following reads are made into it (`RequestFrameRecvAllocator`): of a
/// large produce request only the part that came with the read that started it is copied, at most
/// 64 KiB, and the rest is read where it is used.
///
/// Concurrency: confined to the channel's event loop, like the `Target` it shares with the
/// channel's receive allocator.
final class RequestFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int
    let target: RequestFrameRecvAllocator.Target
    private var failed = false

    init(maxFrameBytes: Int, target: RequestFrameRecvAllocator.Target) {
        self.maxFrameBytes = maxFrameBytes
        self.target = target
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        do {
            var continuesPending = false
            if target.handedOut {
                target.handedOut = false
                guard buffer.readableBytesAddress == target.handedOutAddress else {
                    throw RequestFrameError.lostRead(bytes: target.handedOutBytes)
                }
                continuesPending = true
            } else if var pending = target.pending {
                // The bytes were read into a buffer of the pool's (or a test's), not the pending one.
                target.pending = nil
                pending.writeBuffer(&buffer)
                buffer = pending
                continuesPending = true
            }
            try emitFrames(from: &buffer, context: context, continuesPending: continuesPending)
        } catch {
            failed = true
            target.pending = nil
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let buffered = target.handedOut ? target.handedOutBytes : target.pending?.readableBytes ?? 0
        target.pending = nil
        target.handedOut = false
        if !failed && buffered > 0 {
            failed = true
            context.fireErrorCaught(RequestFrameError.truncated(bytes: buffered))
        }
        context.fireChannelInactive()
    }

    private func emitFrames(from buffer: inout ByteBuffer, context: ChannelHandlerContext, continuesPending: Bool) throws {
        let start = buffer.readerIndex
        while let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) {
            guard size >= 0 else { throw RequestFrameError.negativeSize(Int(size)) }
            guard Int(size) <= maxFrameBytes else { throw RequestFrameError.tooLarge(size: Int(size), limit: maxFrameBytes) }
            guard buffer.readableBytes >= 4 + Int(size) else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(size))!))
        }
        guard buffer.readableBytes > 0 else { return }
        let frameBytes = buffer.getInteger(at: buffer.readerIndex, as: Int32.self).map { 4 + Int($0) }
        if continuesPending, buffer.readerIndex == start, let frameBytes, buffer.capacity - buffer.readerIndex >= frameBytes {
            // still the one frame it was made for, with room for the rest: the next read continues it
            target.pending = buffer
            return
        }
        target.pending = Self.pendingBuffer(holding: &buffer, frameBytes: frameBytes, allocator: context.channel.allocator)
    }

    /// A buffer holding the unfinished frame at `buffer`'s reader index (the only copy of frame
    /// bytes this reader makes), with room for all of it when its size is known, placed to end
    /// where the buffer ends (NIO rounds capacities up to a power of two); with room for a read
    /// of the usual size when not even the size has arrived.
    private static func pendingBuffer(holding buffer: inout ByteBuffer, frameBytes: Int?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var pending = allocator.buffer(capacity: frameBytes ?? RequestFrameRecvAllocator.maximumStartingRead)
        if let frameBytes {
            let offset = pending.capacity - frameBytes
            pending.moveWriterIndex(to: offset)
            pending.moveReaderIndex(to: offset)
        }
        pending.writeBuffer(&buffer)
        return pending
    }
}
