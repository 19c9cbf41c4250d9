import TestSupport
@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import Tiering
import XCTest

/// The broker in-process on a loopback port, driven with the generated codecs.
final class KafkaServerTests: XCTestCase {
    var fixture: ServerFixture!

    override func setUpWithError() throws {
        fixture = try ServerFixture()
    }

    override func tearDown() {
        fixture?.stop()
    }

    // MARK: Helpers

    func createTopic(_ name: String, partitions: Int32 = 1, configs: [String: String] = [:], client: TestKafkaClient? = nil) throws -> CreateTopicsResponse.CreatableTopicResult {
        let client = try client ?? fixture.client()
        var topic = CreateTopicsRequest.CreatableTopic(name: name, numPartitions: partitions, replicationFactor: 1)
        topic.configs = configs.map { CreateTopicsRequest.CreatableTopicConfig(name: $0.key, value: $0.value) }
        return try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0]
    }

    func batch(_ values: [String], compression: CompressionCodec = .none, timestamp: Int64 = 1_000) -> ByteBuffer {
        var builder = RecordBatchBuilder(compression: compression)
        for (index, value) in values.enumerated() {
            builder.append(key: Array("k\(index)".utf8), value: Array(value.utf8), timestamp: timestamp + Int64(index))
        }
        return ByteBuffer(bytes: builder.build().bytes)
    }

    func produce(_ topic: String, partition: Int32 = 0, _ records: ByteBuffer?, acks: Int16 = 1, version: Int16 = 9,
                 client: TestKafkaClient) throws -> ProduceResponse.PartitionProduceResponse {
        let request = ProduceRequest(acks: acks, timeoutMs: 5000, topicData: [
            .init(name: topic, partitionData: [.init(index: partition, records: records)]),
        ])
        return try client.roundTrip(request, version: version).responses[0].partitionResponses[0]
    }

    func fetchRequest(_ topic: String, id: KafkaUUID = .zero, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 1,
                      sessionId: Int32 = 0, sessionEpoch: Int32 = -1) -> FetchRequest {
        var partition = FetchRequest.FetchPartition()
        partition.partition = 0
        partition.fetchOffset = offset
        partition.partitionMaxBytes = 1 << 20
        var request = FetchRequest()
        request.maxWaitMs = maxWaitMs
        request.minBytes = minBytes
        request.maxBytes = 50 << 20
        request.sessionId = sessionId
        request.sessionEpoch = sessionEpoch
        request.topics = [FetchRequest.FetchTopic(topic: topic, topicId: id, partitions: [partition])]
        return request
    }

    func values(in records: ByteBuffer?) throws -> [String] { try recordValues(in: records) }

    // MARK: Tests

    func testProduceAndFetchAcrossVersions() throws {
        let client = try fixture.client()
        let created = try createTopic("orders", client: client)
        XCTAssertEqual(created.errorCode, 0)
        XCTAssertNotEqual(created.topicId, .zero)

        let first = try produce("orders", batch(["a", "b", "c"]), version: 3, client: client)
        XCTAssertEqual(first.errorCode, 0)
        XCTAssertEqual(first.baseOffset, 0)
        let second = try produce("orders", batch(["d", "e"], compression: .zstd), version: 11, client: client)
        XCTAssertEqual(second.baseOffset, 3)
        XCTAssertEqual(second.logStartOffset, 0)

        for version in Int16(4)...17 {
            let response = try client.roundTrip(fetchRequest("orders", id: created.topicId, offset: 0), version: version)
            let partition = response.responses[0].partitions[0]
            XCTAssertEqual(partition.errorCode, 0, "v\(version)")
            XCTAssertEqual(partition.highWatermark, 5, "v\(version)")
            XCTAssertEqual(try values(in: partition.records), ["a", "b", "c", "d", "e"], "v\(version)")
            if version >= 13 { XCTAssertEqual(response.responses[0].topicId, created.topicId) }
        }
        // From the middle of a batch: the whole batch holding the offset comes back, as in Kafka.
        let middle = try client.roundTrip(fetchRequest("orders", offset: 4), version: 12).responses[0].partitions[0]
        XCTAssertEqual(try values(in: middle.records), ["d", "e"])
    }

    /// Produce requests of several hundred KB sent in pieces (cut inside size prefixes too, with
    /// pauses so the broker reads each piece on its own) are stored byte for byte: the path where
    /// a frame's rest is read into the buffer holding its start (`RequestFrameRecvAllocator`).
    func testLargeRequestsArrivingInPiecesAreStoredIntact() throws {
        let client = try fixture.client()
        XCTAssertEqual(try createTopic("big", client: client).errorCode, 0)
        let requests = (0..<3).map { round in
            (0..<2_000).map { index in "r\(round)-\(index)-" + String(repeating: Character(UnicodeScalar(UInt8(97 + (index + round) % 26))), count: 300) }
        }
        var stream = ByteBuffer()
        for values in requests {
            let request = ProduceRequest(acks: 1, timeoutMs: 5000, topicData: [.init(name: "big", partitionData: [.init(index: 0, records: batch(values))])])
            try request.writeFrame(to: &stream, version: 9, correlationId: 1, clientId: "pieces")
        }
        try ApiVersionsRequest().writeFrame(to: &stream, version: 3, correlationId: 2, clientId: "pieces")
        let bytes = Array(stream.readableBytesView)
        XCTAssertGreaterThan(bytes.count, 3 * 600_000)
        var offset = 0
        for (index, cut) in [2, 1, 70_001, 3, 250_000, 400_000, 1, 1].cycled(until: bytes.count).enumerated() {
            let end = min(bytes.count, offset + cut)
            try client.sendRaw(Array(bytes[offset..<end]))
            offset = end
            if index % 2 == 0 { usleep(3_000) }
            if offset == bytes.count { break }
        }
        for (round, expectedBase) in [0, 2_000, 4_000].enumerated() {
            let response = try client.receive(ProduceResponse.self, version: 9).body.responses[0].partitionResponses[0]
            XCTAssertEqual(response.errorCode, 0, "request \(round)")
            XCTAssertEqual(response.baseOffset, Int64(expectedBase), "request \(round)")
        }
        XCTAssertEqual(try client.receive(ApiVersionsResponse.self, version: 3).body.errorCode, 0)
        for (round, values) in requests.enumerated() {
            let fetched = try client.roundTrip(fetchRequest("big", offset: Int64(round * 2_000)), version: 12).responses[0].partitions[0]
            XCTAssertEqual(try self.values(in: fetched.records), values, "request \(round)")
        }
    }

    func testFetchErrors() throws {
        let client = try fixture.client()
        _ = try createTopic("small", client: client)
        _ = try produce("small", batch(["x"]), client: client)
        let outOfRange = try client.roundTrip(fetchRequest("small", offset: 10), version: 12).responses[0].partitions[0]
        XCTAssertEqual(outOfRange.errorCode, KafkaErrorCode.offsetOutOfRange.rawValue)
        XCTAssertEqual(outOfRange.highWatermark, 1)
        XCTAssertEqual(outOfRange.logStartOffset, 0)
        let unknown = try client.roundTrip(fetchRequest("nope", offset: 0), version: 12).responses[0].partitions[0]
        XCTAssertEqual(unknown.errorCode, KafkaErrorCode.unknownTopicOrPartition.rawValue)
        let unknownId = try client.roundTrip(fetchRequest("", id: KafkaUUID(mostSignificantBits: 1, leastSignificantBits: 2), offset: 0), version: 13)
        XCTAssertEqual(unknownId.responses[0].partitions[0].errorCode, KafkaErrorCode.unknownTopicId.rawValue)
        // Fetch sessions (see FetchSessionTests): epoch 0 creates one; a session id the broker does
        // not know (0 included) is refused, and so is a known one at the wrong epoch.
        let session = try client.roundTrip(fetchRequest("small", offset: 0, sessionId: 0, sessionEpoch: 0), version: 12)
        XCTAssertNotEqual(session.sessionId, 0)
        XCTAssertEqual(session.responses[0].partitions[0].errorCode, 0)
        XCTAssertEqual(try client.roundTrip(fetchRequest("small", offset: 0, sessionId: 99, sessionEpoch: 1), version: 12).errorCode,
                       KafkaErrorCode.fetchSessionIdNotFound.rawValue)
        XCTAssertEqual(try client.roundTrip(fetchRequest("small", offset: 0, sessionId: 0, sessionEpoch: 5), version: 12).errorCode,
                       KafkaErrorCode.fetchSessionIdNotFound.rawValue)
        XCTAssertEqual(try client.roundTrip(fetchRequest("small", offset: 0, sessionId: session.sessionId, sessionEpoch: 5), version: 12).errorCode,
                       KafkaErrorCode.invalidFetchSessionEpoch.rawValue)
    }

    func testLongPollIsWokenByAnAppend() throws {
        let consumer = try fixture.client()
        let producer = try fixture.client()
        _ = try createTopic("waiting", client: producer)
        let started = ContinuousClock.now
        let id = try consumer.send(fetchRequest("waiting", offset: 0, maxWaitMs: 10_000), version: 12)
        Thread.sleep(forTimeInterval: 0.3)
        _ = try produce("waiting", batch(["hello"]), client: producer)
        let (correlation, response) = try consumer.receive(FetchResponse.self, version: 12)
        let waited = ContinuousClock.now - started
        XCTAssertEqual(correlation, id)
        XCTAssertEqual(try values(in: response.responses[0].partitions[0].records), ["hello"])
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(300))
        XCTAssertLessThan(waited, .seconds(5), "the fetch was not woken by the append")
    }

    func testLongPollTimesOutAndMinBytesWaits() throws {
        let client = try fixture.client()
        _ = try createTopic("quiet", client: client)
        var started = ContinuousClock.now
        let empty = try client.roundTrip(fetchRequest("quiet", offset: 0, maxWaitMs: 300), version: 12)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(290))
        XCTAssertEqual(try values(in: empty.responses[0].partitions[0].records), [])

        _ = try produce("quiet", batch(["tiny"]), client: client)
        started = ContinuousClock.now
        let small = try client.roundTrip(fetchRequest("quiet", offset: 0, maxWaitMs: 400, minBytes: 1_000_000), version: 12)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(390), "minBytes was not honoured")
        XCTAssertEqual(try values(in: small.responses[0].partitions[0].records), ["tiny"])
    }

    func testProduceErrors() throws {
        let client = try fixture.client()
        _ = try createTopic("strict", configs: ["max.message.bytes": "200"], client: client)
        XCTAssertEqual(try produce("missing", batch(["x"]), client: client).errorCode, KafkaErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertEqual(try produce("strict", partition: 5, batch(["x"]), client: client).errorCode, KafkaErrorCode.unknownTopicOrPartition.rawValue)
        var corrupt = batch(["x"])
        corrupt.setInteger(UInt8(0xFF), at: corrupt.writerIndex - 1)
        let crc = try produce("strict", corrupt, client: client)
        XCTAssertEqual(crc.errorCode, KafkaErrorCode.corruptMessage.rawValue)
        XCTAssertTrue(crc.errorMessage?.contains("CRC") == true, crc.errorMessage ?? "")
        XCTAssertEqual(try produce("strict", batch([String(repeating: "y", count: 500)]), client: client).errorCode,
                       KafkaErrorCode.messageTooLarge.rawValue)
        XCTAssertEqual(try produce("strict", ByteBuffer(), client: client).errorCode, KafkaErrorCode.invalidRecord.rawValue)
        XCTAssertEqual(try produce("strict", batch(["x"]), acks: 2, client: client).errorCode, KafkaErrorCode.invalidRequiredAcks.rawValue)
        // Nothing bad reached the log.
        XCTAssertEqual(fixture.server.topics?.topic(named: "strict")?.log(0)?.logEndOffset, 0)
    }

    func testAcksZeroGetsNoResponseButIsStored() throws {
        let client = try fixture.client()
        _ = try createTopic("fire", client: client)
        let request = ProduceRequest(acks: 0, timeoutMs: 1000, topicData: [.init(name: "fire", partitionData: [.init(index: 0, records: batch(["f"]))])])
        try client.send(request, version: 9)
        // The next response on the connection belongs to the next request.
        let id = try client.send(ApiVersionsRequest(), version: 3)
        XCTAssertEqual(try client.receive(ApiVersionsResponse.self, version: 3).correlationId, id)
        XCTAssertEqual(fixture.server.topics?.topic(named: "fire")?.log(0)?.logEndOffset, 1)
    }

    func testListOffsets() throws {
        let client = try fixture.client()
        _ = try createTopic("times", client: client)
        _ = try produce("times", batch(["a", "b", "c"], timestamp: 100), client: client)
        _ = try produce("times", batch(["d", "e"], timestamp: 50), client: client)
        func list(_ timestamp: Int64, version: Int16 = 7) throws -> ListOffsetsResponse.ListOffsetsPartitionResponse {
            let request = ListOffsetsRequest(replicaId: -1, topics: [.init(name: "times", partitions: [.init(partitionIndex: 0, timestamp: timestamp)])])
            return try client.roundTrip(request, version: version).topics[0].partitions[0]
        }
        XCTAssertEqual(try list(-1).offset, 5)
        XCTAssertEqual(try list(-2).offset, 0)
        let max = try list(-3)
        XCTAssertEqual([max.offset, max.timestamp], [2, 102])
        let byTime = try list(101)
        XCTAssertEqual([byTime.offset, byTime.timestamp], [1, 101])
        XCTAssertEqual(try list(1000).offset, -1)
        XCTAssertEqual(try list(-1, version: 0).oldStyleOffsets, [5])
        XCTAssertEqual(try list(-1, version: 4).leaderEpoch, 0)
    }

    func testMetadataAutoCreatesAndDescribes() throws {
        let client = try fixture.client()
        let request = MetadataRequest(topics: [.init(name: "auto"), .init(name: "bad name")], allowAutoTopicCreation: true)
        let response = try client.roundTrip(request, version: 12)
        XCTAssertEqual(response.brokers.map(\.port), [Int32(fixture.port)])
        XCTAssertEqual(response.controllerId, 0)
        XCTAssertNotNil(response.clusterId)
        XCTAssertEqual(response.topics[0].errorCode, 0)
        XCTAssertEqual(response.topics[0].partitions.map(\.leaderId), [0])
        XCTAssertEqual(response.topics[1].errorCode, KafkaErrorCode.invalidTopicException.rawValue)
        let noCreate = try client.roundTrip(MetadataRequest(topics: [.init(name: "other")], allowAutoTopicCreation: false), version: 4)
        XCTAssertEqual(noCreate.topics[0].errorCode, KafkaErrorCode.unknownTopicOrPartition.rawValue)
        let all = try client.roundTrip(MetadataRequest(topics: []), version: 0)
        XCTAssertEqual(all.topics.compactMap(\.name), ["auto"])
        let byId = try client.roundTrip(MetadataRequest(topics: [.init(topicId: response.topics[0].topicId, name: nil)]), version: 12)
        XCTAssertEqual(byId.topics[0].name, "auto")
    }

    func testTopicsSurviveRestartAndDeletion() throws {
        var client = try fixture.client()
        let created = try createTopic("kept", partitions: 3, configs: ["retention.ms": "12345", "min.insync.replicas": "1"], client: client)
        _ = try createTopic("dropped", client: client)
        _ = try produce("kept", partition: 2, batch(["p2"]), client: client)
        let deleted = try client.roundTrip(DeleteTopicsRequest(topicNames: ["dropped", "never"]), version: 5)
        XCTAssertEqual(deleted.responses.map(\.errorCode), [0, KafkaErrorCode.unknownTopicOrPartition.rawValue])

        try fixture.restart()
        client = try fixture.client()
        let topic = try XCTUnwrap(fixture.server.topics?.topic(named: "kept"))
        XCTAssertEqual(topic.id, created.topicId)
        XCTAssertEqual(topic.metadata.partitionCount, 3)
        XCTAssertEqual(topic.logConfig.retentionMs, 12345)
        XCTAssertEqual(topic.metadata.configs["min.insync.replicas"], "1")
        XCTAssertNil(fixture.server.topics?.topic(named: "dropped"))
        XCTAssertEqual(try createTopic("kept", client: client).errorCode, KafkaErrorCode.topicAlreadyExists.rawValue)
        var partition = fetchRequest("kept", offset: 0)
        partition.topics[0].partitions[0].partition = 2
        XCTAssertEqual(try values(in: client.roundTrip(partition, version: 12).responses[0].partitions[0].records), ["p2"])
    }

    func testInterruptedDeletionIsFinishedAndOrphansAreAdopted() throws {
        let client = try fixture.client()
        _ = try createTopic("half-deleted", client: client)
        fixture.server.shutdown()
        let data = fixture.directory + "/data"
        let files = TopicMetadataFile(logDir: data)
        try files.markDeleting("half-deleted")
        try FileSystem.createDirectory(data + "/stray-0")
        try FileSystem.createDirectory(data + "/stray-1")
        try fixture.start()
        XCTAssertNil(fixture.server.topics?.topic(named: "half-deleted"))
        XCTAssertFalse(FileSystem.exists(data + "/half-deleted-0"))
        XCTAssertFalse(FileSystem.exists(files.deletingPath(for: "half-deleted")))
        XCTAssertEqual(fixture.server.topics?.topic(named: "stray")?.metadata.partitionCount, 2)
        XCTAssertTrue(FileSystem.exists(files.path(for: "stray")))
    }

    /// A tiered topic whose deletion a crash interrupted, possibly before its store folders were
    /// listed for deletion: the restart lists them, so its remote objects still go.
    func testAnInterruptedDeletionOfATieredTopicListsItsStoreFolders() throws {
        fixture.server.shutdown()
        let data = fixture.directory + "/data"
        let files = TopicMetadataFile(logDir: data)
        let topic = TopicMetadata(name: "tiered-gone", id: TopicMetadata.randomTopicId(), partitionCount: 2, replicationFactor: 1,
                                  configs: ["remote.storage.enable": "true"])
        try files.write(topic)
        try files.markDeleting(topic.name)
        try FileSystem.createDirectory(data + "/tiered-gone-0")
        try fixture.start()
        XCTAssertNil(fixture.server.topics?.topic(named: "tiered-gone"))
        XCTAssertFalse(FileSystem.exists(data + "/tiered-gone-0"))
        let pending = String(decoding: try FileSystem.readFile(data + "/" + PendingRemoteDeletions.fileName), as: UTF8.self)
        XCTAssertEqual(pending, "tiered-gone-\(topic.id)/0\ntiered-gone-\(topic.id)/1\n")
    }

    func testInitProducerIdNeverRepeatsAcrossRestarts() throws {
        var client = try fixture.client()
        let first = try client.roundTrip(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        let second = try client.roundTrip(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        XCTAssertEqual(first.errorCode, 0)
        XCTAssertNotEqual(first.producerId, second.producerId)
        // A bump request (KIP-360) without a transactional id gets a fresh id at epoch 0, as in Kafka.
        let bumped = try client.roundTrip(InitProducerIdRequest(transactionalId: nil, producerId: second.producerId, producerEpoch: 0), version: 4)
        XCTAssertGreaterThan(bumped.producerId, second.producerId)
        XCTAssertEqual(bumped.producerEpoch, 0)
        try fixture.restart()
        client = try fixture.client()
        let after = try client.roundTrip(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        XCTAssertGreaterThan(after.producerId, bumped.producerId)
        XCTAssertEqual(try client.roundTrip(InitProducerIdRequest(transactionalId: "tx", transactionTimeoutMs: 1000), version: 4).errorCode,
                       KafkaErrorCode.invalidRequest.rawValue)
    }
}

/// Connection-level behaviour: caps, idle timeout, hostile bytes, pipelining.
final class KafkaConnectionTests: XCTestCase {
    func testMaxConnectionsIsEnforced() throws {
        let fixture = try ServerFixture(settings: ["max.connections": "1"])
        defer { fixture.stop() }
        let first = try fixture.client()
        XCTAssertEqual(try first.roundTrip(ApiVersionsRequest(), version: 3).errorCode, 0)
        let second = try fixture.client()
        XCTAssertTrue(second.isClosedByServer())
        XCTAssertEqual(try first.roundTrip(ApiVersionsRequest(), version: 3).errorCode, 0)
    }

    func testIdleConnectionsAreClosed() throws {
        let fixture = try ServerFixture(settings: ["connections.max.idle.ms": "200"])
        defer { fixture.stop() }
        let client = try fixture.client()
        XCTAssertEqual(try client.roundTrip(ApiVersionsRequest(), version: 3).errorCode, 0)
        let started = ContinuousClock.now
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testBadFramesCloseOnlyTheirConnection() throws {
        let fixture = try ServerFixture(settings: ["socket.request.max.bytes": "1000"])
        defer { fixture.stop() }
        let bystander = try fixture.client()
        let cases: [[UInt8]] = [
            [0x00, 0x00, 0x10, 0x00] + [UInt8](repeating: 0, count: 8),            // 4096 > 1000
            [0xFF, 0xFF, 0xFF, 0xF0],                                              // negative size
            [0x00, 0x00, 0x00, 0x02, 0x00, 0x12],                                  // too short for a header
            [0x00, 0x00, 0x00, 0x08, 0x03, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],  // API key 999
            [0x00, 0x00, 0x00, 0x0C, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x7F, 0xFF],  // Metadata v1, bad body
        ]
        for bytes in cases {
            let client = try fixture.client()
            try client.sendRaw(bytes)
            XCTAssertTrue(client.isClosedByServer(), "\(bytes)")
        }
        XCTAssertEqual(try bystander.roundTrip(ApiVersionsRequest(), version: 3).apiKeys.count, SupportedApis.versions.count)
    }

    func testPipelinedRequestsAnswerInOrder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        var ids: [Int32] = []
        for index in 0..<20 {
            if index % 2 == 0 {
                ids.append(try client.send(ApiVersionsRequest(), version: 3))
            } else {
                ids.append(try client.send(MetadataRequest(topics: nil), version: 9))
            }
        }
        var received: [Int32] = []
        for index in 0..<20 {
            if index % 2 == 0 {
                received.append(try client.receive(ApiVersionsResponse.self, version: 3).correlationId)
            } else {
                received.append(try client.receive(MetadataResponse.self, version: 9).correlationId)
            }
        }
        XCTAssertEqual(received, ids)
    }
}

/// Random bytes after a valid-looking header, for every implemented API and version: the broker
/// answers or closes the connection, and keeps serving.
final class KafkaFuzzTests: XCTestCase {
    func testRandomBodiesNeverCrashTheBroker() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        var generator = SplitMix64(seed: 0x5EED)
        let apis = SupportedApis.versions.sorted { $0.key.rawValue < $1.key.rawValue }
        for round in 0..<200 {
            let (api, versions) = apis[round % apis.count]
            let version = versions.lowerBound + Int16(truncatingIfNeeded: generator.next() % UInt64(versions.count))
            var header: [UInt8] = []
            header += withUnsafeBytes(of: api.rawValue.bigEndian, Array.init)
            header += withUnsafeBytes(of: version.bigEndian, Array.init)
            header += withUnsafeBytes(of: Int32(round).bigEndian, Array.init)
            header += [0x00, 0x02, 0x66, 0x7A]  // client id "fz"
            if api.isFlexible(version) { header.append(0) }  // empty header tags
            let body = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let frame = header + body
            let client = try fixture.client()
            try client.sendRaw(withUnsafeBytes(of: Int32(frame.count).bigEndian, Array.init) + frame)
            // Either a response or a close; both are fine, a hang or a crash is not.
            _ = try? client.receiveFrame()
        }
        let client = try fixture.client()
        XCTAssertEqual(try client.roundTrip(ApiVersionsRequest(), version: 3).errorCode, 0)
    }
}

typealias SplitMix64 = SeededRandom

private extension Array where Element == Int {
    /// These piece sizes over and over, until they add up to at least `total`.
    func cycled(until total: Int) -> [Int] {
        var out: [Int] = []
        var sum = 0
        while sum < total { for size in self { out.append(size); sum += size } }
        return out
    }
}
