/// Kafka's compression type, the low 3 bits of a RecordBatch's attributes.
///
/// The compressed forms are exactly the ones Apache Kafka's Java client and librdkafka exchange:
/// a gzip stream, xerial-framed snappy (raw snappy is accepted on read), an LZ4 frame and a zstd
/// frame. Every method is safe to call from several threads at once.
public enum CompressionCodec: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4

    /// Kafka's name for the codec, as used by `compression.type`.
    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    /// Parses Kafka's names for the codecs ("none", "gzip", "snappy", "lz4", "zstd"). Like Kafka's
    /// `CompressionType.forName`, the match is exact (case-sensitive).
    public init?(name: String) {
        switch name {
        case "none": self = .none
        case "gzip": self = .gzip
        case "snappy": self = .snappy
        case "lz4": self = .lz4
        case "zstd": self = .zstd
        default: return nil
        }
    }

    /// Appends the compressed form of `input` to `output`.
    ///
    /// `level` is the codec's own compression level (gzip -1...9, lz4 as for `LZ4F_preferences_t`
    /// where 0 is the fast default and 3...12 use LZ4HC, zstd `ZSTD_minCLevel()...ZSTD_maxCLevel()`);
    /// nil picks the library's default (gzip 6, lz4 fast, zstd 3). snappy and none have no levels
    /// and ignore it. On error `output` is left as it was.
    public func compress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], level: Int? = nil
    ) throws(EngineError) {
        let start = output.count
        do throws(EngineError) {
            switch self {
            case .none: output.append(contentsOf: input)
            case .gzip: try GzipCodec.compress(input, into: &output, level: level)
            case .snappy: try SnappyCodec.compress(input, into: &output)
            case .lz4: try LZ4Codec.compress(input, into: &output, level: level)
            case .zstd: try ZstdCodec.compress(input, into: &output, level: level)
            }
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    /// Appends the decompressed form of `input` to `output`. Throws if the output would exceed
    /// `limit` bytes (defence against decompression bombs) or the input is malformed/truncated.
    /// On error `output` is left as it was.
    public func decompress(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int
    ) throws(EngineError) {
        let limit = max(limit, 0)
        let start = output.count
        do throws(EngineError) {
            switch self {
            case .none:
                if input.count > limit { throw .decompressedSizeExceedsLimit(self, limit: limit) }
                output.append(contentsOf: input)
            case .gzip: try GzipCodec.decompress(input, into: &output, limit: limit)
            case .snappy: try SnappyCodec.decompress(input, into: &output, limit: limit)
            case .lz4: try LZ4Codec.decompress(input, into: &output, limit: limit)
            case .zstd: try ZstdCodec.decompress(input, into: &output, limit: limit)
            }
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }
}
