extension EngineError {
    /// The decompressed form of a payload would be larger than the caller allows.
    static func decompressedSizeExceedsLimit(_ codec: CompressionCodec, limit: Int) -> EngineError {
        .compression(codec: codec.description, reason: "decompressed size exceeds limit of \(limit) bytes")
    }

    /// The payload ended in the middle of a stream.
    static func truncatedCompressedStream(_ codec: CompressionCodec, at position: Int) -> EngineError {
        .compression(codec: codec.description, reason: "\(codec) stream truncated at byte \(position)")
    }
}
