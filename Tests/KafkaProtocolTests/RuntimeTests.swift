import NIOCore
import XCTest
import KafkaProtocol

final class RuntimeTests: XCTestCase {
    // MARK: Varints

    func testUnsignedVarintEncoding() throws {
        let cases: [(UInt32, String)] = [(0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"),
                                         (16_383, "ff7f"), (16_384, "808001"), (UInt32.max, "ffffffff0f")]
        for (value, hex) in cases {
            var b = ByteBuffer()
            b.writeKafkaUnsignedVarint(value)
            XCTAssertEqual(b.hexString, hex, "\(value)")
            XCTAssertEqual(try b.readKafkaUnsignedVarint(), value)
            XCTAssertEqual(b.readableBytes, 0)
        }
        var tooBig = ByteBuffer(hex: "ffffffff1f")
        XCTAssertEqual(assertKafkaError(try tooBig.readKafkaUnsignedVarint())?.kind, .invalidVarint)
    }

    func testZigZagVarints() throws {
        for value: Int32 in [0, -1, 1, -64, 63, 64, Int32.max, Int32.min] {
            var b = ByteBuffer()
            b.writeKafkaVarint(value)
            XCTAssertEqual(try b.readKafkaVarint(), value)
        }
        var minusOne = ByteBuffer()
        minusOne.writeKafkaVarint(-1)
        XCTAssertEqual(minusOne.hexString, "01")
        for value: Int64 in [0, -1, 1, 1 << 40, Int64.max, Int64.min] {
            var b = ByteBuffer()
            b.writeKafkaVarlong(value)
            XCTAssertEqual(try b.readKafkaVarlong(), value)
            XCTAssertEqual(b.readableBytes, 0)
        }
        var maxLong = ByteBuffer(hex: "ffffffffffffffffff01")  // 10 bytes, UInt64.max
        XCTAssertEqual(try maxLong.readKafkaVarlong(), Int64.min)
        var tooLong = ByteBuffer(hex: "ffffffffffffffffff02")
        XCTAssertEqual(assertKafkaError(try tooLong.readKafkaVarlong())?.kind, .invalidVarint)
    }

    // MARK: UUID

    func testUUIDTextForm() {
        let u = KafkaUUID(mostSignificantBits: 0x0123_4567_89AB_CDEF, leastSignificantBits: 0x0011_2233_4455_6677)
        XCTAssertEqual(u.description, "ASNFZ4mrze8AESIzRFVmdw")  // Python: urlsafe_b64encode without padding
        XCTAssertEqual(KafkaUUID(kafkaString: "ASNFZ4mrze8AESIzRFVmdw"), u)
        XCTAssertEqual(KafkaUUID.zero.description, "AAAAAAAAAAAAAAAAAAAAAA")
        XCTAssertEqual(KafkaUUID(bytes: u.bytes), u)
        XCTAssertNil(KafkaUUID(kafkaString: "short"))
        XCTAssertNil(KafkaUUID(bytes: [1, 2, 3]))
    }

    // MARK: ApiKey and headers

    func testApiKeyTable() {
        XCTAssertEqual(ApiKey.allCases.count, 88)
        XCTAssertEqual(ApiKey.fetch.rawValue, 1)
        XCTAssertEqual(ApiKey.fetch.name, "Fetch")
        XCTAssertEqual(ApiKey.fetch.validVersions, 0...17)
        XCTAssertEqual(ApiKey.fetch.firstFlexibleVersion, 12)
        XCTAssertEqual(ApiKey.saslHandshake.firstFlexibleVersion, nil)
        XCTAssertEqual(ApiKey.readShareGroupStateSummary.rawValue, 87)
        XCTAssertTrue(ApiKey.endTxn.isLatestVersionUnstable)
        XCTAssertFalse(ApiKey.fetch.isLatestVersionUnstable)
        XCTAssertEqual(ApiKey.produce.deprecatedVersions, 0...6)
        XCTAssertEqual(ApiKey.vote.listeners, [.controller])
        XCTAssertEqual(ApiKey.fetch.listeners, [.broker, .controller, .zkBroker])
        for key in ApiKey.allCases {
            XCTAssertEqual(key.requestType.apiKey, key)
            XCTAssertEqual(key.responseType.apiKey, key)
            XCTAssertEqual(key.requestType.validVersions, key.responseType.validVersions)
            XCTAssertEqual(key.requestType.messageName, key.name + "Request")
        }
        XCTAssertTrue(ProduceRequest.Response.self == ProduceResponse.self)
    }

    func testHeaderVersions() {
        XCTAssertEqual(ApiKey.metadata.requestHeaderVersion(for: 8), 1)
        XCTAssertEqual(ApiKey.metadata.requestHeaderVersion(for: 9), 2)
        XCTAssertEqual(ApiKey.metadata.responseHeaderVersion(for: 8), 0)
        XCTAssertEqual(ApiKey.metadata.responseHeaderVersion(for: 9), 1)
        XCTAssertEqual(ApiKey.apiVersions.requestHeaderVersion(for: 2), 1)
        XCTAssertEqual(ApiKey.apiVersions.requestHeaderVersion(for: 3), 2)
        XCTAssertEqual(ApiKey.apiVersions.responseHeaderVersion(for: 3), 0)
        XCTAssertEqual(ApiKey.controlledShutdown.requestHeaderVersion(for: 0), 0)
        XCTAssertEqual(ApiKey.saslHandshake.requestHeaderVersion(for: 1), 1)
        XCTAssertEqual(FetchRequest.requestHeaderVersion(for: 12), 2)
        XCTAssertEqual(FetchResponse.responseHeaderVersion(for: 11), 0)
    }

    func testRequestBodyWrapping() throws {
        let body = KafkaRequestBody(MetadataRequest(topics: nil))
        XCTAssertEqual(body, .metadata(MetadataRequest(topics: nil)))
        XCTAssertEqual(body.apiKey, .metadata)
        XCTAssertTrue(body.message is MetadataRequest)
        var b = ByteBuffer()
        try body.write(to: &b, version: 4)
        XCTAssertEqual(b.hexString, "ffffffff01")
        XCTAssertEqual(KafkaResponseBody(HeartbeatResponse()).apiKey, .heartbeat)
    }

    // MARK: Version-dependent writing

    func testNonDefaultFieldTheVersionLacksThrows() {
        // allowAutoTopicCreation is v4+ and not ignorable.
        let e = assertKafkaError(try MetadataRequest(allowAutoTopicCreation: false).encoded(version: 3))
        XCTAssertEqual(e?.kind, .unsupportedField)
        XCTAssertEqual(e?.message, "MetadataRequest")
        XCTAssertEqual(e?.field, "allowAutoTopicCreation")
        XCTAssertTrue(e?.description.contains("MetadataRequest.allowAutoTopicCreation") ?? false)
        XCTAssertNoThrow(try MetadataRequest(allowAutoTopicCreation: false).encoded(version: 4))
        // Nested: JoinGroup's groupInstanceId is v5+ and not ignorable.
        XCTAssertEqual(assertKafkaError(try JoinGroupRequest(groupInstanceId: "i").encoded(version: 4))?.field, "groupInstanceId")
        // Default values are fine at any version.
        XCTAssertNoThrow(try MetadataRequest().encoded(version: 0))
    }

    func testIgnorableFieldIsDroppedSilently() throws {
        // ApiVersions' client software fields are v3+ and ignorable.
        let b = try ApiVersionsRequest(clientSoftwareName: "x", clientSoftwareVersion: "y").encoded(version: 2)
        XCTAssertEqual(b.readableBytes, 0)
        // ThrottleTimeMs of ApiVersionsResponse is v1+, ignorable.
        XCTAssertNoThrow(try ApiVersionsResponse(throttleTimeMs: 9).encoded(version: 0))
    }

    func testNullInNonNullableVersionThrowsOnWrite() {
        let e = assertKafkaError(try MetadataRequest(topics: nil).encoded(version: 0))
        XCTAssertEqual(e?.kind, .unexpectedNull)
        XCTAssertEqual(e?.field, "topics")
        XCTAssertNoThrow(try MetadataRequest(topics: nil).encoded(version: 1))
        // transactionalId is nullable from v3 (its first version).
        XCTAssertNoThrow(try ProduceRequest(transactionalId: nil).encoded(version: 3))
    }

    func testOverlongStringThrowsOnWrite() {
        let long = String(repeating: "a", count: 40_000)
        let e = assertKafkaError(try FindCoordinatorRequest(key: long).encoded(version: 0))
        XCTAssertEqual(e?.kind, .valueTooLarge)
        XCTAssertEqual(e?.field, "key")
    }

    func testNilRecordsInNonNullableVersionIsWrittenEmpty() throws {
        let p = FetchSnapshotResponse.PartitionSnapshot()
        var b = ByteBuffer()
        try p.write(to: &b, version: 0)
        let back = try FetchSnapshotResponse.PartitionSnapshot(from: &b, version: 0)
        XCTAssertEqual(back.unalignedRecords, ByteBuffer())
    }

    // MARK: Tagged fields and nullable structs

    func testTaggedFieldsAreWrittenOnlyWhenNotDefault() throws {
        let plain = try ApiVersionsResponse().encoded(version: 3)
        // error 0 | empty compact array | throttle 0 | zero tagged fields
        XCTAssertEqual(plain.hexString, "0000" + "01" + "00000000" + "00")
        let tagged = try ApiVersionsResponse(zkMigrationReady: true).encoded(version: 3)
        // ... | one tagged field: tag 3, size 1, true
        XCTAssertEqual(tagged.hexString, "0000" + "01" + "00000000" + "01" + "03" + "01" + "01")
        // Several tags go out in ascending order.
        let two = try ApiVersionsResponse(finalizedFeaturesEpoch: 1, zkMigrationReady: true).encoded(version: 3)
        XCTAssertEqual(two.hexString, "0000" + "01" + "00000000" + "02" + "01" + "08" + "0000000000000001" + "03" + "01" + "01")
    }

    func testUnknownTaggedFieldsAreSkipped() throws {
        // Top level: unknown tag 9 (3 bytes) before known tag 3; nested element: unknown tag 5.
        let hex = "0000" + "02" + "0012" + "0000" + "0004" + "01" + "05" + "02" + "abcd" + "00000000"
            + "02" + "09" + "03" + "010203" + "03" + "01" + "01"
        let r = try ApiVersionsResponse(decoding: ByteBuffer(hex: hex), version: 3)
        XCTAssertEqual(r.apiKeys, [.init(apiKey: 18, minVersion: 0, maxVersion: 4)])
        XCTAssertTrue(r.zkMigrationReady)
    }

    func testTagOutsideItsTaggedVersionsIsTreatedAsUnknown() throws {
        // FetchRequest's ReplicaState is tag 1 in v15+ only.
        var state = ByteBuffer()
        try FetchRequest.ReplicaState(replicaId: 3, replicaEpoch: 4).write(to: &state, version: 15)
        var v14 = try FetchRequest().encoded(version: 14)
        v14.moveWriterIndex(to: v14.writerIndex - 1)  // drop the empty tag section
        v14.writeInteger(UInt8(1)); v14.writeInteger(UInt8(1)); v14.writeInteger(UInt8(state.readableBytes))
        v14.writeImmutableBuffer(state)
        let decoded14 = try FetchRequest(decoding: v14, version: 14)
        XCTAssertEqual(decoded14.replicaState, FetchRequest.ReplicaState())

        let v15 = try FetchRequest(replicaState: .init(replicaId: 3, replicaEpoch: 4)).encoded(version: 15)
        XCTAssertEqual(try FetchRequest(decoding: v15, version: 15).replicaState, .init(replicaId: 3, replicaEpoch: 4))
        // And it can't be written at v14.
        XCTAssertEqual(assertKafkaError(try FetchRequest(replicaState: .init(replicaId: 3, replicaEpoch: 4)).encoded(version: 14))?.field, "replicaState")
    }

    func testNullableStructMarkers() throws {
        let none = try DescribeTopicPartitionsRequest(topics: [], cursor: nil).encoded(version: 0)
        // empty compact topics | limit 2000 | null marker | tags
        XCTAssertEqual(none.hexString, "01" + "000007d0" + "ff" + "00")
        let some = try DescribeTopicPartitionsRequest(topics: [], cursor: .init(topicName: "t", partitionIndex: 2)).encoded(version: 0)
        XCTAssertEqual(some.hexString, "01" + "000007d0" + "01" + "0274" + "00000002" + "00" + "00")
        XCTAssertEqual(try DescribeTopicPartitionsRequest(decoding: some, version: 0).cursor, .init(topicName: "t", partitionIndex: 2))
        XCTAssertNil(try DescribeTopicPartitionsRequest(decoding: none, version: 0).cursor)
    }

    func testTrailingBytesAreReportedByDecodingInit() {
        let e = assertKafkaError(try HeartbeatResponse(decoding: ByteBuffer(hex: "0000000000000099"), version: 0))
        XCTAssertEqual(e?.kind, .trailingBytes)
    }
}
