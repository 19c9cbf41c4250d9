/// Appends the output of a streaming decompressor whose total size is not known in advance to a
/// byte array, in geometrically growing chunks, and stops it once it has produced more than `limit`
/// bytes. At most `limit + 1` bytes of space are ever handed out, so a decompression bomb costs no
/// more memory than the caller allowed.
struct GrowingOutput {
    /// The smallest chunk worth growing the array by (also a typical Kafka batch size).
    static let minimumChunk = 64 * 1024

    let codec: CompressionCodec
    let limit: Int
    /// Bytes appended so far.
    private(set) var produced = 0
    private var nextChunk: Int

    /// `estimate` is a guess of the total decompressed size; it need not be right.
    init(codec: CompressionCodec, limit: Int, estimate: Int) {
        self.codec = codec
        self.limit = limit
        self.nextChunk = max(estimate, 1)
    }

    /// Repeatedly hands `fill` fresh space at the end of `output`. `fill` writes decompressed bytes
    /// from the start of that space and returns how many it wrote and whether the stream has ended;
    /// it should return only when the stream has ended or the space is full.
    mutating func run(
        into output: inout [UInt8],
        _ fill: (UnsafeMutableRawBufferPointer) throws(EngineError) -> (written: Int, finished: Bool)
    ) throws(EngineError) {
        while true {
            // One byte beyond the limit tells "exactly the limit" apart from "more than the limit".
            let allowance = limit - produced < Int.max ? limit - produced + 1 : Int.max
            let chunk = min(nextChunk, allowance)
            var finished = false
            var written = 0
            try output.appendCodecOutput(capacity: chunk) { (space) throws(EngineError) -> Int in
                (written, finished) = try fill(space)
                return written
            }
            produced += written
            if produced > limit { throw .decompressedSizeExceedsLimit(codec, limit: limit) }
            if finished { return }
            // The space ran out: double the total.
            nextChunk = max(produced, Self.minimumChunk)
        }
    }
}
