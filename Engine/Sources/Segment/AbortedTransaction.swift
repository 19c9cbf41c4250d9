/// One entry of a `.txnindex` file: 34 bytes, big-endian, one per aborted transaction whose abort
/// marker lies in the segment. Consumers with read_committed use these to skip aborted records.
///
/// ```
///  0 version          int16  0
///  2 producerId       int64
/// 10 firstOffset      int64  first offset of the transaction
/// 18 lastOffset       int64  offset of the abort marker
/// 26 lastStableOffset int64  the partition's last stable offset when the abort was written
/// ```
public struct AbortedTransaction: Equatable, Sendable {
    public static let size = 34
    public static let currentVersion: Int16 = 0

    public var version: Int16
    public var producerId: Int64
    public var firstOffset: Int64
    public var lastOffset: Int64
    public var lastStableOffset: Int64

    public init(version: Int16 = AbortedTransaction.currentVersion, producerId: Int64, firstOffset: Int64, lastOffset: Int64, lastStableOffset: Int64) {
        self.version = version
        self.producerId = producerId
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.lastStableOffset = lastStableOffset
    }

    public init(decoding bytes: UnsafeRawBufferPointer, at offset: Int) {
        version = bytes.loadBigEndian(at: offset)
        producerId = bytes.loadBigEndian(at: offset + 2)
        firstOffset = bytes.loadBigEndian(at: offset + 10)
        lastOffset = bytes.loadBigEndian(at: offset + 18)
        lastStableOffset = bytes.loadBigEndian(at: offset + 26)
    }

    public func encode(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBigEndian(version, at: offset)
        bytes.storeBigEndian(producerId, at: offset + 2)
        bytes.storeBigEndian(firstOffset, at: offset + 10)
        bytes.storeBigEndian(lastOffset, at: offset + 18)
        bytes.storeBigEndian(lastStableOffset, at: offset + 26)
    }
}
