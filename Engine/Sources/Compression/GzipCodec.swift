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

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int?) throws(EngineError) {
        let level = level ?? Int(Z_DEFAULT_COMPRESSION)
        guard level >= Int(Z_DEFAULT_COMPRESSION), level <= Int(Z_BEST_COMPRESSION) else {
            throw .compression(codec: "gzip", reason: "invalid compression level \(level) (must be -1...9)")
        }
        // z_stream holds a pointer back to itself inside zlib, so it must not move: keep it on the heap.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = deflateInit2_(
            stream, Int32(level), Z_DEFLATED, windowBits + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw error(status, stream, "deflateInit2", at: 0) }
        defer { deflateEnd(stream) }

        let bound = Int(deflateBound(stream, UInt(input.count)))
        try output.appendBytes(capacity: bound) { (space) throws(EngineError) -> Int in
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
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = inflateInit2_(stream, windowBits + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw error(status, stream, "inflateInit2", at: 0) }
        defer { inflateEnd(stream) }

        var consumed = 0
        var sink = GrowingOutput(codec: .gzip, limit: limit, estimate: estimatedSize(input))
        try sink.run(into: &output) { (space) throws(EngineError) -> (written: Int, finished: Bool) in
            var written = 0
            while written < space.count {
                let inPiece = min(input.count - consumed, maxPiece)
                let outPiece = min(space.count - written, maxPiece)
                stream.pointee.next_in = input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self) + consumed)
                }
                stream.pointee.avail_in = UInt32(inPiece)
                stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: Bytef.self) + written
                stream.pointee.avail_out = UInt32(outPiece)
                let status = inflate(stream, Z_NO_FLUSH)
                let used = inPiece - Int(stream.pointee.avail_in)
                let produced = outPiece - Int(stream.pointee.avail_out)
                consumed += used
                written += produced
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
                    continue
                case Z_BUF_ERROR:
                    // No progress was possible. The output space is not full, so the input ran out.
                    if consumed == input.count { throw .truncatedStream(.gzip, at: consumed) }
                    throw error(status, stream, "inflate", at: consumed)
                default:
                    throw error(status, stream, "inflate", at: consumed)
                }
            }
            return (written, false)
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
