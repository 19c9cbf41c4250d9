@testable import Engine
import TestSupport
import XCTest

final class RecordBatchTests: XCTestCase {
    func testRandomBatchesRoundTripInEveryCodec() throws {
        var random = SeededRandom(seed: 2024)
        for round in 0..<400 {
            let original = LogFixtures.randomBatch(&random, baseOffset: Int64.random(in: 0...1 << 40, using: &random))
            let decoded = try RecordBatch(bytes: original.bytes, expectedBaseOffset: original.baseOffset)
            XCTAssertEqual(decoded.header, original.header, "round \(round)")
            let records = try decoded.records()
            XCTAssertEqual(records.count, Int(original.header.recordCount))
            XCTAssertEqual(records.last?.offset, original.lastOffset)
            // Re-encode the decoded records: the same bytes come out (encoding is deterministic).
            var again = RecordBatchBuilder(
                baseOffset: original.baseOffset, compression: original.compression, timestampType: original.header.attributes.timestampType,
                partitionLeaderEpoch: original.header.partitionLeaderEpoch, producerId: original.header.producerId,
                producerEpoch: original.header.producerEpoch, baseSequence: original.header.baseSequence,
                isTransactional: original.header.isTransactional)
            for record in records { again.append(record) }
            XCTAssertEqual(try again.build().records(), records, "round \(round)")
        }
    }

    func testHeaderEncodeDecodeIsSymmetric() {
        var random = SeededRandom(seed: 5)
        for _ in 0..<200 {
            let header = RecordBatchHeader(
                baseOffset: Int64.random(in: 0...Int64.max, using: &random), batchLength: Int32.random(in: 49...Int32.max, using: &random),
                partitionLeaderEpoch: Int32.random(in: Int32.min...Int32.max, using: &random), magic: 2,
                crc: UInt32.random(in: 0...UInt32.max, using: &random), attributes: RecordBatchAttributes(rawValue: Int16.random(in: 0...127, using: &random)),
                lastOffsetDelta: Int32.random(in: 0...Int32.max, using: &random), baseTimestamp: Int64.random(in: Int64.min...Int64.max, using: &random),
                maxTimestamp: Int64.random(in: Int64.min...Int64.max, using: &random), producerId: Int64.random(in: Int64.min...Int64.max, using: &random),
                producerEpoch: Int16.random(in: Int16.min...Int16.max, using: &random), baseSequence: Int32.random(in: Int32.min...Int32.max, using: &random),
                recordCount: Int32.random(in: Int32.min...Int32.max, using: &random))
            var bytes = [UInt8](repeating: 0, count: RecordBatchHeader.size)
            bytes.withUnsafeMutableBytes { header.encode(into: $0) }
            XCTAssertEqual(bytes.withUnsafeBytes { RecordBatchHeader(decoding: $0) }, header)
        }
    }

    func testEveryTruncationIsAnErrorThatSaysSo() throws {
        var random = SeededRandom(seed: 99)
        for _ in 0..<20 {
            let batch = LogFixtures.randomBatch(&random)
            for cut in 0..<batch.bytes.count {
                XCTAssertThrowsError(try RecordBatch(bytes: Array(batch.bytes[..<cut]))) { error in
                    guard case let .corruptBatch(_, position, reason) = error as? EngineError else { return XCTFail("\(error)") }
                    XCTAssertEqual(position, 0)
                    XCTAssertTrue(reason.contains("truncated") || reason.contains("below the minimum") || reason.contains("batch length says"), reason)
                }
            }
        }
    }

    func testEveryBitFlipIsCaughtOrLeavesTheRecordsUnchanged() throws {
        var random = SeededRandom(seed: 1234)
        var caught = 0
        for _ in 0..<60 {
            let batch = LogFixtures.randomBatch(&random, baseOffset: 1000)
            let originalRecords = try batch.records()
            for _ in 0..<50 {
                var bytes = batch.bytes
                let bit = Int.random(in: 0..<(bytes.count * 8), using: &random)
                bytes[bit / 8] ^= UInt8(1 << (bit % 8))
                do {
                    // The log always knows which base offset comes next: that is what catches a
                    // flip in the only field that is neither framed nor checksummed.
                    let decoded = try RecordBatch(bytes: bytes, expectedBaseOffset: 1000)
                    // Only the partition leader epoch (bytes 12..<16) lies outside every check;
                    // it does not change any record.
                    XCTAssertTrue((12..<16).contains(bit / 8), "undetected flip of bit \(bit)")
                    XCTAssertEqual(try decoded.records(), originalRecords)
                } catch {
                    caught += 1
                    guard case .corruptBatch = error else { return XCTFail("unexpected \(error)") }
                    XCTAssertFalse(error.description.isEmpty)
                }
            }
        }
        XCTAssertGreaterThan(caught, 2500)
    }

