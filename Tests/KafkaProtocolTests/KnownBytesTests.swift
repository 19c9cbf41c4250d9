import NIOCore
import XCTest
import KafkaProtocol

/// Decodes bytes produced by real clients and checks encodings against hand-computed bytes.
///
/// The request hex strings are frames without their int32 size prefix, captured with
/// `/tmp` scripts (not part of the repo):
/// - `kafka-python` 3.0.12: its hand-written legacy classes (`kafka.protocol.old.*`) and
///   its schema-driven classes, encoded offline with `encode(header=True)`.
/// - `confluent-kafka` 2.16.1 / librdkafka 2.16.0: a Producer pointed at a Python TCP
///   listener on 127.0.0.1; the first two requests it sent.
final class KnownBytesTests: XCTestCase {
    // MARK: librdkafka

    /// librdkafka's first request: ApiVersionsRequest v3 with a flexible (v2) header.
    static let librdkafkaApiVersions = """
        0012000300000001000e7374726174612d636170747572650017636f6e666c75656e742d6b61666b612d707974686f6e\
        16322e31362e312d72646b61666b612d322e31362e3000
        """

    /// librdkafka's second request, after our ApiVersions reply: MetadataRequest v12.
    static let librdkafkaMetadata = """
        0003000c00000002000e7374726174612d636170747572650002000000000000000000000000000000000e6361707475\
        72652d746f70696300010000
        """

