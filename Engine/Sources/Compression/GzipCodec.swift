import CZlib

/// Kafka's gzip codec: an RFC 1952 gzip stream, written and read with zlib.
///
/// Reading accepts zlib (RFC 1950) streams too, and several concatenated gzip members (as
/// `java.util.zip.GZIPInputStream` does); anything else after the end of a stream is an error.
enum GzipCodec {
    /// zlib's window bits for a 32 KiB window; +16 selects the gzip wrapper, +32 detects either.
    private static let windowBits: Int32 = 15
    /// zlib counts in `uInt`, so longer buffers are fed in pieces of this size.
    private static let maxPiece = Int(UInt32.max)

    // A z_stream holds a pointer back to itself inside zlib, so it must not move: it lives on the
    // heap. Deflate streams are pooled (setting one up costs more than compressing a small batch);
    // inflate streams are cheap to set up and are not.
    private static let deflateStreams = CodecContextPool(
        name: "deflate stream",
        create: {
            newStream { deflateInit2_($0, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, streamSize) }
        },
        reset: { deflateReset(stream($0)) == Z_OK },
        destroy: { deflateEnd(stream($0)); freeStream($0) })

    private static let streamSize = Int32(MemoryLayout<z_stream>.size)

    private static func newStream(_ initialize: (UnsafeMutablePointer<z_stream>) -> Int32) -> OpaquePointer? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard initialize(stream) == Z_OK else {
            stream.deallocate()
            return nil
        }
        return OpaquePointer(stream)
    }

    private static func stream(_ pointer: OpaquePointer) -> UnsafeMutablePointer<z_stream> {
        UnsafeMutablePointer(pointer)
    }

    private static func freeStream(_ pointer: OpaquePointer) {
        stream(pointer).deallocate()
    }

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int?) throws(EngineError) {
        let level = level ?? Int(Z_DEFAULT_COMPRESSION)
        guard level >= Int(Z_DEFAULT_COMPRESSION), level <= Int(Z_BEST_COMPRESSION) else {
            throw .compression(codec: "gzip", reason: "invalid compression level \(level) (must be -1...9)")
        }
        try deflateStreams.withContext(codec: .gzip) { (pointer) throws(EngineError) in
            try compress(input, into: &output, level: Int32(level), stream: stream(pointer))
        }
    }

    private static func compress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int32, stream: UnsafeMutablePointer<z_stream>
    ) throws(EngineError) {
        // The stream is fresh or reset, so changing the level compresses nothing yet.
        let status = deflateParams(stream, level, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else { throw error(status, stream, "deflateParams", at: 0) }
        let bound = Int(deflateBound(stream, UInt(input.count)))
        try output.appendCodecOutput(capacity: bound) { (space) throws(EngineError) -> Int in
            var consumed = 0
            var written = 0
            while true {
                let inPiece = min(input.count - consumed, maxPiece)
                let outPiece = min(space.count - written, maxPiece)
                stream.pointee.next_in = input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self) + consumed)
                }
                stream.pointee.avail_in = UInt32(inPiece)
                stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: Bytef.self) + written
                stream.pointee.avail_out = UInt32(outPiece)
                let flush = consumed + inPiece == input.count ? Z_FINISH : Z_NO_FLUSH
                let status = deflate(stream, flush)
                let used = inPiece - Int(stream.pointee.avail_in)
                let produced = outPiece - Int(stream.pointee.avail_out)
                consumed += used
                written += produced
                switch status {
                case Z_STREAM_END:
                    return written
                case Z_OK, Z_BUF_ERROR:
                    if used == 0 && produced == 0 {
                        throw .compression(codec: "gzip", reason: "compressed output exceeds deflateBound of \(bound) bytes")
                    }
                default:
                    throw error(status, stream, "deflate", at: consumed)
                }
            }
        }
    }

    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        guard let pointer = newStream({ inflateInit2_($0, windowBits + 32, ZLIB_VERSION, streamSize) }) else {
            throw .compression(codec: "gzip", reason: "zlib: cannot allocate an inflate stream")
        }
        defer {
            inflateEnd(stream(pointer))
            freeStream(pointer)
        }
        try decompress(input, into: &output, limit: limit, stream: stream(pointer))
    }

    private static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int, stream: UnsafeMutablePointer<z_stream>
    ) throws(EngineError) {
        var consumed = 0
        var sink = GrowingOutput(codec: .gzip, limit: limit, estimate: estimatedSize(input))
        try sink.run(into: &output) { (space) throws(EngineError) -> (written: Int, finished: Bool) in
            var written = 0
            while true {
                // Once the space is full, one more call with no room lets zlib read the trailer, so
                // that a stream filling the space exactly does not cost another chunk.
                let inPiece = min(input.count - consumed, maxPiece)
                let outPiece = min(space.count - written, maxPiece)
                stream.pointee.next_in = input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self) + consumed)
                }
                stream.pointee.avail_in = UInt32(inPiece)
                stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: Bytef.self) + written
                stream.pointee.avail_out = UInt32(outPiece)
                let status = inflate(stream, Z_NO_FLUSH)
                consumed += inPiece - Int(stream.pointee.avail_in)
                written += outPiece - Int(stream.pointee.avail_out)
                switch status {
                case Z_STREAM_END:
                    if consumed == input.count { return (written, true) }
                    // Another gzip member may follow (RFC 1952 §2.2); nothing else may.
                    guard input.count - consumed >= 2, input[consumed] == 0x1f, input[consumed + 1] == 0x8b else {
                        throw .compression(
                            codec: "gzip",
                            reason: "\(input.count - consumed) bytes of trailing data after the gzip stream ending at byte \(consumed)")
                    }
                    inflateReset(stream)
                case Z_OK:
                    break
                case Z_BUF_ERROR:
                    // No progress was possible: the space is full, or else the input ran out.
                    if outPiece == 0 { return (written, false) }
                    if consumed == input.count { throw .truncatedCompressedStream(.gzip, at: consumed) }
                    throw error(status, stream, "inflate", at: consumed)
                default:
                    throw error(status, stream, "inflate", at: consumed)
                }
                if outPiece == 0 { return (written, false) }
            }
        }
    }

    /// The size a gzip stream claims in its trailer (ISIZE, the length modulo 2^32 of its last
    /// member), capped at deflate's best possible ratio; only a hint for the first allocation.
    private static func estimatedSize(_ input: UnsafeRawBufferPointer) -> Int {
        let maxDeflateRatio = 1032
        let guess = input.count.multipliedReportingOverflow(by: 4).overflow ? Int.max : input.count * 4
        guard input.count >= 18, input[0] == 0x1f, input[1] == 0x8b else { return guess }
        let isize = Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self)))
        let ceiling = input.count.multipliedReportingOverflow(by: maxDeflateRatio).overflow ? Int.max : input.count * maxDeflateRatio
        return min(isize, ceiling)
    }

    private static func error(
        _ status: Int32, _ stream: UnsafeMutablePointer<z_stream>, _ function: String, at position: Int
    ) -> EngineError {
        let message: String
        if let msg = stream.pointee.msg {
            message = String(cString: msg)
        } else {
            message = String(cString: zError(status))
        }
        return .compression(codec: "gzip", reason: "zlib: \(message) (\(function) returned \(status) at input byte \(position))")
    }
}
