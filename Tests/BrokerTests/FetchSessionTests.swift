@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import XCTest

/// Fetch sessions (KIP-227) against the broker in-process, over raw requests: a session created by
/// a full fetch, then incremental fetches that add, update and forget partitions and get back only
/// partitions with news, long polls inside a session, topic-id sessions and a full cache.
final class FetchSessionTests: XCTestCase {
    var fixture: ServerFixture!

    override func tearDown() {
        fixture?.stop()
    }

    // MARK: Helpers

    func start(_ settings: [String: String] = [:]) throws -> TestKafkaClient {
        fixture = try ServerFixture(settings: settings)
        return try fixture.client()
    }

    @discardableResult
    func createTopic(_ name: String, partitions: Int32, client: TestKafkaClient) throws -> KafkaUUID {
        let topic = CreateTopicsRequest.CreatableTopic(name: name, numPartitions: partitions, replicationFactor: 1)
        let result = try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0]
        XCTAssertEqual(result.errorCode, 0)
        return result.topicId
    }

    func produce(_ topic: String, _ partition: Int32, _ values: [String], client: TestKafkaClient) throws {
        var builder = RecordBatchBuilder(compression: .none)
        for value in values { builder.append(key: nil, value: Array(value.utf8), timestamp: 1_000) }
        let request = ProduceRequest(acks: 1, timeoutMs: 5000, topicData: [
            .init(name: topic, partitionData: [.init(index: partition, records: ByteBuffer(bytes: builder.build().bytes))]),
        ])
        XCTAssertEqual(try client.roundTrip(request, version: 9).responses[0].partitionResponses[0].errorCode, 0)
    }

    /// A fetch naming `partitions` (partition, offset) of `topic`, forgetting `forget`.
    func fetch(_ topic: String, id: KafkaUUID = .zero, _ partitions: [(Int32, Int64)], forget: [Int32] = [],
               session: Int32, epoch: Int32, maxWaitMs: Int32 = 0) -> FetchRequest {
        var request = FetchRequest()
        request.maxWaitMs = maxWaitMs
        request.minBytes = 1
        request.maxBytes = 50 << 20
        request.sessionId = session
        request.sessionEpoch = epoch
        if !partitions.isEmpty {
            request.topics = [FetchRequest.FetchTopic(topic: topic, topicId: id, partitions: partitions.map { index, offset in
                var partition = FetchRequest.FetchPartition()
                partition.partition = index
                partition.fetchOffset = offset
                partition.partitionMaxBytes = 1 << 20
                return partition
            })]
        }
        if !forget.isEmpty {
            request.forgottenTopicsData = [FetchRequest.ForgottenTopic(topic: topic, topicId: id, partitions: forget)]
        }
        return request
    }

    /// The response as partition index → (error, high watermark, values).
    func summary(_ response: FetchResponse) throws -> [Int32: (error: Int16, hw: Int64, values: [String])] {
        var result: [Int32: (error: Int16, hw: Int64, values: [String])] = [:]
        for topic in response.responses {
            for partition in topic.partitions {
                XCTAssertNil(result[partition.partitionIndex], "partition \(partition.partitionIndex) answered twice")
                result[partition.partitionIndex] = (partition.errorCode, partition.highWatermark, try values(in: partition.records))
            }
        }
        return result
    }

    func values(in records: ByteBuffer?) throws -> [String] { try recordValues(in: records) }

    var sessions: FetchSessionCache { fixture.server.fetchSessions }

    // MARK: Tests

    func testASessionAcrossSeveralFetches() throws {
        let client = try start()
        try createTopic("flow", partitions: 3, client: client)
        try produce("flow", 0, ["a", "b"], client: client)
        try produce("flow", 1, ["c"], client: client)

        // Full fetch asking for a session: every partition, and the session id.
        let full = try client.roundTrip(fetch("flow", [(0, 0), (1, 0), (2, 0)], session: 0, epoch: 0), version: 12)
        XCTAssertEqual(full.errorCode, 0)
        let id = full.sessionId
        XCTAssertGreaterThan(id, 0)
        var parts = try summary(full)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts[0]?.values, ["a", "b"])
        XCTAssertEqual(parts[1]?.values, ["c"])
        XCTAssertEqual(parts[2]?.values, [])
        XCTAssertEqual(sessions.session(id)?.count, 3)

        // The consumer moves its offsets on: nothing new anywhere, so nothing is sent.
        let quiet = try client.roundTrip(fetch("flow", [(0, 2), (1, 1)], session: id, epoch: 1), version: 12)
        XCTAssertEqual(quiet.errorCode, 0)
        XCTAssertEqual(quiet.sessionId, id)
        XCTAssertTrue(quiet.responses.isEmpty, "unchanged partitions were sent: \(quiet.responses.flatMap { $0.partitions.map(\.partitionIndex) })")
        XCTAssertEqual(sessions.session(id)?.partitions[FetchSessionKey(topic: .name("flow"), partition: 0)]?.fetchOffset, 2)

        // New records in partition 2 only; the request names no partition at all.
        try produce("flow", 2, ["d"], client: client)
        parts = try summary(try client.roundTrip(fetch("flow", [], session: id, epoch: 2), version: 12))
        XCTAssertEqual(parts.keys.sorted(), [2])
        XCTAssertEqual(parts[2]?.values, ["d"])
        XCTAssertEqual(parts[2]?.hw, 1)

        // Partition 0 is forgotten: records appended to it are no longer sent, partition 1's are.
        try produce("flow", 0, ["e"], client: client)
        try produce("flow", 1, ["f"], client: client)
        parts = try summary(try client.roundTrip(fetch("flow", [(2, 1)], forget: [0], session: id, epoch: 3), version: 12))
        XCTAssertEqual(parts.keys.sorted(), [1])
        XCTAssertEqual(parts[1]?.values, ["f"])
        XCTAssertEqual(sessions.session(id)?.count, 2)

        // The broker does not advance fetch offsets by itself: partition 1 was not named with a
        // new offset, so the next fetch serves it from offset 1 again (its high watermark is
        // unchanged, but it has records).
        parts = try summary(try client.roundTrip(fetch("flow", [], session: id, epoch: 4), version: 12))
        XCTAssertEqual(parts[1]?.values, ["f"])

        // A replayed epoch, then a version that names topics by id, are refused with session id 0.
        let replay = try client.roundTrip(fetch("flow", [], session: id, epoch: 4), version: 12)
        XCTAssertEqual(replay.errorCode, KafkaErrorCode.invalidFetchSessionEpoch.rawValue)
        XCTAssertEqual(replay.sessionId, 0)
        XCTAssertTrue(replay.responses.isEmpty)
        XCTAssertEqual(try client.roundTrip(fetch("flow", [], session: id, epoch: 5), version: 13).errorCode,
                       KafkaErrorCode.fetchSessionTopicIdError.rawValue)

        // Epoch -1 closes the session and fetches without one.
        let closing = try client.roundTrip(fetch("flow", [(1, 2)], session: id, epoch: -1), version: 12)
        XCTAssertEqual(closing.errorCode, 0)
        XCTAssertEqual(closing.sessionId, 0)
        XCTAssertEqual(try summary(closing).keys.sorted(), [1])
        XCTAssertEqual(try client.roundTrip(fetch("flow", [], session: id, epoch: 5), version: 12).errorCode,
                       KafkaErrorCode.fetchSessionIdNotFound.rawValue)
        XCTAssertEqual(sessions.statistics.sessions, 0)
        XCTAssertEqual(sessions.statistics.incrementalFetches, 4)
    }

    func testIncrementalLongPollWaitsAndAnswersOnlyWhatChanged() throws {
        let consumer = try start()
        let producer = try fixture.client()
        try createTopic("poll", partitions: 2, client: producer)
        try produce("poll", 0, ["x"], client: producer)
        let id = try consumer.roundTrip(fetch("poll", [(0, 0), (1, 0)], session: 0, epoch: 0), version: 12).sessionId
        XCTAssertGreaterThan(id, 0)

        // Nothing new: the fetch waits out max.wait.ms and answers with no partitions.
        var started = ContinuousClock.now
        let empty = try consumer.roundTrip(fetch("poll", [(0, 1)], session: id, epoch: 1, maxWaitMs: 300), version: 12)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(290))
        XCTAssertEqual(empty.sessionId, id)
        XCTAssertTrue(empty.responses.isEmpty)

        // An append to partition 1 wakes it; only partition 1 is answered.
        started = ContinuousClock.now
        let request = try consumer.send(fetch("poll", [], session: id, epoch: 2, maxWaitMs: 10_000), version: 12)
        Thread.sleep(forTimeInterval: 0.3)
        try produce("poll", 1, ["y"], client: producer)
        let (correlation, woken) = try consumer.receive(FetchResponse.self, version: 12)
        XCTAssertEqual(correlation, request)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "the session's fetch was not woken by the append")
        XCTAssertEqual(woken.sessionId, id)
        let parts = try summary(woken)
        XCTAssertEqual(parts.keys.sorted(), [1])
        XCTAssertEqual(parts[1]?.values, ["y"])
    }

    func testTopicIdSessionsAndDeletedTopics() throws {
        let client = try start()
        let keptId = try createTopic("kept", partitions: 1, client: client)
        let goneId = try createTopic("gone", partitions: 1, client: client)
        let unknownId = KafkaUUID(mostSignificantBits: 7, leastSignificantBits: 7)
        try produce("kept", 0, ["k"], client: client)

        var request = fetch("kept", id: keptId, [(0, 0)], session: 0, epoch: 0)
        request.topics += fetch("gone", id: goneId, [(0, 0)], session: 0, epoch: 0).topics
        request.topics += fetch("", id: unknownId, [(0, 0)], session: 0, epoch: 0).topics
        let full = try client.roundTrip(request, version: 17)
        let id = full.sessionId
        XCTAssertGreaterThan(id, 0)
        XCTAssertEqual(full.responses.map(\.topicId), [keptId, goneId, unknownId])
        XCTAssertEqual(full.responses[2].partitions[0].errorCode, KafkaErrorCode.unknownTopicId.rawValue)
        XCTAssertEqual(sessions.session(id)?.usesTopicIds, true)
        // The unknown id was answered and is not kept: ids are never reused.
        XCTAssertEqual(sessions.session(id)?.count, 2)
        var incremental = try client.roundTrip(fetch("kept", id: keptId, [(0, 1)], session: id, epoch: 1), version: 17)
        XCTAssertEqual(incremental.sessionId, id)
        XCTAssertTrue(incremental.responses.isEmpty)

        // A deleted topic is answered UNKNOWN_TOPIC_ID once, then drops out of the session.
        let delete = DeleteTopicsRequest(topicNames: ["gone"], timeoutMs: 5000)
        XCTAssertEqual(try client.roundTrip(delete, version: 4).responses[0].errorCode, 0)
        incremental = try client.roundTrip(fetch("kept", id: keptId, [], session: id, epoch: 2), version: 17)
        XCTAssertEqual(incremental.responses.map(\.topicId), [goneId])
        XCTAssertEqual(incremental.responses.first?.partitions[0].errorCode, KafkaErrorCode.unknownTopicId.rawValue)
        XCTAssertEqual(sessions.session(id)?.count, 1)
        incremental = try client.roundTrip(fetch("kept", id: keptId, [], session: id, epoch: 3), version: 17)
        XCTAssertTrue(incremental.responses.isEmpty)

        // New records in the remaining topic still come back, named by id.
        try produce("kept", 0, ["l"], client: client)
        incremental = try client.roundTrip(fetch("kept", id: keptId, [], session: id, epoch: 4), version: 17)
        XCTAssertEqual(incremental.responses.map(\.topicId), [keptId])
        XCTAssertEqual(try values(in: incremental.responses[0].partitions[0].records), ["l"])
    }

    func testAFullCacheAnswersWithoutASession() throws {
        let first = try start(["max.incremental.fetch.session.cache.slots": "1"])
        try createTopic("slots", partitions: 2, client: first)
        let second = try fixture.client()
        let taken = try first.roundTrip(fetch("slots", [(0, 0)], session: 0, epoch: 0), version: 12)
        XCTAssertGreaterThan(taken.sessionId, 0)
        // The only slot holds a young session with as many partitions: no session, a full answer.
        let refused = try second.roundTrip(fetch("slots", [(1, 0)], session: 0, epoch: 0), version: 12)
        XCTAssertEqual(refused.errorCode, 0)
        XCTAssertEqual(refused.sessionId, 0)
        XCTAssertEqual(try summary(refused).keys.sorted(), [1])
        // Re-creating the first session (epoch 0 with its id) frees its slot and takes it again.
        let again = try first.roundTrip(fetch("slots", [(0, 0), (1, 0)], session: taken.sessionId, epoch: 0), version: 12)
        XCTAssertGreaterThan(again.sessionId, 0)
        XCTAssertNotEqual(again.sessionId, taken.sessionId)
        XCTAssertEqual(sessions.statistics.sessions, 1)
        XCTAssertEqual(sessions.statistics.partitions, 2)
    }

    func testSlotsZeroTurnsSessionsOff() throws {
        let client = try start(["max.incremental.fetch.session.cache.slots": "0"])
        try createTopic("off", partitions: 1, client: client)
        let response = try client.roundTrip(fetch("off", [(0, 0)], session: 0, epoch: 0), version: 12)
        XCTAssertEqual(response.errorCode, 0)
        XCTAssertEqual(response.sessionId, 0)
        XCTAssertEqual(try summary(response).keys.sorted(), [0])
    }
}