    func testLibrdkafkaApiVersionsRequest() throws {
        let frame = ByteBuffer(hex: Self.librdkafkaApiVersions)
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.header.requestApiKey, 18)
        XCTAssertEqual(request.header.requestApiVersion, 3)
        XCTAssertEqual(request.header.correlationId, 1)
        XCTAssertEqual(request.header.clientId, "strata-capture")
        XCTAssertEqual(ApiKey.apiVersions.requestHeaderVersion(for: 3), 2)
        guard case .apiVersions(let body) = request.body else { return XCTFail("not ApiVersions: \(request.body)") }
        XCTAssertEqual(body.clientSoftwareName, "confluent-kafka-python")
        XCTAssertEqual(body.clientSoftwareVersion, "2.16.1-rdkafka-2.16.0")
        try assertReencodes(request, frame)
    }

    func testLibrdkafkaMetadataRequest() throws {
        let frame = ByteBuffer(hex: Self.librdkafkaMetadata)
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.header.correlationId, 2)
        XCTAssertEqual(request.header.clientId, "strata-capture")
        guard case .metadata(let body) = request.body else { return XCTFail("not Metadata") }
        XCTAssertEqual(body.topics, [.init(topicId: .zero, name: "capture-topic")])
        XCTAssertTrue(body.allowAutoTopicCreation)
        XCTAssertFalse(body.includeTopicAuthorizedOperations)
        try assertReencodes(request, frame)
    }

    // MARK: kafka-python, legacy hand-written protocol classes

    func testKafkaPythonMetadataV1() throws {
        let frame = ByteBuffer(hex: "0003000100000007000c6b61666b612d707974686f6e00000001000174")
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.header, RequestHeader(requestApiKey: 3, requestApiVersion: 1, correlationId: 7, clientId: "kafka-python"))
        XCTAssertEqual(request.body, .metadata(MetadataRequest(topics: [.init(name: "t")])))
        try assertReencodes(request, frame)
    }

    func testKafkaPythonProduceV3RecordsAreAZeroCopySlice() throws {
        let frame = ByteBuffer(hex: """
            000000030000000800026b70ffffffff000005dc0000000100066576656e747300000001000000000000000b\
            000102035245434f524453
            """)
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.header.clientId, "kp")
        guard case .produce(let body) = request.body else { return XCTFail("not Produce") }
        XCTAssertNil(body.transactionalId)
        XCTAssertEqual(body.acks, -1)
        XCTAssertEqual(body.timeoutMs, 1500)
        XCTAssertEqual(body.topicData.count, 1)
        XCTAssertEqual(body.topicData[0].name, "events")
        XCTAssertEqual(body.topicData[0].partitionData.count, 1)
        XCTAssertEqual(body.topicData[0].partitionData[0].index, 0)
        let records = try XCTUnwrap(body.topicData[0].partitionData[0].records)
        XCTAssertEqual(records, ByteBuffer(hex: "000102035245434f524453"))
        // The records share storage with the request frame: same bytes, same memory.
        let frameBase = frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        let recordsBase = records.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        XCTAssertEqual(recordsBase, frameBase + UInt(frame.readableBytes - 11))
        try assertReencodes(request, frame)
    }

    func testKafkaPythonFetchV4() throws {
        let frame = ByteBuffer(hex: """
            000100040000000900026b70ffffffff000001f40000000103200000010000000100066576656e747300000001\
            00000000000000000000002a00100000
            """)
        let request = try KafkaRequest(frame: frame)
        guard case .fetch(let body) = request.body else { return XCTFail("not Fetch") }
        XCTAssertEqual(body.replicaId, -1)
        XCTAssertEqual(body.maxWaitMs, 500)
        XCTAssertEqual(body.minBytes, 1)
        XCTAssertEqual(body.maxBytes, 52_428_800)
        XCTAssertEqual(body.isolationLevel, 1)
        XCTAssertEqual(body.topics, [.init(topic: "events", partitions: [.init(partition: 0, fetchOffset: 42, partitionMaxBytes: 1_048_576)])])
        try assertReencodes(request, frame)
    }

    func testKafkaPythonJoinGroupV1() throws {
        let frame = ByteBuffer(hex: """
            000b00010000000a00026b7000026731000027100000753000000008636f6e73756d657200000001000572616e6765\
            0000000600016d657461
            """)
        let request = try KafkaRequest(frame: frame)
        guard case .joinGroup(let body) = request.body else { return XCTFail("not JoinGroup") }
        XCTAssertEqual(body.groupId, "g1")
        XCTAssertEqual(body.sessionTimeoutMs, 10_000)
        XCTAssertEqual(body.rebalanceTimeoutMs, 30_000)
        XCTAssertEqual(body.memberId, "")
        XCTAssertEqual(body.protocolType, "consumer")
        XCTAssertEqual(body.protocols, [.init(name: "range", metadata: [0, 1] + Array("meta".utf8))])
        try assertReencodes(request, frame)
    }

    // MARK: kafka-python, schema-driven classes (flexible versions)

    func testKafkaPythonMetadataV12() throws {
        let frame = ByteBuffer(hex: "0003000c0000000b000c6b61666b612d707974686f6e000200000000000000000000000000000000027400000100")
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.header.correlationId, 11)
        XCTAssertEqual(request.body, .metadata(MetadataRequest(topics: [.init(name: "t")], allowAutoTopicCreation: false,
                                                              includeTopicAuthorizedOperations: true)))
        try assertReencodes(request, frame)
    }

    func testKafkaPythonApiVersionsV3() throws {
        let frame = ByteBuffer(hex: "0012000300000001000c6b61666b612d707974686f6e000d6b61666b612d707974686f6e07332e302e313200")
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.body, .apiVersions(ApiVersionsRequest(clientSoftwareName: "kafka-python", clientSoftwareVersion: "3.0.12")))
        try assertReencodes(request, frame)
    }

    func testKafkaPythonFindCoordinatorV4() throws {
        let frame = ByteBuffer(hex: "000a00040000000c00026b700001030674786e2d610674786e2d6200")
        let request = try KafkaRequest(frame: frame)
        XCTAssertEqual(request.body, .findCoordinator(FindCoordinatorRequest(keyType: 1, coordinatorKeys: ["txn-a", "txn-b"])))
        try assertReencodes(request, frame)
    }

    /// kafka-python's ApiVersionsResponse v3 (header v0, tagged fields 0 and 1 set).
    func testKafkaPythonApiVersionsResponseV3WithTaggedFields() throws {
        let frame = ByteBuffer(hex: """
            0000000100000300000000000b00001200000004000000000502001702116d657461646174612e76657273696f6e\
            000100150001080000000000000003
            """)
        let (header, body) = try ApiVersionsResponse.decodeFrame(frame, version: 3)
        XCTAssertEqual(header.correlationId, 1)
        let expected = ApiVersionsResponse(
            errorCode: 0,
            apiKeys: [.init(apiKey: 0, minVersion: 0, maxVersion: 11), .init(apiKey: 18, minVersion: 0, maxVersion: 4)],
            throttleTimeMs: 5,
            supportedFeatures: [.init(name: "metadata.version", minVersion: 1, maxVersion: 21)],
            finalizedFeaturesEpoch: 3)
        XCTAssertEqual(body, expected)
        var out = ByteBuffer()
        try expected.writeFrame(to: &out, version: 3, correlationId: 1)
        XCTAssertEqual(out.readInteger(as: Int32.self), Int32(frame.readableBytes))
        XCTAssertEqual(out.hexString, frame.hexString)
    }

    // MARK: Hand-computed responses

    func testApiVersionsResponseV3UsesResponseHeaderV0() throws {
        let response = ApiVersionsResponse(errorCode: 0, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 4)], throttleTimeMs: 0)
        var out = ByteBuffer()
        try response.writeFrame(to: &out, version: 3, correlationId: 5)
        // size 19 | corr 5 (header v0: no tagged fields) | error 0 | compact array of 1 |
        // key 18, min 0, max 4, no tags | throttle 0 | no tags
        XCTAssertEqual(out.hexString, "00000013" + "00000005" + "0000" + "02" + "0012" + "0000" + "0004" + "00" + "00000000" + "00")
        XCTAssertEqual(ApiVersionsResponse.responseHeaderVersion(for: 3), 0)
        XCTAssertEqual(ApiVersionsResponse.responseHeaderVersion(for: 4), 0)
    }

    func testApiVersionsResponseV0() throws {
        let response = ApiVersionsResponse(errorCode: 35, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 4)])
        var out = ByteBuffer()
        try response.writeFrame(to: &out, version: 0, correlationId: 5)
        XCTAssertEqual(out.hexString, "00000010" + "00000005" + "0023" + "00000001" + "0012" + "0000" + "0004")
    }

    func testFlexibleResponseUsesResponseHeaderV1() throws {
        var out = ByteBuffer()
        try HeartbeatResponse(throttleTimeMs: 100, errorCode: 27).writeFrame(to: &out, version: 4, correlationId: 42)
        XCTAssertEqual(out.hexString, "0000000c" + "0000002a" + "00" + "00000064" + "001b" + "00")
        var old = ByteBuffer()
        try HeartbeatResponse(throttleTimeMs: 100, errorCode: 27).writeFrame(to: &old, version: 3, correlationId: 42)
        XCTAssertEqual(old.hexString, "0000000a" + "0000002a" + "00000064" + "001b")
    }

    func testControlledShutdownV0UsesRequestHeaderV0() throws {
        var out = ByteBuffer()
        try ControlledShutdownRequest(brokerId: 1).writeFrame(to: &out, version: 0, correlationId: 5, clientId: "ignored")
        XCTAssertEqual(out.hexString, "0000000c" + "0007" + "0000" + "00000005" + "00000001")
        out.moveReaderIndex(forwardBy: 4)
        let request = try KafkaRequest(frame: out)
        XCTAssertEqual(request.header.correlationId, 5)
        XCTAssertEqual(request.body, .controlledShutdown(ControlledShutdownRequest(brokerId: 1)))
        XCTAssertEqual(ApiKey.controlledShutdown.requestHeaderVersion(for: 1), 1)
        XCTAssertEqual(ApiKey.controlledShutdown.requestHeaderVersion(for: 3), 2)
    }

    func testFlexibleRequestHeaderKeepsInt16ClientId() throws {
        var out = ByteBuffer()
        try ApiVersionsRequest(clientSoftwareName: "a", clientSoftwareVersion: "1").writeFrame(to: &out, version: 3, correlationId: 9, clientId: "c")
        // size | key 18 | v3 | corr 9 | clientId int16-length "c" | header tags | compact "a" | compact "1" | tags
        XCTAssertEqual(out.hexString, "00000011" + "0012" + "0003" + "00000009" + "000163" + "00" + "0261" + "0231" + "00")
        var nullClient = ByteBuffer()
        try ApiVersionsRequest().writeFrame(to: &nullClient, version: 2, correlationId: 9, clientId: nil)
        XCTAssertEqual(nullClient.hexString, "0000000a" + "0012" + "0002" + "00000009" + "ffff")
    }

    // MARK: Helpers

    private func assertReencodes(_ request: KafkaRequest, _ frame: ByteBuffer, file: StaticString = #filePath, line: UInt = #line) throws {
        let version = request.header.requestApiVersion
        let apiKey = try XCTUnwrap(request.header.apiKey)
        var out = ByteBuffer()
        try request.header.write(to: &out, version: apiKey.requestHeaderVersion(for: version))
        try request.body.write(to: &out, version: version)
        XCTAssertEqual(out.hexString, frame.hexString, "re-encoding differs", file: file, line: line)
    }
}
