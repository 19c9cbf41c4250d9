/// One entry of a `.index` file: 8 bytes, big-endian.
///
/// ```
/// 0 relativeOffset uint32   offset - segment base offset (the last offset of the indexed batch)
/// 4 position       uint32   byte position of that batch in the segment's .log file
/// ```
public struct OffsetIndexEntry: Equatable, Sendable {
    public static let size = 8

    public var relativeOffset: UInt32
    public var position: UInt32

    public init(relativeOffset: UInt32, position: UInt32) {
        self.relativeOffset = relativeOffset
        self.position = position
    }

    public init(decoding bytes: UnsafeRawBufferPointer, at offset: Int) {
        relativeOffset = bytes.loadBigEndian(at: offset)
        position = bytes.loadBigEndian(at: offset + 4)
    }

    public func encode(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBigEndian(relativeOffset, at: offset)
        bytes.storeBigEndian(position, at: offset + 4)
    }
}

/// An absolute offset and the file position of the batch that holds it.
public struct OffsetPosition: Equatable, Sendable {
    public var offset: Int64
    public var position: Int64

    public init(offset: Int64, position: Int64) {
        self.offset = offset
        self.position = position
    }
}
