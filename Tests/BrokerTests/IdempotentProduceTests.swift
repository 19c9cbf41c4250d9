@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import XCTest

/// Produce from an idempotent producer over the wire: a retried batch is answered with its
/// original offset and stored once; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER (45); an older epoch
/// is INVALID_PRODUCER_EPOCH (47).
final class IdempotentProduceTests: XCTestCase {
    var fixture: ServerFixture!

    override func setUpWithError() throws {
        fixture = try ServerFixture()
    }

    override func tearDown() {
        fixture?.stop()
    }

    private func batch(producerId: Int64, epoch: Int16, sequence: Int32, values: [String]) -> ByteBuffer {
        let now = PartitionLog.systemClock()
        var builder = RecordBatchBuilder(producerId: producerId, producerEpoch: epoch, baseSequence: sequence)
        for (index, value) in values.enumerated() {
            builder.append(key: nil, value: Array(value.utf8), timestamp: now + Int64(index))
        }
        return ByteBuffer(bytes: builder.build().bytes)
    }

    private func produce(_ records: ByteBuffer, client: TestKafkaClient) throws -> ProduceResponse.PartitionProduceResponse {
        let request = ProduceRequest(acks: -1, timeoutMs: 5000, topicData: [.init(name: "idem", partitionData: [.init(index: 0, records: records)])])
        return try client.roundTrip(request, version: 9).responses[0].partitionResponses[0]
    }

    private func fetchValues(client: TestKafkaClient) throws -> [String] {
        var partition = FetchRequest.FetchPartition()
        partition.partition = 0
        partition.fetchOffset = 0
        partition.partitionMaxBytes = 1 << 20
        var request = FetchRequest()
        request.maxWaitMs = 0
        request.minBytes = 1
        request.maxBytes = 1 << 20
        request.sessionEpoch = -1
        request.topics = [FetchRequest.FetchTopic(topic: "idem", partitions: [partition])]
        let response = try client.roundTrip(request, version: 12)
        return try recordValues(in: response.responses[0].partitions[0].records)
    }

    func testARetriedProduceGetsTheOriginalOffsetAndIsStoredOnce() throws {
        let client = try fixture.client()
        let topic = CreateTopicsRequest.CreatableTopic(name: "idem", numPartitions: 1, replicationFactor: 1)
        XCTAssertEqual(try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0].errorCode, 0)
        let initialised = try client.roundTrip(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        XCTAssertEqual(initialised.errorCode, 0)
        let (id, epoch) = (initialised.producerId, initialised.producerEpoch)

        XCTAssertEqual(try produce(batch(producerId: -1, epoch: -1, sequence: -1, values: ["plain"]), client: client).baseOffset, 0)
        let first = try produce(batch(producerId: id, epoch: epoch, sequence: 0, values: ["a", "b"]), client: client)
        XCTAssertEqual([first.errorCode, Int16(first.baseOffset)], [0, 1])
        let second = try produce(batch(producerId: id, epoch: epoch, sequence: 2, values: ["c"]), client: client)
        XCTAssertEqual([second.errorCode, Int16(second.baseOffset)], [0, 3])

        // The same batch again (a retry after a lost response): success with the original offset.
        let retry = try produce(batch(producerId: id, epoch: epoch, sequence: 0, values: ["a", "b"]), client: client)
        XCTAssertEqual(retry.errorCode, 0)
        XCTAssertEqual(retry.baseOffset, 1)
        XCTAssertNil(retry.errorMessage)
        XCTAssertEqual(try fetchValues(client: client), ["plain", "a", "b", "c"], "no second copy")

        // A gap: error 45, nothing stored.
        let gap = try produce(batch(producerId: id, epoch: epoch, sequence: 5, values: ["x"]), client: client)
        XCTAssertEqual(gap.errorCode, KafkaErrorCode.outOfOrderSequenceNumber.rawValue)
        XCTAssertEqual(gap.errorCode, 45)
        XCTAssertEqual(gap.baseOffset, -1)
        XCTAssertEqual(gap.errorMessage, "out of order sequence number for producer \(id) epoch \(epoch): 5 does not follow the last appended sequence 2")

        // A newer epoch of the same producer starts at sequence 0 and fences the old one: error 47.
        let newer = epoch + 1
        XCTAssertEqual(try produce(batch(producerId: id, epoch: newer, sequence: 0, values: ["d"]), client: client).baseOffset, 4)
        let zombie = try produce(batch(producerId: id, epoch: epoch, sequence: 3, values: ["z"]), client: client)
        XCTAssertEqual(zombie.errorCode, KafkaErrorCode.invalidProducerEpoch.rawValue)
        XCTAssertEqual(zombie.errorCode, 47)
        XCTAssertEqual(try fetchValues(client: client), ["plain", "a", "b", "c", "d"])

        // After a restart the state comes back from the snapshot written at shutdown.
        try fixture.restart()
        let after = try fixture.client()
        let late = try produce(batch(producerId: id, epoch: newer, sequence: 0, values: ["d"]), client: after)
        XCTAssertEqual([late.errorCode, Int16(late.baseOffset)], [0, 4])
        XCTAssertEqual(try produce(batch(producerId: id, epoch: newer, sequence: 2, values: ["e"]), client: after).errorCode, 45)
        XCTAssertEqual(try produce(batch(producerId: id, epoch: newer, sequence: 1, values: ["e"]), client: after).baseOffset, 5)
        XCTAssertEqual(try fetchValues(client: after), ["plain", "a", "b", "c", "d", "e"])
    }

