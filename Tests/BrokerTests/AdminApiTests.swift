@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import XCTest

/// CreatePartitions, DeleteRecords, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs over
/// the wire in every advertised version; periodic retention and the log cleaner.
final class AdminApiTests: XCTestCase {
    var fixture: ServerFixture!

    override func setUpWithError() throws {
        fixture = try ServerFixture(settings: ["log.retention.minutes": "600"])
    }

    override func tearDown() {
        fixture?.stop()
    }

    @discardableResult
    func createTopic(_ name: String, partitions: Int32 = 1, configs: [String: String] = [:], client: TestKafkaClient) throws -> CreateTopicsResponse.CreatableTopicResult {
        var topic = CreateTopicsRequest.CreatableTopic(name: name, numPartitions: partitions, replicationFactor: 1)
        topic.configs = configs.map { CreateTopicsRequest.CreatableTopicConfig(name: $0.key, value: $0.value) }
        let result = try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0]
        XCTAssertEqual(result.errorCode, 0, result.errorMessage ?? "")
        return result
    }

    func produce(_ topic: String, partition: Int32 = 0, count: Int, size: Int = 10, key: String? = nil, timestamp: Int64? = nil,
                 client: TestKafkaClient) throws -> ProduceResponse.PartitionProduceResponse {
        let timestamp = timestamp ?? PartitionLog.systemClock()
        var builder = RecordBatchBuilder()
        for index in 0..<count {
            builder.append(key: Array((key ?? "k\(index)").utf8), value: [UInt8](repeating: UInt8(index % 256), count: size), timestamp: timestamp)
        }
        let request = ProduceRequest(acks: 1, timeoutMs: 5000, topicData: [
            .init(name: topic, partitionData: [.init(index: partition, records: ByteBuffer(bytes: builder.build().bytes))]),
        ])
        return try client.roundTrip(request, version: 9).responses[0].partitionResponses[0]
    }

    func earliest(_ topic: String, client: TestKafkaClient) throws -> Int64 {
        let request = ListOffsetsRequest(replicaId: -1, topics: [.init(name: topic, partitions: [.init(partitionIndex: 0, timestamp: -2)])])
        return try client.roundTrip(request, version: 7).topics[0].partitions[0].offset
    }

    func describe(_ topic: String, keys: [String]? = nil, version: Int16 = 4, synonyms: Bool = true, client: TestKafkaClient)
        throws -> DescribeConfigsResponse.DescribeConfigsResult {
        let request = DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: topic, configurationKeys: keys)],
                                             includeSynonyms: synonyms && version >= 1, includeDocumentation: version >= 3)
        return try client.roundTrip(request, version: version).results[0]
    }

    // MARK: CreatePartitions

    func testCreatePartitionsInEveryVersion() throws {
        let client = try fixture.client()
        for version in CreatePartitionsRequest.validVersions {
            let name = "grow-v\(version)"
            try createTopic(name, client: client)
            var request = CreatePartitionsRequest(topics: [.init(name: name, count: 3, assignments: nil)], timeoutMs: 5000, validateOnly: true)
            XCTAssertEqual(try client.roundTrip(request, version: version).results[0].errorCode, 0)
            XCTAssertEqual(fixture.server.topics?.topic(named: name)?.metadata.partitionCount, 1, "validateOnly changes nothing")
            request.validateOnly = false
            XCTAssertEqual(try client.roundTrip(request, version: version).results[0].errorCode, 0, "v\(version)")
            XCTAssertEqual(try produce(name, partition: 2, count: 1, client: client).errorCode, 0)
            let same = try client.roundTrip(request, version: version).results[0]
            XCTAssertEqual(same.errorCode, KafkaErrorCode.invalidPartitions.rawValue)
            XCTAssertEqual(same.errorMessage, "Topic already has 3 partition(s).")
            request.topics[0].count = 2
            XCTAssertEqual(try client.roundTrip(request, version: version).results[0].errorCode, KafkaErrorCode.invalidPartitions.rawValue)
        }
        let mixed = CreatePartitionsRequest(topics: [
            .init(name: "nowhere", count: 2, assignments: nil),
            .init(name: "grow-v0", count: 5, assignments: [.init(brokerIds: [0]), .init(brokerIds: [3])]),
            .init(name: "grow-v0", count: 6, assignments: nil),
            .init(name: "grow-v1", count: 5, assignments: [.init(brokerIds: [0])]),
        ], timeoutMs: 5000)
        XCTAssertEqual(try client.roundTrip(mixed, version: 3).results.map(\.errorCode), [
            KafkaErrorCode.unknownTopicOrPartition.rawValue, KafkaErrorCode.invalidRequest.rawValue,
            KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.invalidReplicaAssignment.rawValue,
        ])
        try fixture.restart()
        XCTAssertEqual(fixture.server.topics?.topic(named: "grow-v3")?.metadata.partitionCount, 3)
        XCTAssertEqual(fixture.server.topics?.topic(named: "grow-v3")?.logs.count, 3)
    }

    // MARK: DeleteRecords

    func testDeleteRecordsInEveryVersion() throws {
        let client = try fixture.client()
        for version in DeleteRecordsRequest.validVersions {
            let name = "trim-v\(version)"
            try createTopic(name, configs: ["segment.bytes": "300"], client: client)
            for _ in 0..<5 { XCTAssertEqual(try produce(name, count: 2, size: 50, client: client).errorCode, 0) }
            let request = { (offset: Int64) in
                DeleteRecordsRequest(topics: [.init(name: name, partitions: [.init(partitionIndex: offset == 7 ? 9 : 0, offset: offset)])], timeoutMs: 5000)
            }
            let trimmed = try client.roundTrip(request(4), version: version).topics[0].partitions[0]
            XCTAssertEqual(trimmed.errorCode, 0, "v\(version)")
            XCTAssertEqual(trimmed.lowWatermark, 4)
            XCTAssertEqual(try earliest(name, client: client), 4)
            XCTAssertEqual(try client.roundTrip(request(11), version: version).topics[0].partitions[0].errorCode, KafkaErrorCode.offsetOutOfRange.rawValue)
            XCTAssertEqual(try client.roundTrip(request(-3), version: version).topics[0].partitions[0].errorCode, KafkaErrorCode.offsetOutOfRange.rawValue)
            XCTAssertEqual(try client.roundTrip(request(7), version: version).topics[0].partitions[0].errorCode,
                           KafkaErrorCode.unknownTopicOrPartition.rawValue)
            let all = try client.roundTrip(request(-1), version: version).topics[0].partitions[0]
            XCTAssertEqual(all.lowWatermark, 10, "-1 means the high watermark")
        }
        try createTopic("compacted", configs: ["cleanup.policy": "compact"], client: client)
        let compacted = DeleteRecordsRequest(topics: [.init(name: "compacted", partitions: [.init(partitionIndex: 0, offset: 0)])], timeoutMs: 5000)
        XCTAssertEqual(try client.roundTrip(compacted, version: 2).topics[0].partitions[0].errorCode, KafkaErrorCode.policyViolation.rawValue)
        try fixture.restart()
        XCTAssertEqual(try earliest("trim-v0", client: try fixture.client()), 10)
    }

    // MARK: DescribeConfigs

    func testDescribeTopicConfigsInEveryVersion() throws {
        let client = try fixture.client()
        try createTopic("described", configs: ["retention.bytes": "12345", "min.insync.replicas": "1"], client: client)
        for version in DescribeConfigsRequest.validVersions {
            let result = try describe("described", version: version, client: client)
            XCTAssertEqual(result.errorCode, 0, "v\(version)")
            let byName = Dictionary(uniqueKeysWithValues: result.configs.map { ($0.name, $0) })
            XCTAssertEqual(Set(byName.keys), Set(TopicConfigCatalog.names))
            XCTAssertEqual(byName["retention.bytes"]?.value, "12345")
            XCTAssertEqual(byName["retention.ms"]?.value, "36000000", "log.retention.minutes=600 from the broker")
            XCTAssertEqual(byName["segment.bytes"]?.value, "1073741824")
            XCTAssertEqual(byName["cleanup.policy"]?.value, "delete")
            XCTAssertEqual(byName["retention.bytes"]?.readOnly, false)
            if version == 0 {
                XCTAssertEqual(byName["segment.bytes"]?.isDefault, true)
                XCTAssertEqual(byName["retention.bytes"]?.isDefault, false)
                continue
            }
            XCTAssertEqual(byName["retention.bytes"]?.configSource, ConfigSource.dynamicTopicConfig.rawValue)
            XCTAssertEqual(byName["retention.ms"]?.configSource, ConfigSource.staticBrokerConfig.rawValue)
            XCTAssertEqual(byName["segment.bytes"]?.configSource, ConfigSource.defaultConfig.rawValue)
            XCTAssertEqual(byName["retention.ms"]?.synonyms.map(\.name), ["log.retention.minutes", "log.retention.hours"])
            XCTAssertEqual(byName["retention.ms"]?.synonyms.map(\.source), [ConfigSource.staticBrokerConfig.rawValue, ConfigSource.defaultConfig.rawValue])
            XCTAssertEqual(byName["retention.bytes"]?.synonyms.first?.name, "retention.bytes")
            if version >= 3 {
                XCTAssertEqual(byName["retention.ms"]?.configType, ConfigType.long.rawValue)
                XCTAssertEqual(byName["cleanup.policy"]?.configType, ConfigType.list.rawValue)
                XCTAssertFalse(byName["retention.ms"]?.documentation?.isEmpty ?? true)
            }
        }
        let filtered = try describe("described", keys: ["segment.ms", "nonsense"], client: client)
        XCTAssertEqual(filtered.configs.map(\.name), ["segment.ms"])
        XCTAssertEqual(filtered.configs[0].synonyms.map(\.name), ["log.roll.hours"])
        XCTAssertEqual(try describe("described", keys: [], client: client).configs.count, TopicConfigCatalog.names.count, "empty means all")
        let noSynonyms = try describe("described", keys: ["retention.ms"], synonyms: false, client: client)
        XCTAssertEqual(noSynonyms.configs[0].synonyms, [])
        XCTAssertEqual(try describe("ghost", client: client).errorCode, KafkaErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertEqual(try describe("bad/name", client: client).errorCode, KafkaErrorCode.invalidTopicException.rawValue)
    }

    func testDescribeBrokerConfigs() throws {
        let client = try fixture.client()
        let request = DescribeConfigsRequest(resources: [
            .init(resourceType: 4, resourceName: "0", configurationKeys: nil),
            .init(resourceType: 4, resourceName: "0", configurationKeys: ["log.retention.minutes", "num.io.threads"]),
            .init(resourceType: 4, resourceName: "7", configurationKeys: nil),
            .init(resourceType: 4, resourceName: "", configurationKeys: nil),
            .init(resourceType: 8, resourceName: "0", configurationKeys: nil),
            .init(resourceType: 99, resourceName: "x", configurationKeys: nil),
        ], includeSynonyms: true)
        let results = try client.roundTrip(request, version: 4).results
        XCTAssertEqual(results.map(\.errorCode), [0, 0, KafkaErrorCode.invalidRequest.rawValue, 0,
                                                  KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.invalidRequest.rawValue])
        let all = Dictionary(uniqueKeysWithValues: results[0].configs.map { ($0.name, $0) })
        XCTAssertEqual(all["log.retention.minutes"]?.value, "600")
        XCTAssertEqual(all["log.retention.minutes"]?.configSource, ConfigSource.staticBrokerConfig.rawValue)
        XCTAssertEqual(all["group.initial.rebalance.delay.ms"]?.value, "3000")
        XCTAssertEqual(all["group.initial.rebalance.delay.ms"]?.configSource, ConfigSource.defaultConfig.rawValue)
        XCTAssertEqual(all["log.cleaner.backoff.ms"]?.value, "15000")
        XCTAssertEqual(all["num.io.threads"]?.readOnly, true)
        XCTAssertEqual(results[1].configs.map(\.name), ["log.retention.minutes", "num.io.threads"])
        XCTAssertEqual(results[3].configs, [])
    }

    // MARK: AlterConfigs

    func testAlterConfigsReplacesOverridesAppliesThemLiveAndPersistsThem() throws {
        let client = try fixture.client()
        try createTopic("altered", configs: ["retention.bytes": "999999"], client: client)
        for version in AlterConfigsRequest.validVersions {
            let previous = fixture.server.topics?.topic(named: "altered")?.logConfig.maxMessageBytes
            var request = AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "altered", configs: [.init(name: "max.message.bytes", value: "\(200 + Int(version))")]),
            ], validateOnly: true)
            XCTAssertEqual(try client.roundTrip(request, version: version).responses[0].errorCode, 0)
            XCTAssertEqual(fixture.server.topics?.topic(named: "altered")?.logConfig.maxMessageBytes, previous, "validateOnly")
            request.validateOnly = false
            XCTAssertEqual(try client.roundTrip(request, version: version).responses[0].errorCode, 0, "v\(version)")
            let topic = try XCTUnwrap(fixture.server.topics?.topic(named: "altered"))
            XCTAssertEqual(topic.metadata.configs, ["max.message.bytes": "\(200 + Int(version))"], "the whole set is replaced")
            XCTAssertEqual(topic.logs[0].config.maxMessageBytes, 200 + Int(version), "applied to the live log")
        }
        // In effect at once: a batch above the new limit is refused.
        XCTAssertEqual(try produce("altered", count: 1, size: 500, client: client).errorCode, KafkaErrorCode.messageTooLarge.rawValue)
        XCTAssertEqual(try produce("altered", count: 1, size: 10, client: client).errorCode, 0)

        let bad = AlterConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: "altered", configs: [.init(name: "retention.ms", value: "soon")]),
            .init(resourceType: 2, resourceName: "altered2", configs: []),
            .init(resourceType: 2, resourceName: "altered", configs: [.init(name: "no.such.config", value: "1")]),
            .init(resourceType: 4, resourceName: "0", configs: [.init(name: "num.io.threads", value: "4")]),
        ])
        XCTAssertEqual(try client.roundTrip(bad, version: 2).responses.map(\.errorCode), [
            KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.unknownTopicOrPartition.rawValue,
            KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.invalidRequest.rawValue,
        ], "the duplicated resource is refused as a whole")
        let invalid = AlterConfigsRequest(resources: [.init(resourceType: 2, resourceName: "altered", configs: [.init(name: "retention.ms", value: "soon")])])
        let refused = try client.roundTrip(invalid, version: 2).responses[0]
        XCTAssertEqual(refused.errorCode, KafkaErrorCode.invalidConfig.rawValue)
        XCTAssertTrue(refused.errorMessage?.contains("retention.ms") ?? false)

        try fixture.restart()
        XCTAssertEqual(fixture.server.topics?.topic(named: "altered")?.logs[0].config.maxMessageBytes, 202)
    }

    func testIncrementalAlterConfigsOperations() throws {
        let client = try fixture.client()
        try createTopic("incremental", configs: ["retention.bytes": "1000000"], client: client)
        func alter(_ changes: [IncrementalAlterConfigsRequest.AlterableConfig], version: Int16 = 1) throws -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse {
            try client.roundTrip(IncrementalAlterConfigsRequest(resources: [.init(resourceType: 2, resourceName: "incremental", configs: changes)]),
                                 version: version).responses[0]
        }
        for version in IncrementalAlterConfigsRequest.validVersions {
            XCTAssertEqual(try alter([.init(name: "retention.ms", configOperation: 0, value: "60000"),
                                      .init(name: "cleanup.policy", configOperation: 2, value: "compact")], version: version).errorCode, 0)
        }
        var topic = try XCTUnwrap(fixture.server.topics?.topic(named: "incremental"))
        XCTAssertEqual(topic.metadata.configs, ["retention.bytes": "1000000", "retention.ms": "60000", "cleanup.policy": "delete,compact"])
        XCTAssertEqual(topic.logs[0].config.cleanupPolicy, "compact,delete")
        XCTAssertEqual(try alter([.init(name: "cleanup.policy", configOperation: 3, value: "delete"),
                                  .init(name: "retention.bytes", configOperation: 1, value: nil)]).errorCode, 0)
        topic = try XCTUnwrap(fixture.server.topics?.topic(named: "incremental"))
        XCTAssertEqual(topic.metadata.configs, ["retention.ms": "60000", "cleanup.policy": "compact"])
        XCTAssertEqual(topic.logs[0].config.retentionBytes, -1)

        XCTAssertEqual(try alter([.init(name: "retention.ms", configOperation: 2, value: "5")]).errorCode, KafkaErrorCode.invalidConfig.rawValue)
        XCTAssertEqual(try alter([.init(name: "retention.ms", configOperation: 7, value: "5")]).errorCode, KafkaErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(try alter([.init(name: "retention.ms", configOperation: 0, value: "5"),
                                  .init(name: "retention.ms", configOperation: 1, value: nil)]).errorCode, KafkaErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(try alter([.init(name: "cleanup.policy", configOperation: 3, value: "compact")]).errorCode,
                       KafkaErrorCode.invalidConfig.rawValue, "an empty policy is invalid")
        XCTAssertEqual(try alter([.init(name: "bogus", configOperation: 0, value: "1")]).errorCode, KafkaErrorCode.invalidConfig.rawValue)
        let broker = IncrementalAlterConfigsRequest(resources: [.init(resourceType: 4, resourceName: "0", configs: [
            .init(name: "log.retention.ms", configOperation: 0, value: "1"),
        ])])
        XCTAssertEqual(try client.roundTrip(broker, version: 1).responses[0].errorCode, KafkaErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(try describe("incremental", keys: ["retention.ms"], client: client).configs[0].value, "60000")
    }

    // MARK: Background work

    func testRetentionRunsPeriodicallyAndFollowsALiveConfigChange() throws {
        fixture.stop()
        fixture = try ServerFixture(settings: ["log.retention.check.interval.ms": "100"])
        let client = try fixture.client()
        try createTopic("expiring", configs: ["segment.bytes": "200"], client: client)
        let minuteAgo = PartitionLog.systemClock() - 60_000
        for _ in 0..<4 { XCTAssertEqual(try produce("expiring", count: 2, size: 60, timestamp: minuteAgo, client: client).errorCode, 0) }
        usleep(300_000)
        XCTAssertEqual(try earliest("expiring", client: client), 0, "7 days of retention keep everything")
        let change = IncrementalAlterConfigsRequest(resources: [.init(resourceType: 2, resourceName: "expiring", configs: [
            .init(name: "retention.ms", configOperation: 0, value: "1000"),
        ])])
        XCTAssertEqual(try client.roundTrip(change, version: 1).responses[0].errorCode, 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while try earliest("expiring", client: client) < 8 && ContinuousClock.now < deadline { usleep(50_000) }
        XCTAssertEqual(try earliest("expiring", client: client), 8, "every record was older than retention.ms")
    }

    func testTheCleanerCompactsInTheBackground() throws {
        fixture.stop()
        fixture = try ServerFixture(settings: ["log.cleaner.backoff.ms": "100", "log.cleaner.dedupe.buffer.size": "1048576"])
        let client = try fixture.client()
        try createTopic("compacting", configs: ["cleanup.policy": "compact", "segment.bytes": "400", "min.cleanable.dirty.ratio": "0.01"],
                        client: client)
        for _ in 0..<20 { XCTAssertEqual(try produce("compacting", count: 2, size: 40, key: "same", client: client).errorCode, 0) }
        let log = try XCTUnwrap(fixture.server.topics?.topic(named: "compacting")?.log(0))
        func recordCount() throws -> Int {
            var offset = log.logStartOffset
            var count = 0
            while offset < log.logEndOffset {
                let batches = try log.readBatches(from: offset)
                guard let last = batches.last else { break }
                count += try batches.reduce(0) { $0 + (try $1.records().count) }
                offset = last.lastOffset + 1
            }
            return count
        }
        var records = try recordCount()
        let deadline = ContinuousClock.now + .seconds(10)
        while records >= 40 && ContinuousClock.now < deadline {
            usleep(100_000)
            records = try recordCount()
        }
        XCTAssertLessThan(records, 40, "the cleaner removed superseded records")
        XCTAssertGreaterThan(records, 0)
    }
}
