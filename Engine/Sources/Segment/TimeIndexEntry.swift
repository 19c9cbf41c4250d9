/// One entry of a `.timeindex` file: 12 bytes, big-endian.
///
/// ```
/// 0 timestamp      int64    the largest timestamp seen in the segment so far
/// 8 relativeOffset uint32   offset - base offset of the batch that carried that timestamp
/// ```
/// Entries only ever increase in timestamp; a batch whose timestamp is not a new maximum adds none.
public struct TimeIndexEntry: Equatable, Sendable {
    public static let size = 12

    public var timestamp: Int64
    public var relativeOffset: UInt32

    public init(timestamp: Int64, relativeOffset: UInt32) {
        self.timestamp = timestamp
        self.relativeOffset = relativeOffset
    }

    public init(decoding bytes: UnsafeRawBufferPointer, at offset: Int) {
        timestamp = bytes.loadBigEndian(at: offset)
        relativeOffset = bytes.loadBigEndian(at: offset + 8)
    }

    public func encode(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBigEndian(timestamp, at: offset)
        bytes.storeBigEndian(relativeOffset, at: offset + 8)
    }
}

/// A timestamp and the offset it was found at.
public struct TimestampOffset: Equatable, Sendable {
    public var timestamp: Int64
    public var offset: Int64

    public init(timestamp: Int64, offset: Int64) {
        self.timestamp = timestamp
        self.offset = offset
    }
}
