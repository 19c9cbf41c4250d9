/// A producer-state snapshot file, `<20-digit offset>.snapshot` in the partition directory: the
/// state of every producer after all batches below `offset`, so that loading it and replaying the
/// log from `offset` restores the state without reading older segments. Byte-compatible with
/// Apache Kafka (its `ProducerSnapshot` message, version 1, not flexible), all big-endian:
///
/// ```
///  0 version                int16   1
///  2 crc                    uint32  CRC-32C of bytes 6..<end
///  6 entry count            int32
/// 10 entries, 46 bytes each:
///     0 producerId            int64
///     8 epoch                 int16
///    10 lastSequence          int32   -1 when no batch is remembered
///    14 lastOffset            int64   -1 when no batch is remembered
///    22 offsetDelta           int32   lastOffset - first offset of the last batch
///    26 timestamp             int64   max timestamp of the last batch or marker
///    34 coordinatorEpoch      int32
///    38 currentTxnFirstOffset int64   -1 when no transaction is open
/// ```
///
/// Only the last batch of each producer is kept (as in Kafka), so after a restart a retry of an
/// older in-flight batch is checked against that one. A file is written whole and then (unless
/// it is a roll's snapshot, flushed in the background) fsynced; a torn or damaged file fails its
/// CRC and is ignored on load.
public struct ProducerStateSnapshot: Equatable, Sendable {
    public static let version: Int16 = 1
    public static let suffix = ".snapshot"
    static let headerSize = 10
    static let entrySize = 46
    static let crcOffset = 2
    static let crcCoveredFrom = 6

    public var entries: [ProducerStateEntry]

    public init(entries: [ProducerStateEntry]) {
        self.entries = entries
    }

    /// The file bytes. Entries are written in producer-id order so that equal states give equal files.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + entries.count * Self.entrySize)
        bytes.appendBigEndian(Self.version)
        bytes.appendBigEndian(UInt32(0))
        bytes.appendBigEndian(Int32(entries.count))
        for entry in entries.sorted(by: { $0.producerId < $1.producerId }) {
            bytes.appendBigEndian(entry.producerId)
            bytes.appendBigEndian(entry.producerEpoch)
            bytes.appendBigEndian(entry.lastSequence)
            bytes.appendBigEndian(entry.lastDataOffset)
            bytes.appendBigEndian(entry.lastOffsetDelta)
            bytes.appendBigEndian(entry.lastTimestamp)
            bytes.appendBigEndian(entry.coordinatorEpoch)
            bytes.appendBigEndian(entry.currentTransactionFirstOffset ?? -1)
        }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[Self.crcCoveredFrom...])) }
        bytes.storeBigEndian(crc, at: Self.crcOffset)
        return bytes
    }

    /// Decodes and checks a snapshot file's bytes; `file` names it in errors.
    public init(decoding bytes: [UInt8], file: String) throws(EngineError) {
        guard bytes.count >= Self.headerSize else {
            throw .corruptSnapshot(file: file, reason: "\(bytes.count) bytes, fewer than the \(Self.headerSize)-byte header")
        }
        let version: Int16 = bytes.loadBigEndian(at: 0)
        guard version == Self.version else {
            throw .corruptSnapshot(file: file, reason: "unknown version \(version) (expected \(Self.version))")
        }
        let stored: UInt32 = bytes.loadBigEndian(at: Self.crcOffset)
        let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[Self.crcCoveredFrom...])) }
        guard stored == computed else {
            throw .corruptSnapshot(file: file, reason: "CRC mismatch: stored \(stored), computed \(computed)")
        }
        let count: Int32 = bytes.loadBigEndian(at: 6)
        guard count >= 0, Self.headerSize + Int(count) * Self.entrySize == bytes.count else {
            throw .corruptSnapshot(file: file, reason: "entry count \(count) does not match the file size of \(bytes.count) bytes")
        }
        var entries: [ProducerStateEntry] = []
        entries.reserveCapacity(Int(count))
        var at = Self.headerSize
        for _ in 0..<Int(count) {
            let producerId: Int64 = bytes.loadBigEndian(at: at)
            let epoch: Int16 = bytes.loadBigEndian(at: at + 8)
            let lastSequence: Int32 = bytes.loadBigEndian(at: at + 10)
            let lastOffset: Int64 = bytes.loadBigEndian(at: at + 14)
            let offsetDelta: Int32 = bytes.loadBigEndian(at: at + 22)
            let timestamp: Int64 = bytes.loadBigEndian(at: at + 26)
            let coordinatorEpoch: Int32 = bytes.loadBigEndian(at: at + 34)
            let transactionFirstOffset: Int64 = bytes.loadBigEndian(at: at + 38)
            let batches = lastOffset >= 0
                ? [ProducerStateEntry.Batch(lastSequence: lastSequence, lastOffset: lastOffset, offsetDelta: offsetDelta, maxTimestamp: timestamp)]
                : []
            entries.append(ProducerStateEntry(
                producerId: producerId, producerEpoch: epoch, coordinatorEpoch: coordinatorEpoch, lastTimestamp: timestamp,
                currentTransactionFirstOffset: transactionFirstOffset >= 0 ? transactionFirstOffset : nil, batches: batches))
            at += Self.entrySize
        }
        self.entries = entries
    }

    /// The file's path for a snapshot at `offset`.
    public static func path(directory: String, offset: Int64) -> String {
        SegmentFileName.path(directory: directory, baseOffset: offset, suffix: suffix)
    }

    /// The offset of a snapshot file by its name, or nil if it is not one.
    public static func offset(ofFileNamed name: String) -> Int64? {
        SegmentFileName.baseOffset(of: name, suffix: suffix)
    }
}
