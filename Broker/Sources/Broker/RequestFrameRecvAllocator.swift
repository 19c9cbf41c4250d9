import NIOCore

/// Chooses the buffer each socket read of one connection goes into, so that a request frame
/// arriving in several reads ends up in one buffer without being copied together.
///
/// Reads that start a frame go into NIO's usual adaptively sized buffers (at most 64 KiB). When a
/// frame is left unfinished at the end of one, `RequestFrameReader` copies what has arrived of it
/// (at most that 64 KiB) into a buffer sized for the whole frame, placed so that the frame ends
/// exactly at the buffer's end, and leaves it in `target`. The next read is then made into that
/// buffer: the socket's bytes land right after the frame's start, and no read can run past the
/// frame's end into the next one. A produce request of a megabyte is thus copied from the socket
/// once, by the kernel, instead of being read in pieces and joined (NIO's `ByteToMessageHandler`
/// copies every piece after the first into one buffer).
///
/// Needs `maxMessagesPerRead` = 1: NIO's receive-buffer pool then keeps only the first buffer it
/// is given and reuses it only when asked through `nextBufferSize()`, so a frame buffer handed
/// out here is never kept in the pool or reused for another read.
struct RequestFrameRecvAllocator: RecvByteBufferAllocator {
    /// Where the next read goes; shared by a connection's allocator and its `RequestFrameReader`.
    /// Confined to the connection's event loop (NIO calls both only there).
    final class Target: @unchecked Sendable {
        /// The start of an unfinished frame, with room behind it for the rest: the next read
        /// appends to it. Nothing else holds it when it is handed out, so the read writes in place.
        var pending: ByteBuffer?
        /// Set from handing `pending` to a read until `RequestFrameReader` takes it back.
        var handedOut = false
        /// The handed-out buffer's readable bytes at hand-out: their address, to recognise the
        /// buffer when it comes back, and their count, for the error when it does not.
        var handedOutAddress: UInt = 0
        var handedOutBytes = 0
    }

    static let maximumStartingRead = 64 << 10

    let target: Target
    private var adaptive = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximumStartingRead)

    init(target: Target) {
        self.target = target
    }

    /// A size while no frame is unfinished, so the pool may reuse its buffer; none otherwise, so
    /// the pool asks `buffer(allocator:)` (the pending frame's buffer).
    func nextBufferSize() -> Int? {
        target.pending == nil ? adaptive.nextBufferSize() : nil
    }

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let pending = target.pending else { return adaptive.buffer(allocator: allocator) }
        target.pending = nil
        target.handedOut = true
        target.handedOutBytes = pending.readableBytes
        target.handedOutAddress = pending.readableBytesAddress
        return pending
    }

    /// Always true: with no size hint (a pending frame) the pool then calls `buffer(allocator:)`
    /// instead of reusing its own buffer.
    mutating func record(actualReadBytes: Int) -> Bool {
        if !target.handedOut {
            _ = adaptive.record(actualReadBytes: actualReadBytes)
        }
        return true
    }
}

extension ByteBuffer {
    /// The address of the first readable byte (0 when there is none): which memory a frame is in.
    var readableBytesAddress: UInt {
        withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
    }
}