    func testProducerIdExpirationMsIsABrokerSettingCarriedToEveryLog() throws {
        XCTAssertEqual(try BrokerConfig(settings: []).defaultLogConfig.producerIdExpirationMs, 86_400_000)
        XCTAssertEqual(try BrokerConfig(settings: [("producer.id.expiration.ms", "60000")]).defaultLogConfig.producerIdExpirationMs, 60_000)
        XCTAssertThrowsError(try BrokerConfig(settings: [("producer.id.expiration.ms", "0")])) {
            XCTAssertTrue("\($0)".contains("producer.id.expiration.ms"), "\($0)")
        }
        XCTAssertEqual(BrokerConfig.defaultValue(of: "producer.id.expiration.ms"), "86400000")
        fixture.stop()
        fixture = try ServerFixture(settings: ["producer.id.expiration.ms": "1234"])
        let client = try fixture.client()
        let topic = CreateTopicsRequest.CreatableTopic(name: "idem", numPartitions: 1, replicationFactor: 1)
        XCTAssertEqual(try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0].errorCode, 0)
        XCTAssertEqual(fixture.server.topics?.topic(named: "idem")?.log(0)?.config.producerIdExpirationMs, 1234)
    }

    func testErrorCodesForProducerStateFailures() {
        XCTAssertEqual(ProduceHandler.errorCode(for: .outOfOrderSequence(producerId: 1, producerEpoch: 0, sequence: 5, lastSequence: 2), segmentBytes: 1 << 30), .outOfOrderSequenceNumber)
        XCTAssertEqual(ProduceHandler.errorCode(for: .invalidProducerEpoch(producerId: 1, producerEpoch: 0, currentEpoch: 1), segmentBytes: 1 << 30), .invalidProducerEpoch)
        XCTAssertEqual(ProduceHandler.errorCode(for: .invalidTransactionState(producerId: 1, reason: "r"), segmentBytes: 1 << 30), .invalidTxnState)
        XCTAssertEqual(ProduceHandler.errorCode(for: .transactionCoordinatorFenced(producerId: 1, coordinatorEpoch: 1, currentCoordinatorEpoch: 2), segmentBytes: 1 << 30), .transactionCoordinatorFenced)
        XCTAssertEqual(KafkaErrorCode.invalidTxnState.rawValue, 48)
        XCTAssertEqual(KafkaErrorCode.transactionCoordinatorFenced.rawValue, 52)
        XCTAssertEqual(KafkaErrorCode.outOfOrderSequenceNumber.description, "OUT_OF_ORDER_SEQUENCE_NUMBER")
    }
}
