@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import XCTest

/// The group APIs over the wire, in every version the broker advertises, against an in-process
/// broker; state that survives a restart; hostile group requests.
final class GroupApiTests: XCTestCase {
    var fixture: ServerFixture!

    override func setUpWithError() throws {
        fixture = try ServerFixture(settings: ["group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "5"])
    }

    override func tearDown() {
        fixture?.stop()
    }

    static let subscription = ConsumerProtocolCodec.encode(ConsumerProtocolSubscription(topics: ["orders"]), version: 1)

    func createTopic(_ name: String, partitions: Int32 = 1, client: TestKafkaClient) throws {
        let topic = CreateTopicsRequest.CreatableTopic(name: name, numPartitions: partitions, replicationFactor: 1)
        XCTAssertEqual(try client.roundTrip(CreateTopicsRequest(topics: [topic], timeoutMs: 5000), version: 7).topics[0].errorCode, 0)
    }

    func joinRequest(_ group: String, memberId: String = "", instanceId: String? = nil, session: Int32 = 10_000) -> JoinGroupRequest {
        JoinGroupRequest(groupId: group, sessionTimeoutMs: session, rebalanceTimeoutMs: 10_000, memberId: memberId,
                         groupInstanceId: instanceId, protocolType: "consumer",
                         protocols: [.init(name: "range", metadata: Self.subscription)])
    }

    /// Joins at `version`, through MEMBER_ID_REQUIRED from v4 on. Returns the final answer.
    func join(_ group: String, version: Int16, client: TestKafkaClient) throws -> JoinGroupResponse {
        var response = try client.roundTrip(joinRequest(group), version: version)
        if version >= 4 {
            XCTAssertEqual(response.errorCode, KafkaErrorCode.memberIdRequired.rawValue, "v\(version)")
            XCTAssertFalse(response.memberId.isEmpty)
            XCTAssertTrue(response.memberId.hasPrefix("broker-tests-"), response.memberId)
            response = try client.roundTrip(joinRequest(group, memberId: response.memberId), version: version)
        }
        return response
    }

    // MARK: FindCoordinator

    func testFindCoordinatorInEveryVersionCreatesTheOffsetsTopic() throws {
        let client = try fixture.client()
        for version in FindCoordinatorRequest.validVersions {
            var request = FindCoordinatorRequest()
            if version >= 4 { request.coordinatorKeys = ["g1", "g2"] } else { request.key = "g1" }
            let response = try client.roundTrip(request, version: version)
            if version >= 4 {
                XCTAssertEqual(response.coordinators.map(\.key), ["g1", "g2"])
                XCTAssertEqual(response.coordinators.map(\.nodeId), [0, 0])
                XCTAssertEqual(response.coordinators.map(\.port), [Int32(fixture.port), Int32(fixture.port)])
                XCTAssertEqual(response.coordinators.map(\.host), ["127.0.0.1", "127.0.0.1"])
            } else {
                XCTAssertEqual(response.errorCode, 0, "v\(version)")
                XCTAssertEqual(response.port, Int32(fixture.port))
                XCTAssertEqual(response.host, "127.0.0.1")
            }
        }
        let transaction = try client.roundTrip(FindCoordinatorRequest(key: "tx", keyType: 1), version: 3)
        XCTAssertEqual(transaction.errorCode, KafkaErrorCode.coordinatorNotAvailable.rawValue)
        XCTAssertEqual(transaction.nodeId, -1)
        let bogus = try client.roundTrip(FindCoordinatorRequest(keyType: 9, coordinatorKeys: ["x"]), version: 4)
        XCTAssertEqual(bogus.coordinators.first?.errorCode, KafkaErrorCode.invalidRequest.rawValue)

        let topic = try XCTUnwrap(fixture.server.topics?.topic(named: OffsetsTopic.name))
        XCTAssertEqual(topic.metadata.partitionCount, 5)
        XCTAssertEqual(topic.logConfig.cleanupPolicy, "compact")
        let metadata = try client.roundTrip(MetadataRequest(topics: [.init(name: OffsetsTopic.name)]), version: 12)
        XCTAssertEqual(metadata.topics.first?.isInternal, true)
        // Clients may not write to it.
        var builder = RecordBatchBuilder()
        builder.append(key: [1], value: [2], timestamp: 1)
        let produce = ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [
            .init(name: OffsetsTopic.name, partitionData: [.init(index: 0, records: ByteBuffer(bytes: builder.build().bytes))]),
        ])
        XCTAssertEqual(try client.roundTrip(produce, version: 9).responses[0].partitionResponses[0].errorCode,
                       KafkaErrorCode.invalidTopicException.rawValue)
    }

    // MARK: Membership

    func testJoinSyncHeartbeatLeaveInEveryVersion() throws {
        let client = try fixture.client()
        for version in JoinGroupRequest.validVersions {
            let group = "group-v\(version)"
            let joined = try join(group, version: version, client: client)
            XCTAssertEqual(joined.errorCode, 0, "JoinGroup v\(version)")
            XCTAssertEqual(joined.generationId, 1)
            XCTAssertEqual(joined.leader, joined.memberId)
            XCTAssertEqual(joined.protocolName, "range")
            if version >= 7 { XCTAssertEqual(joined.protocolType, "consumer") }
            XCTAssertEqual(joined.members.map(\.memberId), [joined.memberId])
            XCTAssertEqual(joined.members.first?.metadata, Self.subscription)

            let syncVersion = min(version, SyncGroupRequest.validVersions.upperBound)
            var sync = SyncGroupRequest(groupId: group, generationId: 1, memberId: joined.memberId,
                                        assignments: [.init(memberId: joined.memberId, assignment: [7, 7])])
            if syncVersion >= 5 {
                sync.protocolType = "consumer"
                sync.protocolName = "range"
            }
            let synced = try client.roundTrip(sync, version: syncVersion)
            XCTAssertEqual(synced.errorCode, 0, "SyncGroup v\(syncVersion)")
            XCTAssertEqual(synced.assignment, [7, 7])

            let heartbeatVersion = min(version, HeartbeatRequest.validVersions.upperBound)
            let beat = try client.roundTrip(HeartbeatRequest(groupId: group, generationId: 1, memberId: joined.memberId), version: heartbeatVersion)
            XCTAssertEqual(beat.errorCode, 0, "Heartbeat v\(heartbeatVersion)")
            let stale = try client.roundTrip(HeartbeatRequest(groupId: group, generationId: 0, memberId: joined.memberId), version: heartbeatVersion)
            XCTAssertEqual(stale.errorCode, KafkaErrorCode.illegalGeneration.rawValue)

            let leaveVersion = min(version, LeaveGroupRequest.validVersions.upperBound)
            var leave = LeaveGroupRequest(groupId: group)
            if leaveVersion >= 3 { leave.members = [.init(memberId: joined.memberId), .init(memberId: "nobody")] } else { leave.memberId = joined.memberId }
            let left = try client.roundTrip(leave, version: leaveVersion)
            XCTAssertEqual(left.errorCode, 0, "LeaveGroup v\(leaveVersion)")
            if leaveVersion >= 3 {
                XCTAssertEqual(left.members.map(\.errorCode), [0, KafkaErrorCode.unknownMemberId.rawValue])
            }
            let gone = try client.roundTrip(HeartbeatRequest(groupId: group, generationId: 1, memberId: joined.memberId), version: heartbeatVersion)
            XCTAssertEqual(gone.errorCode, KafkaErrorCode.unknownMemberId.rawValue)
        }
    }

    func testSecondMemberRebalancesTheGroup() throws {
        let first = try fixture.client()
        let second = try fixture.client()
        let a = try join("shared", version: 5, client: first)
        _ = try first.roundTrip(SyncGroupRequest(groupId: "shared", generationId: 1, memberId: a.memberId,
                                                 assignments: [.init(memberId: a.memberId, assignment: [1])]), version: 3)
        // The second member's JoinGroup waits until the first rejoins.
        let required = try second.roundTrip(joinRequest("shared"), version: 5)
        let pending = try second.send(joinRequest("shared", memberId: required.memberId), version: 5)
        var beat = HeartbeatResponse()
        for _ in 0..<50 {
            beat = try first.roundTrip(HeartbeatRequest(groupId: "shared", generationId: 1, memberId: a.memberId), version: 3)
            if beat.errorCode != 0 { break }
            usleep(20_000)
        }
        XCTAssertEqual(beat.errorCode, KafkaErrorCode.rebalanceInProgress.rawValue)
        let leader = try first.roundTrip(joinRequest("shared", memberId: a.memberId), version: 5)
        let (correlation, follower) = try second.receive(JoinGroupResponse.self, version: 5)
        XCTAssertEqual(correlation, pending)
        XCTAssertEqual(leader.generationId, 2)
        XCTAssertEqual(follower.generationId, 2)
        XCTAssertEqual(Set(leader.members.map(\.memberId)), [a.memberId, follower.memberId])
        XCTAssertEqual(follower.leader, a.memberId)

        let followerSync = try second.send(SyncGroupRequest(groupId: "shared", generationId: 2, memberId: follower.memberId), version: 3)
        let leaderSync = try first.roundTrip(SyncGroupRequest(groupId: "shared", generationId: 2, memberId: a.memberId, assignments: [
            .init(memberId: a.memberId, assignment: [1]), .init(memberId: follower.memberId, assignment: [2]),
        ]), version: 3)
        XCTAssertEqual(leaderSync.assignment, [1])
        let (syncCorrelation, followerAssignment) = try second.receive(SyncGroupResponse.self, version: 3)
        XCTAssertEqual(syncCorrelation, followerSync)
        XCTAssertEqual(followerAssignment.assignment, [2])

        let described = try first.roundTrip(DescribeGroupsRequest(groups: ["shared"], includeAuthorizedOperations: true), version: 5)
        XCTAssertEqual(described.groups[0].groupState, "Stable")
        XCTAssertEqual(described.groups[0].protocolData, "range")
        XCTAssertEqual(described.groups[0].members.count, 2)
        XCTAssertEqual(described.groups[0].authorizedOperations, GroupRequestHandler.groupOperations)
        XCTAssertEqual(Set(described.groups[0].members.map(\.memberAssignment)), [[1], [2]])
        XCTAssertEqual(described.groups[0].members.first?.clientHost, "/127.0.0.1")
        XCTAssertEqual(described.groups[0].members.first?.clientId, "broker-tests")
    }

    func testStaticMemberRejoinsWithoutRebalance() throws {
        let client = try fixture.client()
        let joined = try client.roundTrip(joinRequest("static", instanceId: "instance-1"), version: 7)
        XCTAssertEqual(joined.errorCode, 0, "a static member needs no MEMBER_ID_REQUIRED round")
        XCTAssertTrue(joined.memberId.hasPrefix("instance-1-"))
        _ = try client.roundTrip(SyncGroupRequest(groupId: "static", generationId: 1, memberId: joined.memberId, groupInstanceId: "instance-1",
                                                  assignments: [.init(memberId: joined.memberId, assignment: [5])]), version: 5)
        let restarted = try fixture.client()
        let again = try restarted.roundTrip(joinRequest("static", instanceId: "instance-1"), version: 9)
        XCTAssertEqual(again.errorCode, 0)
        XCTAssertEqual(again.generationId, 1)
        XCTAssertTrue(again.skipAssignment)
        let fenced = try client.roundTrip(HeartbeatRequest(groupId: "static", generationId: 1, memberId: joined.memberId, groupInstanceId: "instance-1"), version: 4)
        XCTAssertEqual(fenced.errorCode, KafkaErrorCode.fencedInstanceId.rawValue)
        let sync = try restarted.roundTrip(SyncGroupRequest(groupId: "static", generationId: 1, memberId: again.memberId, groupInstanceId: "instance-1"), version: 5)
        XCTAssertEqual(sync.assignment, [5])
    }

    func testMalformedGroupRequestsGetErrorCodes() throws {
        let client = try fixture.client()
        XCTAssertEqual(try client.roundTrip(joinRequest(""), version: 5).errorCode, KafkaErrorCode.invalidGroupId.rawValue)
        XCTAssertEqual(try client.roundTrip(joinRequest("g", session: 10), version: 5).errorCode, KafkaErrorCode.invalidSessionTimeout.rawValue)
        XCTAssertEqual(try client.roundTrip(joinRequest("g", memberId: "made-up"), version: 5).errorCode, KafkaErrorCode.unknownMemberId.rawValue)
        var noProtocols = joinRequest("g")
        noProtocols.protocols = []
        noProtocols.protocolType = ""
        XCTAssertEqual(try client.roundTrip(noProtocols, version: 3).errorCode, KafkaErrorCode.inconsistentGroupProtocol.rawValue)
        XCTAssertEqual(try client.roundTrip(SyncGroupRequest(groupId: "", generationId: 1, memberId: "m"), version: 3).errorCode,
                       KafkaErrorCode.invalidGroupId.rawValue)
        XCTAssertEqual(try client.roundTrip(SyncGroupRequest(groupId: "nope", generationId: -5, memberId: ""), version: 3).errorCode,
                       KafkaErrorCode.unknownMemberId.rawValue)
        XCTAssertEqual(try client.roundTrip(HeartbeatRequest(groupId: "nope", generationId: 1, memberId: "m"), version: 4).errorCode,
                       KafkaErrorCode.unknownMemberId.rawValue)
        XCTAssertEqual(try client.roundTrip(LeaveGroupRequest(groupId: "", memberId: "m"), version: 1).errorCode,
                       KafkaErrorCode.invalidGroupId.rawValue)
        XCTAssertEqual(try client.roundTrip(LeaveGroupRequest(groupId: "nope", memberId: "m"), version: 1).errorCode,
                       KafkaErrorCode.unknownMemberId.rawValue)
        // Still serving.
        XCTAssertEqual(try client.roundTrip(ApiVersionsRequest(), version: 3).errorCode, 0)
    }

    func testShutdownAnswersAParkedJoinGroup() throws {
        fixture.stop()
        fixture = try ServerFixture(settings: ["group.initial.rebalance.delay.ms": "60000", "offsets.topic.num.partitions": "1"])
        let client = try fixture.client()
        let parked = try client.send(joinRequest("slow"), version: 3)
        usleep(200_000)
        let started = ContinuousClock.now
        let server = fixture.server!
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.shutdown()
            stopped.signal()
        }
        let (correlation, response) = try client.receive(JoinGroupResponse.self, version: 3)
        XCTAssertEqual(correlation, parked)
        XCTAssertEqual(response.errorCode, KafkaErrorCode.notCoordinator.rawValue)
        XCTAssertEqual(stopped.wait(timeout: .now() + 10), .success)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    // MARK: Offsets

    func testOffsetCommitAndFetchInEveryVersion() throws {
        let client = try fixture.client()
        try createTopic("orders", partitions: 3, client: client)
        for version in OffsetCommitRequest.validVersions {
            let group = "commits-v\(version)"
            var request = OffsetCommitRequest(groupId: group, topics: [
                .init(name: "orders", partitions: [
                    .init(partitionIndex: 0, committedOffset: 10 + Int64(version), committedLeaderEpoch: version >= 6 ? 3 : -1, committedMetadata: "m\(version)"),
                    .init(partitionIndex: 9, committedOffset: 1),
                ]),
                .init(name: "missing", partitions: [.init(partitionIndex: 0, committedOffset: 1)]),
            ])
            if (2...4).contains(version) { request.retentionTimeMs = 3_600_000 }
            let response = try client.roundTrip(request, version: version)
            XCTAssertEqual(response.topics.map { $0.partitions.map(\.errorCode) },
                           [[0, KafkaErrorCode.unknownTopicOrPartition.rawValue], [KafkaErrorCode.unknownTopicOrPartition.rawValue]], "v\(version)")

            let fetchVersion = min(version, 7)
            let fetched = try client.roundTrip(OffsetFetchRequest(groupId: group, topics: [.init(name: "orders", partitionIndexes: [0, 1])]),
                                               version: fetchVersion)
            let partitions = fetched.topics.first?.partitions ?? []
            XCTAssertEqual(partitions.map(\.committedOffset), [10 + Int64(version), -1], "OffsetFetch v\(fetchVersion)")
            XCTAssertEqual(partitions.first?.metadata, "m\(version)")
            if fetchVersion >= 5 { XCTAssertEqual(partitions.first?.committedLeaderEpoch, version >= 6 ? 3 : -1) }
        }
        // v2+: a null topic list fetches every committed partition; v8+: several groups at once.
        let all = try client.roundTrip(OffsetFetchRequest(groupId: "commits-v3", topics: nil), version: 2)
        XCTAssertEqual(all.topics.map(\.name), ["orders"])
        let batched = try client.roundTrip(OffsetFetchRequest(groups: [
            .init(groupId: "commits-v8", topics: nil), .init(groupId: "commits-v9", topics: [.init(name: "orders", partitionIndexes: [0])]),
            .init(groupId: "never", topics: [.init(name: "orders", partitionIndexes: [2])]),
        ], requireStable: true), version: 9)
        XCTAssertEqual(batched.groups.map { $0.topics.first?.partitions.first?.committedOffset }, [18, 19, -1])

        // Over-long metadata is refused per partition.
        let long = OffsetCommitRequest(groupId: "g", topics: [.init(name: "orders", partitions: [
            .init(partitionIndex: 0, committedOffset: 1, committedMetadata: String(repeating: "x", count: 4097)),
        ])])
        XCTAssertEqual(try client.roundTrip(long, version: 8).topics[0].partitions[0].errorCode, KafkaErrorCode.offsetMetadataTooLarge.rawValue)
    }

    func testListDescribeDeleteGroupsAndOffsets() throws {
        let client = try fixture.client()
        try createTopic("orders", client: client)
        try createTopic("audit", client: client)
        let member = try join("live", version: 5, client: client)
        _ = try client.roundTrip(SyncGroupRequest(groupId: "live", generationId: 1, memberId: member.memberId,
                                                  assignments: [.init(memberId: member.memberId, assignment: [])]), version: 3)
        let commit = OffsetCommitRequest(groupId: "live", generationIdOrMemberEpoch: 1, memberId: member.memberId, topics: [
            .init(name: "orders", partitions: [.init(partitionIndex: 0, committedOffset: 5)]),
            .init(name: "audit", partitions: [.init(partitionIndex: 0, committedOffset: 6)]),
        ])
        XCTAssertEqual(try client.roundTrip(commit, version: 8).topics.flatMap { $0.partitions.map(\.errorCode) }, [0, 0])
        let simple = OffsetCommitRequest(groupId: "idle", topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0, committedOffset: 1)])])
        XCTAssertEqual(try client.roundTrip(simple, version: 8).topics[0].partitions[0].errorCode, 0)

        for version in ListGroupsRequest.validVersions {
            let listed = try client.roundTrip(ListGroupsRequest(), version: version)
            XCTAssertEqual(listed.groups.map(\.groupId).sorted(), ["idle", "live"], "v\(version)")
            if version >= 4 {
                let stable = try client.roundTrip(ListGroupsRequest(statesFilter: ["stable"]), version: version)
                XCTAssertEqual(stable.groups.map(\.groupId), ["live"])
                XCTAssertEqual(stable.groups.map(\.groupState), ["Stable"])
                XCTAssertEqual(try client.roundTrip(ListGroupsRequest(statesFilter: ["Bogus"]), version: version).groups, [])
            }
            if version >= 5 {
                XCTAssertEqual(try client.roundTrip(ListGroupsRequest(typesFilter: ["consumer"]), version: version).groups, [])
                XCTAssertEqual(listed.groups.map(\.groupType), ["classic", "classic"])
            }
        }
        for version in DescribeGroupsRequest.validVersions {
            let described = try client.roundTrip(DescribeGroupsRequest(groups: ["live", "idle", "unknown"]), version: version)
            XCTAssertEqual(described.groups.map(\.groupState), ["Stable", "Empty", "Dead"], "v\(version)")
            XCTAssertEqual(described.groups.map(\.protocolType), ["consumer", "", ""])
        }

        let deleteOffsets = OffsetDeleteRequest(groupId: "live", topics: [
            .init(name: "orders", partitions: [.init(partitionIndex: 0)]), .init(name: "audit", partitions: [.init(partitionIndex: 0)]),
            .init(name: "missing", partitions: [.init(partitionIndex: 0)]),
        ])
        let offsetsDeleted = try client.roundTrip(deleteOffsets, version: 0)
        XCTAssertEqual(offsetsDeleted.errorCode, 0)
        XCTAssertEqual(offsetsDeleted.topics.map { $0.partitions[0].errorCode },
                       [KafkaErrorCode.groupSubscribedToTopic.rawValue, 0, KafkaErrorCode.unknownTopicOrPartition.rawValue])
        XCTAssertEqual(try client.roundTrip(OffsetDeleteRequest(groupId: "ghost"), version: 0).errorCode, KafkaErrorCode.groupIdNotFound.rawValue)

        for version in DeleteGroupsRequest.validVersions {
            let deleted = try client.roundTrip(DeleteGroupsRequest(groupsNames: ["live", "ghost"]), version: version)
            XCTAssertEqual(deleted.results.map(\.errorCode), [KafkaErrorCode.nonEmptyGroup.rawValue, KafkaErrorCode.groupIdNotFound.rawValue])
        }
        XCTAssertEqual(try client.roundTrip(DeleteGroupsRequest(groupsNames: ["idle"]), version: 2).results.map(\.errorCode), [0])
        let remaining = try client.roundTrip(ListGroupsRequest(), version: 3)
        XCTAssertEqual(remaining.groups.map(\.groupId), ["live"])
        let fetched = try client.roundTrip(OffsetFetchRequest(groupId: "idle", topics: nil), version: 7)
        XCTAssertEqual(fetched.topics, [])
    }

    // MARK: Durability

    func testGroupsAndOffsetsSurviveARestartInKafkasRecordFormat() throws {
        var client = try fixture.client()
        try createTopic("orders", partitions: 2, client: client)
        let member = try join("durable", version: 5, client: client)
        _ = try client.roundTrip(SyncGroupRequest(groupId: "durable", generationId: 1, memberId: member.memberId,
                                                  assignments: [.init(memberId: member.memberId, assignment: [4, 2])]), version: 3)
        let commit = OffsetCommitRequest(groupId: "durable", generationIdOrMemberEpoch: 1, memberId: member.memberId, topics: [
            .init(name: "orders", partitions: [.init(partitionIndex: 1, committedOffset: 77, committedLeaderEpoch: 0, committedMetadata: "meta")]),
        ])
        XCTAssertEqual(try client.roundTrip(commit, version: 8).topics[0].partitions[0].errorCode, 0)

        // The records are where Kafka would put them, in Kafka's format.
        let partition = OffsetsTopic.partition(for: "durable", partitionCount: 5)
        let log = try XCTUnwrap(fixture.server.topics?.topic(named: OffsetsTopic.name)?.log(partition))
        var decoded: [GroupRecord] = []
        for batch in try log.readBatches(from: 0) {
            for record in try batch.records() {
                XCTAssertNotNil(record.key)
                if let value = record.value { XCTAssertEqual(Array(value.prefix(2)), [0, 3], "value version 3") }
                if let entry = try GroupRecordCodec.decode(key: record.key!, value: record.value) { decoded.append(entry) }
            }
        }
        XCTAssertTrue(decoded.contains { if case .metadata("durable", let value?) = $0 { value.generation == 1 } else { false } })
        XCTAssertTrue(decoded.contains { if case .offset("durable", TopicPartition(topic: "orders", partition: 1), let offset?) = $0 { offset.offset == 77 } else { false } })

        try fixture.restart()
        client = try fixture.client()
        let fetched = try client.roundTrip(OffsetFetchRequest(groupId: "durable", topics: [.init(name: "orders", partitionIndexes: [1])]), version: 7)
        XCTAssertEqual(fetched.topics[0].partitions[0].committedOffset, 77)
        XCTAssertEqual(fetched.topics[0].partitions[0].metadata, "meta")
        let described = try client.roundTrip(DescribeGroupsRequest(groups: ["durable"]), version: 5)
        XCTAssertEqual(described.groups[0].groupState, "Stable")
        XCTAssertEqual(described.groups[0].members.map(\.memberId), [member.memberId])
        XCTAssertEqual(described.groups[0].members.map(\.memberAssignment), [[4, 2]])
        // The member carries on with its generation.
        XCTAssertEqual(try client.roundTrip(HeartbeatRequest(groupId: "durable", generationId: 1, memberId: member.memberId), version: 4).errorCode, 0)
    }

    func testJavaHashCodePartitioning() {
        XCTAssertEqual(OffsetsTopic.javaHashCode("hello"), 99_162_322)
        XCTAssertEqual(OffsetsTopic.javaHashCode(""), 0)
        XCTAssertEqual(OffsetsTopic.javaHashCode("polygenelubricants"), Int32.min)  // Java's famous MIN_VALUE hash
        XCTAssertEqual(OffsetsTopic.partition(for: "polygenelubricants", partitionCount: 50), 0)
        XCTAssertEqual(OffsetsTopic.partition(for: "hello", partitionCount: 50), 22)
        XCTAssertEqual(OffsetsTopic.javaHashCode("é🙂"), Int32(truncatingIfNeeded: ((0xE9 * 31 + 0xD83D) * 31) + 0xDE42))
    }
}
