import CZstd

/// Kafka's zstd codec: one or more zstd frames.
///
/// Java clients write frames with zstd-jni's streaming API, which do not record the decompressed
/// size, so reading falls back to `ZSTD_decompressStream` whenever a single frame does not say how
/// large it is.
enum ZstdCodec {
    /// `ZSTD_getFrameContentSize`'s answers for "not recorded" and "not a valid frame header".
    private static let contentSizeUnknown = UInt64.max
    private static let contentSizeError = UInt64.max - 1
    /// Attempts without progress after which the decoder is considered stuck.
    private static let maxStalls = 16

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int?) throws(EngineError) {
        let level = level ?? Int(ZSTD_CLEVEL_DEFAULT)
        guard level >= Int(ZSTD_minCLevel()), level <= Int(ZSTD_maxCLevel()) else {
            throw .compression(
                codec: "zstd", reason: "invalid compression level \(level) (must be \(ZSTD_minCLevel())...\(ZSTD_maxCLevel()))")
        }
        guard let context = ZSTD_createCCtx() else {
            throw .compression(codec: "zstd", reason: "cannot create a compression context")
        }
        defer { ZSTD_freeCCtx(context) }
        let bound = ZSTD_compressBound(input.count)
        if ZSTD_isError(bound) != 0 { throw error(bound, at: 0) }
        try output.appendBytes(capacity: bound) { (space) throws(EngineError) -> Int in
            let written = ZSTD_compressCCtx(context, space.baseAddress, space.count, input.baseAddress, input.count, Int32(level))
            if ZSTD_isError(written) != 0 { throw error(written, at: 0) }
            return written
        }
    }

    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        guard let context = ZSTD_createDCtx() else {
            throw .compression(codec: "zstd", reason: "cannot create a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }

        // A single frame that records its size: check it against the limit before allocating and
        // decode it in one call, without the streaming decoder's window buffer.
        let contentSize = input.isEmpty ? contentSizeError : ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if contentSize != contentSizeUnknown && contentSize != contentSizeError
            && ZSTD_findFrameCompressedSize(input.baseAddress, input.count) == input.count
        {
            guard contentSize <= UInt64(limit) else { throw .decompressedSizeExceedsLimit(.zstd, limit: limit) }
            let size = Int(contentSize)
            try output.appendBytes(capacity: size) { (space) throws(EngineError) -> Int in
                let written = ZSTD_decompressDCtx(context, space.baseAddress, size, input.baseAddress, input.count)
                if ZSTD_isError(written) != 0 { throw error(written, at: 0) }
                guard written == size else {
                    throw .compression(codec: "zstd", reason: "zstd frame declares \(size) bytes but holds \(written)")
                }
                return written
            }
            return
        }

        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var stalls = 0
        let estimate: Int
        if contentSize != contentSizeUnknown && contentSize != contentSizeError {
            estimate = contentSize < UInt64(Int.max) ? Int(contentSize) : Int.max
        } else {
            estimate = input.count.multipliedReportingOverflow(by: 4).overflow ? Int.max : input.count * 4
        }
        var sink = GrowingOutput(codec: .zstd, limit: limit, estimate: estimate)
        try sink.run(into: &output) { (space) throws(EngineError) -> (written: Int, finished: Bool) in
            var destination = ZSTD_outBuffer(dst: space.baseAddress, size: space.count, pos: 0)
            while destination.pos < destination.size {
                let before = (source.pos, destination.pos)
                let hint = ZSTD_decompressStream(context, &destination, &source)
                if ZSTD_isError(hint) != 0 { throw error(hint, at: source.pos) }
                if hint == 0 {
                    // A frame is complete and flushed; another may follow.
                    if source.pos == source.size { return (destination.pos, true) }
                } else if (source.pos, destination.pos) == before {
                    if source.pos == source.size { throw .truncatedStream(.zstd, at: source.pos) }
                    stalls += 1
                    if stalls >= maxStalls {
                        throw .compression(codec: "zstd", reason: "zstd: decoder made no progress at input byte \(source.pos)")
                    }
                } else {
                    stalls = 0
                }
            }
            return (destination.pos, false)
        }
    }

    private static func error(_ code: Int, at position: Int) -> EngineError {
        .compression(codec: "zstd", reason: "zstd: \(String(cString: ZSTD_getErrorName(code))) (at input byte \(position))")
    }
}
