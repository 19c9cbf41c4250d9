import NIOCore
import XCTest
import KafkaProtocol

/// The internal-records bodies (`__consumer_offsets` keys and values) generated from
/// `shared/kafka-protocol/internal-records`: every version round-trips, every cut throws, and the
/// bytes match Kafka's layouts worked out by hand from the schemas.
final class InternalRecordTests: XCTestCase {
    func testEveryVersionRoundTrips() {
        var cases = 0
        for type in allInternalRecordTypes {
            cases += roundTrip(type)
        }
        // OffsetCommitKey 0-1, OffsetCommitValue 0-4, GroupMetadataKey 2, GroupMetadataValue 0-4; two variants each.
        XCTAssertEqual(cases, 2 * (2 + 5 + 1 + 5))
    }

    func testEveryTruncationThrows() {
        for type in allInternalRecordTypes {
            truncate(type)
        }
    }

    func testOffsetCommitKeyBytes() throws {
        // The key as Kafka writes it: int16 record type 1, then group, topic (int16 lengths), partition.
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(1))
        try OffsetCommitKey(group: "g", topic: "t", partition: 7).write(to: &buffer, version: 1)
        XCTAssertEqual(buffer.hexString, "0001" + "000167" + "000174" + "00000007")
    }

    func testOffsetCommitValueBytes() throws {
        // Version 3: offset, leader epoch, metadata, commit timestamp (no expire timestamp).
        let value = OffsetCommitValue(offset: 42, leaderEpoch: 5, metadata: "m", commitTimestamp: 1000, expireTimestamp: -1)
        XCTAssertEqual(try value.encoded(version: 3).hexString,
                       "000000000000002a" + "00000005" + "00016d" + "00000000000003e8")
        // Version 1 carries the expire timestamp and no leader epoch (an ignorable field, dropped).
        var v1 = value
        v1.expireTimestamp = 2000
        XCTAssertEqual(try v1.encoded(version: 1).hexString,
                       "000000000000002a" + "00016d" + "00000000000003e8" + "00000000000007d0")
        let decoded = try OffsetCommitValue(decoding: ByteBuffer(hex: "000000000000002a00016d00000000000003e800000000000007d0"), version: 1)
        XCTAssertEqual(decoded.expireTimestamp, 2000)
        XCTAssertEqual(decoded.leaderEpoch, -1)
    }

    func testGroupMetadataValueBytes() throws {
        var member = GroupMetadataValue.MemberMetadata()
        member.memberId = "m"
        member.groupInstanceId = nil
        member.clientId = "c"
        member.clientHost = "/h"
        member.rebalanceTimeout = 300_000
        member.sessionTimeout = 10_000
        member.subscription = [1]
        member.assignment = []
        let value = GroupMetadataValue(protocolType: "consumer", generation: 3, protocol: "range", leader: "m",
                                       currentStateTimestamp: 99, members: [member])
        let expected = "0008" + Array("consumer".utf8).map { String(format: "%02x", $0) }.joined()
            + "00000003" + "000572616e6765" + "00016d" + "0000000000000063"
            + "00000001"                                   // one member
            + "00016d" + "ffff" + "000163" + "0002" + "2f68" // member id, null instance id, client id, host
            + "000493e0" + "00002710"                      // rebalance and session timeouts
            + "0000000101" + "00000000"                    // subscription [1], empty assignment
        XCTAssertEqual(try value.encoded(version: 3).hexString, expected)
        XCTAssertEqual(try GroupMetadataValue(decoding: ByteBuffer(hex: expected), version: 3), value)
    }

    func testGroupMetadataKeyOnlyHasTypeTwo() {
        XCTAssertEqual(GroupMetadataKey.validVersions, 2...2)
        XCTAssertEqual(OffsetCommitKey.validVersions, 0...1)
    }
}

private func roundTrip<T: KafkaSampled>(_: T.Type) -> Int {
    var count = 0
    for v in T.validVersions {
        for k in 0...1 {
            let label = "\(T.messageName) v\(v) variant \(k)"
            let sample = T.sample(v, k)
            do {
                let bytes = try sample.encoded(version: v)
                let decoded = try T(decoding: bytes, version: v)
                XCTAssertEqual(decoded, sample, label)
                XCTAssertEqual(try decoded.encoded(version: v), bytes, "\(label): re-encoding differs")
                XCTAssertNotEqual(sample, T(), "\(label): sample is all defaults")
            } catch {
                XCTFail("\(label): \(error)")
            }
            count += 1
        }
    }
    return count
}

private func truncate<T: KafkaSampled>(_: T.Type) {
    for v in T.validVersions {
        guard let bytes = try? T.sample(v, 0).encoded(version: v) else {
            return XCTFail("\(T.messageName) v\(v): encode failed")
        }
        for cut in 0..<bytes.readableBytes {
            var prefix = bytes.getSlice(at: bytes.readerIndex, length: cut)!
            XCTAssertThrowsError(try T(from: &prefix, version: v), "\(T.messageName) v\(v) cut \(cut)")
        }
    }
}
