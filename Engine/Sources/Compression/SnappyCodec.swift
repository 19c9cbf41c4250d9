import CSnappy

/// Kafka's snappy codec.
///
/// Kafka's Java client writes (and expects) snappy-java's "xerial" framing: an 8-byte magic, two
/// big-endian int32 versions, then blocks of [big-endian int32 length][raw snappy block], each
/// block compressing at most 32 KiB of input. librdkafka may send a single raw snappy block
/// instead, so input that does not start with the magic is read as one raw block.
enum SnappyCodec {
    /// `0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00` read as a big-endian integer.
    private static let magic: UInt64 = 0x8253_4E41_5050_5900
    /// The magic's first four bytes: where a block length is expected, they start a new stream
    /// header (snappy-java reads concatenated streams).
    private static let magicHead: UInt32 = 0x8253_4E41
    private static let version: UInt32 = 1
    private static let minimumCompatibleVersion: UInt32 = 1
    private static let headerSize = 16
    /// snappy-java's default block size, which Kafka uses.
    private static let blockSize = 32 * 1024

    static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(EngineError) {
        let fullBlocks = input.count / blockSize
        let tail = input.count % blockSize
        var bound = headerSize + fullBlocks * (4 + snappy_max_compressed_length(blockSize))
        if tail > 0 { bound += 4 + snappy_max_compressed_length(tail) }

        try output.appendCodecOutput(capacity: bound) { (space) throws(EngineError) -> Int in
            let out = space.baseAddress!
            out.storeBytes(of: magic.bigEndian, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(of: version.bigEndian, toByteOffset: 8, as: UInt32.self)
            out.storeBytes(of: minimumCompatibleVersion.bigEndian, toByteOffset: 12, as: UInt32.self)
            var written = headerSize
            var consumed = 0
            while consumed < input.count {
                let length = min(blockSize, input.count - consumed)
                var compressedLength = space.count - written - 4
                let status = snappy_compress(
                    input.baseAddress!.assumingMemoryBound(to: CChar.self) + consumed, length,
                    (out + written + 4).assumingMemoryBound(to: CChar.self), &compressedLength)
                guard status == SNAPPY_OK else {
                    throw .compression(codec: "snappy", reason: "snappy_compress failed (\(describe(status))) on input byte \(consumed)")
                }
                out.storeBytes(of: UInt32(compressedLength).bigEndian, toByteOffset: written, as: UInt32.self)
                written += 4 + compressedLength
                consumed += length
            }
            return written
        }
    }

    static func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        if input.count >= 8 && input.loadUnaligned(as: UInt64.self).bigEndian == magic {
            try decompressXerial(input, into: &output, limit: limit)
        } else {
            try decompressRaw(input, into: &output, limit: limit)
        }
    }

    /// One raw snappy block (librdkafka's format).
    private static func decompressRaw(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        let length = try uncompressedLength(of: input, at: 0)
        if length > limit { throw .decompressedSizeExceedsLimit(.snappy, limit: limit) }
        try output.appendCodecOutput(capacity: length) { (space) throws(EngineError) -> Int in
            try uncompress(input, at: 0, into: space, expecting: length)
            return length
        }
    }