    func testCRCMismatchNamesBothValues() {
        var bytes = LogFixtures.batch(count: 3).bytes
        bytes[bytes.count - 1] ^= 0xFF
        XCTAssertThrowsError(try RecordBatch(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("CRC mismatch: stored 0x"), "\(error)")
        }
    }

    func testUnsupportedMagicIsNamed() {
        var bytes = LogFixtures.batch(count: 1).bytes
        bytes[16] = 1
        XCTAssertThrowsError(try RecordBatch(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("unsupported magic byte 1"), "\(error)")
        }
    }

    func testRecordsWithGarbageInsideAValidCRCAreRejected() throws {
        // A producer could send a batch whose CRC is right but whose records are not: rebuild the
        // CRC over a damaged records section and check the framing walk catches it.
        var bytes = LogFixtures.batch(count: 3).bytes
        bytes[RecordBatchHeader.size] = 0x7F  // first record's length varint: 63, too long
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBigEndian(RecordBatchHeader.computeCRC(UnsafeRawBufferPointer(raw)), at: RecordBatchHeader.Field.crc)
        }
        XCTAssertThrowsError(try RecordBatch(bytes: bytes).records()) { error in
            XCTAssertTrue("\(error)".contains("record 0"), "\(error)")
        }
        XCTAssertThrowsError(try bytes.withUnsafeBytes { raw in
            try RecordBatchValidator.validate(raw, file: nil, position: 0, strictCounts: true)
        })
    }

    func testControlBatchCarriesTheMarker() throws {
        let batch = RecordBatchBuilder.controlBatch(
            marker: EndTransactionMarker(kind: .commit, coordinatorEpoch: 7), baseOffset: 10, producerId: 42, producerEpoch: 3, timestamp: 99)
        let decoded = try RecordBatch(bytes: batch.bytes)
        XCTAssertTrue(decoded.header.isControl)
        XCTAssertTrue(decoded.header.isTransactional)
        XCTAssertEqual(decoded.header.producerId, 42)
        let marker = try XCTUnwrap(EndTransactionMarker(record: try decoded.records()[0]))
        XCTAssertEqual(marker, EndTransactionMarker(kind: .commit, coordinatorEpoch: 7))
    }

    func testVarintsRoundTripAtTheirLimits() {
        for value: Int64 in [0, 1, -1, 63, -64, 64, 8191, -8192, Int64(Int32.max), Int64(Int32.min), .max, .min] {
            var bytes: [UInt8] = []
            Varint.appendSigned(value, to: &bytes)
            XCTAssertEqual(bytes.count, Varint.signedSize(value))
            var position = 0
            XCTAssertEqual(bytes.withUnsafeBytes { Varint.readSigned($0, &position) }, value)
            XCTAssertEqual(position, bytes.count)
        }
        var position = 0
        let tooLong = [UInt8](repeating: 0x80, count: 11)
        XCTAssertNil(tooLong.withUnsafeBytes { Varint.readSigned($0, &position) })
    }
}

final class RecordFramingTests: XCTestCase {
    /// The append path's fast framing walk must agree with the general record reader on every
    /// input: valid batches with varints of every width, and damaged record sections.
    func testTheFastFramingWalkAgreesWithTheRecordReader() throws {
        var random = SeededRandom(seed: 31)
        for round in 0..<300 {
            var builder = RecordBatchBuilder()
            let count = Int.random(in: 1...40, using: &random)
            for _ in 0..<count {
                let size = [0, 10, 63, 64, 200, 8191, 8192, 20_000].randomElement(using: &random)!
                builder.append(key: random.maybeBytes(maxCount: 4), value: [UInt8](repeating: 1, count: size), timestamp: Int64.random(in: -1...1 << 40, using: &random))
            }
            var bytes = builder.build().bytes
            let header = bytes.withUnsafeBytes { RecordBatchHeader(decoding: $0) }
            if round % 2 == 1 {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let index = Int.random(in: RecordBatchHeader.size..<bytes.count, using: &random)
                    bytes[index] = UInt8.random(in: 0...255, using: &random)
                }
            }
            let fast = bytes.withUnsafeBytes {
                RecordBatchValidator.framingIsValid(UnsafeRawBufferPointer(rebasing: $0[RecordBatchHeader.size...]), count: header.recordCount, lastOffsetDelta: header.lastOffsetDelta)
            }
            let slow: Bool = bytes.withUnsafeBytes { raw in
                let section = UnsafeRawBufferPointer(rebasing: raw[RecordBatchHeader.size...])
                var cursor = 0
                var last: Int64 = -1
                for _ in 0..<header.recordCount {
                    guard let delta = try? Record.skip(section, at: &cursor), delta > last, delta <= Int64(header.lastOffsetDelta) else { return false }
                    last = delta
                }
                return cursor == section.count
            }
            XCTAssertEqual(fast, slow, "round \(round)")
            if round % 2 == 0 { XCTAssertTrue(fast, "round \(round): a valid batch") }
        }
    }
}
