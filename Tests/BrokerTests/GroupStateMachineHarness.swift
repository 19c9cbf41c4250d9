@testable import Broker
import Engine
import KafkaProtocol
import XCTest

/// Drives a `GroupStateMachine` the way `GroupCoordinator` does, without sockets, files or
/// sleeps: a fake clock, request ids, and writes that complete at once (or fail on demand).
struct GroupHarness {
    var machine: GroupStateMachine
    var now: Int64 = 1_000_000
    private var nextRequest: UInt64 = 0
    private var nextMember = 0
    /// Every record written, in order (what `__consumer_offsets` would hold).
    var written: [GroupRecord] = []
    /// The error the next writes report (.none: durable).
    var writeError: KafkaErrorCode = .none
    /// Answers not yet taken by a test, by request.
    var replies: [GroupRequestID: GroupReply] = [:]

    init(config: GroupCoordinatorConfig = GroupHarness.testConfig) {
        machine = GroupStateMachine(config: config)
    }

    static var testConfig: GroupCoordinatorConfig {
        var config = GroupCoordinatorConfig()
        config.initialRebalanceDelayMs = 3000
        return config
    }

    mutating func newRequest() -> GroupRequestID {
        nextRequest += 1
        return GroupRequestID(nextRequest)
    }

    /// Handles an event, completing its writes as `writeError` says, and files the replies.
    mutating func send(_ event: GroupEvent) {
        var queue = machine.handle(event, now: now)
        while !queue.isEmpty {
            let action = queue.removeFirst()
            switch action {
            case let .reply(id, reply):
                XCTAssertNil(replies[id], "\(id) answered twice")
                replies[id] = reply
            case let .write(id, _, records):
                if writeError == .none { written += records }
                queue += machine.handle(.writeCompleted(id, writeError), now: now)
            }
        }
    }

    mutating func advance(_ ms: Int64) {
        now += ms
        send(.timersDue)
    }

    func isParked(_ id: GroupRequestID) -> Bool { replies[id] == nil }

    mutating func take(_ id: GroupRequestID, file: StaticString = #filePath, line: UInt = #line) -> GroupReply? {
        guard let reply = replies.removeValue(forKey: id) else {
            XCTFail("\(id) has no answer", file: file, line: line)
            return nil
        }
        return reply
    }

    mutating func joinReply(_ id: GroupRequestID, file: StaticString = #filePath, line: UInt = #line) -> JoinGroupOutcome {
        guard case .join(let outcome) = take(id, file: file, line: line) else {
            XCTFail("\(id) is not a JoinGroup answer", file: file, line: line)
            return JoinGroupOutcome(error: .unknownServerError, memberId: "")
        }
        return outcome
    }

    mutating func syncReply(_ id: GroupRequestID, file: StaticString = #filePath, line: UInt = #line) -> SyncGroupOutcome {
        guard case .sync(let outcome) = take(id, file: file, line: line) else {
            XCTFail("\(id) is not a SyncGroup answer", file: file, line: line)
            return SyncGroupOutcome(error: .unknownServerError)
        }
        return outcome
    }

    // MARK: Requests

    static func subscription(_ topics: [String]) -> [UInt8] {
        ConsumerProtocolCodec.encode(ConsumerProtocolSubscription(topics: topics), version: 1)
    }

    static func rangeProtocol(_ topics: [String] = ["t"]) -> [GroupProtocol] {
        [GroupProtocol(name: "range", metadata: subscription(topics))]
    }

    @discardableResult
    mutating func join(_ group: String = "g", memberId: String = "", instanceId: String? = nil, requireKnownMemberId: Bool = false,
                       protocols: [GroupProtocol] = GroupHarness.rangeProtocol(), protocolType: String = "consumer",
                       session: Int32 = 10_000, rebalance: Int32 = 20_000, skipAssignment: Bool = false) -> GroupRequestID {
        let id = newRequest()
        nextMember += 1
        send(.join(id, JoinGroupCall(
            groupId: group, memberId: memberId, groupInstanceId: instanceId, requireKnownMemberId: requireKnownMemberId,
            clientId: "client", clientHost: "/127.0.0.1", rebalanceTimeoutMs: rebalance, sessionTimeoutMs: session,
            protocolType: protocolType, protocols: protocols, newMemberId: "member-\(nextMember)", supportsSkipAssignment: skipAssignment)))
        return id
    }

    @discardableResult
    mutating func sync(_ group: String = "g", generation: Int32, memberId: String, instanceId: String? = nil,
                       assignments: [(memberId: String, assignment: [UInt8])] = []) -> GroupRequestID {
        let id = newRequest()
        send(.sync(id, SyncGroupCall(groupId: group, generationId: generation, memberId: memberId, groupInstanceId: instanceId,
                                     assignments: assignments)))
        return id
    }

    mutating func heartbeat(_ group: String = "g", generation: Int32, memberId: String, instanceId: String? = nil) -> KafkaErrorCode {
        let id = newRequest()
        send(.heartbeat(id, HeartbeatCall(groupId: group, generationId: generation, memberId: memberId, groupInstanceId: instanceId)))
        guard case .heartbeat(let error) = take(id) else { return .unknownServerError }
        return error
    }

    mutating func leave(group: String = "g", _ members: [LeaveGroupCall.Member]) -> LeaveGroupOutcome {
        let id = newRequest()
        send(.leave(id, LeaveGroupCall(groupId: group, members: members)))
        guard case .leave(let outcome) = take(id) else { return LeaveGroupOutcome(error: .unknownServerError) }
        return outcome
    }

    mutating func commit(group: String = "g", generation: Int32 = -1, memberId: String = "", retention: Int64 = -1,
                         _ offsets: [(String, Int32, Int64)]) -> KafkaErrorCode {
        let id = newRequest()
        let entries = offsets.map { OffsetCommitCall.Entry(partition: TopicPartition(topic: $0.0, partition: $0.1), offset: $0.2) }
        send(.commitOffsets(id, OffsetCommitCall(groupId: group, generationId: generation, memberId: memberId,
                                                 retentionTimeMs: retention, entries: entries)))
        guard case .commit(let outcome) = take(id) else { return .unknownServerError }
        return outcome.error
    }

    func committed(_ group: String = "g", _ topic: String, _ partition: Int32) -> Int64? {
        machine.committedOffsets(groupId: group, partitions: [TopicPartition(topic: topic, partition: partition)]).first?.offset?.offset
    }

    /// One member that joins alone, waits out the initial delay and syncs: returns its id and generation.
    mutating func stableSingleMember(_ group: String = "g", instanceId: String? = nil, session: Int32 = 10_000) -> (String, Int32) {
        let join = self.join(group, instanceId: instanceId, session: session)
        advance(machine.config.initialRebalanceDelayMs)
        let joined = joinReply(join)
        let sync = self.sync(group, generation: joined.generationId, memberId: joined.memberId,
                             assignments: [(joined.memberId, [1])])
        XCTAssertEqual(syncReply(sync).error, KafkaErrorCode.none)
        return (joined.memberId, joined.generationId)
    }
}
