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

    /// Contexts that grew larger than this (high levels, frames with large windows) are freed
    /// rather than kept idle.
    private static let maxPooledContextSize = 16 << 20

    private static let compressionContexts = CodecContextPool(
        name: "ZSTD_CCtx",
        create: { ZSTD_createCCtx() },
        reset: {
            ZSTD_sizeof_CCtx($0) <= maxPooledContextSize
                && ZSTD_isError(ZSTD_CCtx_reset($0, ZSTD_reset_session_and_parameters)) == 0
        },
        destroy: { _ = ZSTD_freeCCtx($0) })

    private static let decompressionContexts = CodecContextPool(
        name: "ZSTD_DCtx",
        create: { ZSTD_createDCtx() },
        reset: {
            ZSTD_sizeof_DCtx($0) <= maxPooledContextSize
                && ZSTD_isError(ZSTD_DCtx_reset($0, ZSTD_reset_session_and_parameters)) == 0
        },
        destroy: { _ = ZSTD_freeDCtx($0) })

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int?) throws(EngineError) {
        let level = level ?? Int(ZSTD_CLEVEL_DEFAULT)
        guard level >= Int(ZSTD_minCLevel()), level <= Int(ZSTD_maxCLevel()) else {
            throw .compression(
                codec: "zstd", reason: "invalid compression level \(level) (must be \(ZSTD_minCLevel())...\(ZSTD_maxCLevel()))")
        }
        let bound = ZSTD_compressBound(input.count)
        if ZSTD_isError(bound) != 0 { throw error(bound, at: 0) }
        try compressionContexts.withContext(codec: .zstd) { (context) throws(EngineError) in
            try output.appendCodecOutput(capacity: bound) { (space) throws(EngineError) -> Int in
                let written = ZSTD_compressCCtx(context, space.baseAddress, space.count, input.baseAddress, input.count, Int32(level))
                if ZSTD_isError(written) != 0 { throw error(written, at: 0) }
                return written
            }
        }
    }

    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        try decompressionContexts.withContext(codec: .zstd) { (context) throws(EngineError) in
            try decompress(input, into: &output, limit: limit, context: context)
        }
    }

    private static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int, context: OpaquePointer
    ) throws(EngineError) {
        // A single frame that records its size: check it against the limit before allocating and
        // decode it in one call, without the streaming decoder's window buffer.
        let contentSize = input.isEmpty ? contentSizeError : ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if contentSize != contentSizeUnknown && contentSize != contentSizeError
            && ZSTD_findFrameCompressedSize(input.baseAddress, input.count) == input.count
        {
            guard contentSize <= UInt64(limit) else { throw .decompressedSizeExceedsLimit(.zstd, limit: limit) }
            let size = Int(contentSize)
            try output.appendCodecOutput(capacity: size) { (space) throws(EngineError) -> Int in
                let written = ZSTD_decompressDCtx(context, space.baseAddress, size, input.baseAddress, input.count)
                if ZSTD_isError(written) != 0 {
                    let message = String(cString: ZSTD_getErrorName(written))
                    throw .compression(codec: "zstd", reason: "zstd: \(message) (in the frame at byte 0, which declares \(size) bytes)")
                }
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
            while true {
                // Once the space is full, one more call with no room lets zstd read the end of the
                // frame, so that a frame filling the space exactly does not cost another chunk.
                let room = destination.size - destination.pos
                let before = (source.pos, destination.pos)
                let hint = ZSTD_decompressStream(context, &destination, &source)
                if ZSTD_isError(hint) != 0 { throw error(hint, at: source.pos) }
                // hint 0: a frame is complete and flushed; another may follow.
                if hint == 0 && source.pos == source.size { return (destination.pos, true) }
                if room == 0 { return (destination.pos, false) }
                if (source.pos, destination.pos) == before {
                    if source.pos == source.size { throw .truncatedCompressedStream(.zstd, at: source.pos) }
                    stalls += 1
                    if stalls >= maxStalls {
                        throw .compression(codec: "zstd", reason: "zstd: decoder made no progress at input byte \(source.pos)")
                    }
                } else {
                    stalls = 0
                }
            }
        }
    }

    private static func error(_ code: Int, at position: Int) -> EngineError {
        .compression(codec: "zstd", reason: "zstd: \(String(cString: ZSTD_getErrorName(code))) (at input byte \(position))")
    }
}