    /// snappy-java's framing. The block headers are walked twice: first to check every length and
    /// add up the uncompressed sizes (so that the limit is enforced before anything is allocated),
    /// then to decompress each block straight into the output.
    private static func decompressXerial(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(EngineError) {
        var total = 0
        try forEachXerialBlock(input) { (position, block) throws(EngineError) in
            let length = try uncompressedLength(of: block, at: position)
            if length > limit - total { throw .decompressedSizeExceedsLimit(.snappy, limit: limit) }
            total += length
        }
        try output.appendCodecOutput(capacity: total) { (space) throws(EngineError) -> Int in
            var written = 0
            try forEachXerialBlock(input) { (position, block) throws(EngineError) in
                let length = try uncompressedLength(of: block, at: position)
                guard length <= space.count - written else {
                    throw .compression(codec: "snappy", reason: "xerial block at byte \(position) changed size while decompressing")
                }
                try uncompress(
                    block, at: position,
                    into: UnsafeMutableRawBufferPointer(rebasing: space[written..<written + length]),
                    expecting: length)
                written += length
            }
            return written
        }
    }

    /// Calls `body` with the byte position and bytes of each xerial block, after checking that
    /// every header and block lies within the input.
    private static func forEachXerialBlock(
        _ input: UnsafeRawBufferPointer,
        _ body: (Int, UnsafeRawBufferPointer) throws(EngineError) -> Void
    ) throws(EngineError) {
        var position = 0
        while position < input.count {
            let remaining = input.count - position
            guard remaining >= 4 else {
                throw .compression(
                    codec: "snappy",
                    reason: "truncated xerial block header at byte \(position): \(remaining) of 4 bytes")
            }
            let word = input.loadUnaligned(fromByteOffset: position, as: UInt32.self).bigEndian
            if word == magicHead {
                // A stream header: the first one, or the start of a concatenated stream.
                guard remaining >= headerSize else {
                    throw .compression(
                        codec: "snappy",
                        reason: "truncated xerial stream header at byte \(position): \(remaining) of \(headerSize) bytes")
                }
                guard input.loadUnaligned(fromByteOffset: position, as: UInt64.self).bigEndian == magic else {
                    throw .compression(codec: "snappy", reason: "corrupt xerial stream header at byte \(position)")
                }
                // Like snappy-java, accept any writer version from the first on and ignore the
                // minimum-compatible version (it has never changed from 1).
                let writerVersion = Int32(bitPattern: input.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self).bigEndian)
                guard writerVersion >= Int32(minimumCompatibleVersion) else {
                    throw .compression(
                        codec: "snappy",
                        reason: "xerial stream at byte \(position) has unsupported version \(writerVersion)")
                }
                position += headerSize
                continue
            }
            guard word <= UInt32(Int32.max) else {
                throw .compression(codec: "snappy", reason: "negative xerial block length at byte \(position)")
            }
            let length = Int(word)
            guard length <= remaining - 4 else {
                throw .compression(
                    codec: "snappy",
                    reason: "truncated xerial block at byte \(position): length \(length) but \(remaining - 4) bytes remain")
            }
            try body(position, UnsafeRawBufferPointer(rebasing: input[position + 4..<position + 4 + length]))
            position += 4 + length
        }
    }

    private static func uncompressedLength(of block: UnsafeRawBufferPointer, at position: Int) throws(EngineError) -> Int {
        guard let base = block.baseAddress, block.count > 0 else {
            throw .compression(codec: "snappy", reason: "empty snappy block at byte \(position)")
        }
        var length = 0
        let status = snappy_uncompressed_length(base.assumingMemoryBound(to: CChar.self), block.count, &length)
        guard status == SNAPPY_OK, length <= Int.max / 2 else {
            throw .compression(codec: "snappy", reason: "corrupt snappy block length at byte \(position)")
        }
        return length
    }

    /// Decompresses one raw block into `space`, which must have exactly the length its header gives.
    /// snappy's decompressor checks every offset and length against the input and output buffers,
    /// so a corrupt block is reported rather than read or written out of bounds.
    private static func uncompress(
        _ block: UnsafeRawBufferPointer, at position: Int,
        into space: UnsafeMutableRawBufferPointer, expecting length: Int
    ) throws(EngineError) {
        var produced = length
        let status = snappy_uncompress(
            block.baseAddress!.assumingMemoryBound(to: CChar.self), block.count,
            space.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
        guard status == SNAPPY_OK, produced == length else {
            throw .compression(codec: "snappy", reason: "corrupt snappy block at byte \(position) (\(describe(status)))")
        }
    }

    private static func describe(_ status: snappy_status) -> String {
        switch status {
        case SNAPPY_OK: "ok"
        case SNAPPY_INVALID_INPUT: "invalid input"
        case SNAPPY_BUFFER_TOO_SMALL: "buffer too small"
        default: "status \(status.rawValue)"
        }
    }
}
