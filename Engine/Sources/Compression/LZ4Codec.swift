import CLZ4

/// Kafka's lz4 codec: the LZ4 frame format (magic 0x184D2204).
///
/// Frames are written as Kafka's Java client writes them: 64 KiB independent blocks, no content
/// size, no block or content checksums (the record batch's CRC-32C already covers the payload).
/// Any valid frame is read, including linked blocks, checksums and several concatenated frames.
/// Frames from Kafka clients before 0.10 (message format 0/1, with a wrong header checksum) are not.
enum LZ4Codec {
    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int?) throws(EngineError) {
        let level = level ?? 0
        guard let level = Int32(exactly: level) else {
            throw .compression(codec: "lz4", reason: "invalid compression level \(level)")
        }
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.compressionLevel = level

        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        try output.appendCodecOutput(capacity: bound) { (space) throws(EngineError) -> Int in
            let written = LZ4F_compressFrame(space.baseAddress, space.count, input.baseAddress, input.count, &preferences)
            if LZ4F_isError(written) != 0 { throw error(written, at: 0) }
            return written
        }
    }

    private static let decompressionContexts = CodecContextPool(
        name: "LZ4F_dctx",
        create: {
            var context: OpaquePointer?
            let status = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
            return LZ4F_isError(status) == 0 ? context : nil
        },
        reset: { LZ4F_resetDecompressionContext($0); return true },
        destroy: { _ = LZ4F_freeDecompressionContext($0) })

    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        try decompressionContexts.withContext(codec: .lz4) { (context) throws(EngineError) in
            try decompress(input, into: &output, limit: limit, context: context)
        }
    }

    private static func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int, context: OpaquePointer
    ) throws(EngineError) {
        var consumed = 0
        let estimate = input.count.multipliedReportingOverflow(by: 4).overflow ? Int.max : input.count * 4
        var sink = GrowingOutput(codec: .lz4, limit: limit, estimate: estimate)
        try sink.run(into: &output) { (space) throws(EngineError) -> (written: Int, finished: Bool) in
            var written = 0
            while true {
                // Once the space is full, one more call with no room lets LZ4F read the end mark
                // (and checksum), so that a frame filling the space exactly does not cost another chunk.
                let room = space.count - written
                var used = input.count - consumed
                var produced = room
                // Not `stableDst`: the output array may move between calls, so LZ4F keeps its own
                // copy of the history a linked block needs.
                let hint = LZ4F_decompress(
                    context, space.baseAddress! + written, &produced, input.baseAddress.map { $0 + consumed }, &used, nil)
                if LZ4F_isError(hint) != 0 { throw error(hint, at: consumed) }
                consumed += used
                written += produced
                // hint 0: the end of a frame; another may follow.
                if hint == 0 && consumed == input.count { return (written, true) }
                if room == 0 { return (written, false) }
                if used == 0 && produced == 0 {
                    if consumed == input.count { throw .truncatedCompressedStream(.lz4, at: consumed) }
                    throw .compression(codec: "lz4", reason: "lz4: decoder made no progress at input byte \(consumed)")
                }
            }
        }
    }

    private static func error(_ code: Int, at position: Int) -> EngineError {
        .compression(codec: "lz4", reason: "lz4: \(String(cString: LZ4F_getErrorName(code))) (at input byte \(position))")
    }
}
