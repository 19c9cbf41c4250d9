@testable import Engine
import Foundation
import XCTest

/// The `.snapshot` file format against bytes built by hand from Kafka's `ProducerSnapshot`
/// schema (storage/src/main/resources/message/ProducerSnapshot.json, version 1) and its writer
/// (`ProducerStateManager.writeSnapshot`: version, CRC-32C of everything after the CRC, entries).
final class ProducerStateSnapshotTests: XCTestCase {
    /// Two producers: one with a batch and an open transaction, one known only by its epoch.
    static let entries = [
        ProducerStateEntry(
            producerId: 1000, producerEpoch: 5, coordinatorEpoch: 7, lastTimestamp: 1_700_000_000_123, currentTransactionFirstOffset: 96,
            batches: [ProducerStateEntry.Batch(lastSequence: 9, lastOffset: 100, offsetDelta: 4, maxTimestamp: 1_700_000_000_123)]),
        ProducerStateEntry(producerId: 2000, producerEpoch: 0, coordinatorEpoch: -1, lastTimestamp: 42),
    ]

    /// The file, field by field. The CRC was computed with a bit-at-a-time CRC-32C (polynomial
    /// 0x82F63B78, check value of "123456789" = 0xE3069283), independent of the engine's.
    static let golden = hex(
        "0001",                 // version int16 = 1
        "dcb59b0b",             // crc uint32 over the bytes below
        "00000002",             // entry count int32 = 2
        "00000000000003e8",     // producerId 1000
        "0005",                 // epoch 5
        "00000009",             // lastSequence 9
        "0000000000000064",     // lastOffset 100
        "00000004",             // offsetDelta 4
        "0000018bcfe5687b",     // timestamp 1_700_000_000_123
        "00000007",             // coordinatorEpoch 7
        "0000000000000060",     // currentTxnFirstOffset 96
        "00000000000007d0",     // producerId 2000
        "0000",                 // epoch 0
        "ffffffff",             // lastSequence -1: no batch
        "ffffffffffffffff",     // lastOffset -1: no batch
        "00000000",             // offsetDelta 0
        "000000000000002a",     // timestamp 42
        "ffffffff",             // coordinatorEpoch -1
        "ffffffffffffffff")     // currentTxnFirstOffset -1: no open transaction

    static func hex(_ parts: String...) -> [UInt8] {
        let text = parts.joined()
        return stride(from: 0, to: text.count, by: 2).map { index in
            let start = text.index(text.startIndex, offsetBy: index)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    func testEncodesKafkasLayoutByteForByte() {
        XCTAssertEqual(ProducerStateSnapshot(entries: Self.entries).encode(), Self.golden)
        XCTAssertEqual(ProducerStateSnapshot(entries: Self.entries.reversed()).encode(), Self.golden, "entries are written in producer-id order")
    }

    func testDecodesKafkasLayout() throws {
        let decoded = try ProducerStateSnapshot(decoding: Self.golden, file: "golden")
        XCTAssertEqual(decoded.entries, Self.entries)
        XCTAssertEqual(decoded.entries[0].batches[0].firstOffset, 96)
        XCTAssertEqual(decoded.entries[0].batches[0].firstSequence, 5)
    }

    func testEmptySnapshotMatchesTheFixtureFile() throws {
        // version 1, CRC-32C of the four zero bytes of the count, count 0.
        XCTAssertEqual(ProducerStateSnapshot(entries: []).encode(), Self.hex("0001", "48674bc7", "00000000"))
        let fixture = Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/kafka-orders-0/00000000000000000283.snapshot"
        XCTAssertEqual(try ProducerStateSnapshot(decoding: FileSystem.readFile(fixture), file: fixture).entries, [])
    }

    func testRoundTripKeepsTheLastBatchOfEachProducer() throws {
        var many = ProducerStateEntry(producerId: 7, producerEpoch: 3, coordinatorEpoch: 2, lastTimestamp: 900)
        for index in 0..<7 {
            many.addBatch(epoch: 3, ProducerStateEntry.Batch(lastSequence: Int32(index * 10 + 9), lastOffset: Int64(index * 100 + 9), offsetDelta: 9, maxTimestamp: 900))
        }
        XCTAssertEqual(many.batches.count, ProducerStateEntry.batchesToRetain)
        let wrapped = ProducerStateEntry(
            producerId: 5, producerEpoch: Int16.max, lastTimestamp: -1,
            batches: [ProducerStateEntry.Batch(lastSequence: 1, lastOffset: Int64.max - 1, offsetDelta: 3, maxTimestamp: -1)])
        let decoded = try ProducerStateSnapshot(decoding: ProducerStateSnapshot(entries: [many, wrapped]).encode(), file: "x").entries
        XCTAssertEqual(decoded.map(\.producerId), [5, 7])
        XCTAssertEqual(decoded[0], wrapped)
        XCTAssertEqual(decoded[0].batches[0].firstSequence, Int32.max - 1, "sequences wrap from Int32.max to 0")
        XCTAssertEqual(decoded[1].batches, [many.batches.last!])
        XCTAssertEqual(decoded[1].lastSequence, 69)
        XCTAssertEqual([decoded[1].producerEpoch, Int16(decoded[1].coordinatorEpoch)], [3, 2])
    }

    func testDamagedFilesAreRefusedWithTheReason() {
        func reason(_ bytes: [UInt8]) -> String? {
            do {
                _ = try ProducerStateSnapshot(decoding: bytes, file: "f.snapshot")
                return nil
            } catch {
                guard case let .corruptSnapshot(file, reason) = error else { return "wrong error \(error)" }
                XCTAssertEqual(file, "f.snapshot")
                return reason
            }
        }
        var flipped = Self.golden
        flipped[30] ^= 0x10
        XCTAssertTrue(reason(flipped)?.hasPrefix("CRC mismatch") == true, reason(flipped) ?? "accepted")
        var version = Self.golden
        version[1] = 2
        XCTAssertEqual(reason(version), "unknown version 2 (expected 1)")
        XCTAssertTrue(reason(Array(Self.golden.prefix(6)))?.contains("fewer than the 10-byte header") == true)
        // A cut file whose CRC happens to be recomputed still fails on its size.
        var cut = Array(Self.golden.dropLast(46))
        let crc = cut.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[6...])) }
        cut.storeBigEndian(crc, at: 2)
        XCTAssertEqual(reason(cut), "entry count 2 does not match the file size of 56 bytes")
        XCTAssertTrue(reason(Array(Self.golden.dropLast(1)))?.hasPrefix("CRC mismatch") == true)
    }

    func testFileNames() {
        XCTAssertEqual(ProducerStateSnapshot.path(directory: "/d", offset: 283), "/d/00000000000000000283.snapshot")
        XCTAssertEqual(ProducerStateSnapshot.offset(ofFileNamed: "00000000000000000283.snapshot"), 283)
        XCTAssertNil(ProducerStateSnapshot.offset(ofFileNamed: "00000000000000000283.snapshot.deleted"))
        XCTAssertNil(ProducerStateSnapshot.offset(ofFileNamed: "283.snapshot"))
    }
}
