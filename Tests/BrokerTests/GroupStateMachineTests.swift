@testable import Broker
import Engine
import KafkaProtocol
import XCTest

/// The classic group coordinator's state machine, driven without sockets or clocks.
final class GroupStateMachineTests: XCTestCase {
    // MARK: Join and sync

    func testMemberIdRequiredThenJoinAfterInitialDelayThenSync() {
        var h = GroupHarness()
        let first = h.join(requireKnownMemberId: true)
        let required = h.joinReply(first)
        XCTAssertEqual(required.error, .memberIdRequired)
        XCTAssertEqual(required.memberId, "member-1")
        XCTAssertEqual(h.machine.state(of: "g"), .empty)

        let second = h.join(memberId: "member-1", requireKnownMemberId: true)
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
        h.advance(2999)
        XCTAssertTrue(h.isParked(second), "the initial delay holds the first rebalance")
        h.advance(1)
        let joined = h.joinReply(second)
        XCTAssertEqual(joined.error, .none)
        XCTAssertEqual(joined.generationId, 1)
        XCTAssertEqual(joined.leaderId, "member-1")
        XCTAssertEqual(joined.protocolName, "range")
        XCTAssertEqual(joined.protocolType, "consumer")
        XCTAssertEqual(joined.members.map(\.memberId), ["member-1"])
        XCTAssertEqual(joined.members.first?.metadata, GroupHarness.subscription(["t"]))
        XCTAssertEqual(h.machine.state(of: "g"), .completingRebalance)

        let sync = h.sync(generation: 1, memberId: "member-1", assignments: [("member-1", [9, 9])])
        XCTAssertEqual(h.syncReply(sync), SyncGroupOutcome(error: .none, protocolType: "consumer", protocolName: "range", assignment: [9, 9]))
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
        // The assignment was stored before the group became stable.
        guard case .metadata("g", let value?) = h.written.last else { return XCTFail("no group metadata written") }
        XCTAssertEqual(value.generation, 1)
        XCTAssertEqual(value.members.map(\.assignment), [[9, 9]])
    }

    func testPendingMemberIdExpiresAfterSessionTimeout() {
        var h = GroupHarness()
        let first = h.join(requireKnownMemberId: true, session: 6000)
        XCTAssertEqual(h.joinReply(first).error, .memberIdRequired)
        h.advance(6000)
        // The id was not used in time: joining with it is now an unknown member.
        let late = h.join(memberId: "member-1", requireKnownMemberId: true)
        XCTAssertEqual(h.joinReply(late).error, .unknownMemberId)
    }

    func testSecondMemberTriggersRebalanceAndLeaderAssignsBoth() {
        var h = GroupHarness()
        let (m1, gen1) = h.stableSingleMember()
        let join2 = h.join()
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
        XCTAssertTrue(h.isParked(join2))
        // The old member learns of the rebalance from its heartbeat and rejoins.
        XCTAssertEqual(h.heartbeat(generation: gen1, memberId: m1), .rebalanceInProgress)
        let rejoin = h.join(memberId: m1)
        let leader = h.joinReply(rejoin)
        let follower = h.joinReply(join2)
        XCTAssertEqual(leader.generationId, 2)
        XCTAssertEqual(leader.leaderId, m1)
        XCTAssertEqual(Set(leader.members.map(\.memberId)), [m1, follower.memberId])
        XCTAssertEqual(follower.members, [])
        XCTAssertEqual(follower.leaderId, m1)

        // The follower's SyncGroup waits for the leader's.
        let followerSync = h.sync(generation: 2, memberId: follower.memberId)
        XCTAssertTrue(h.isParked(followerSync))
        XCTAssertEqual(h.heartbeat(generation: 2, memberId: follower.memberId), .none)
        let leaderSync = h.sync(generation: 2, memberId: m1, assignments: [(m1, [1]), (follower.memberId, [2])])
        XCTAssertEqual(h.syncReply(leaderSync).assignment, [1])
        XCTAssertEqual(h.syncReply(followerSync).assignment, [2])
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
        XCTAssertEqual(h.heartbeat(generation: 2, memberId: follower.memberId), .none)
    }

    func testInitialDelayIsExtendedWhileNewMembersArrive() {
        var h = GroupHarness()
        let a = h.join(rebalance: 10_000)
        h.advance(2000)
        let b = h.join(rebalance: 10_000)
        h.advance(1000)  // the first delay ends; a member arrived during it: wait another 3 s
        XCTAssertTrue(h.isParked(a))
        h.advance(2000)
        let c = h.join(rebalance: 10_000)
        h.advance(1000)  // second extension
        XCTAssertTrue(h.isParked(c))
        h.advance(3000)
        XCTAssertEqual(h.joinReply(a).members.count, 3)
        XCTAssertEqual(h.joinReply(b).generationId, 1)
        XCTAssertEqual(h.joinReply(c).generationId, 1)
    }

    func testProtocolSelectionAndInconsistentProtocols() {
        var h = GroupHarness()
        let meta = GroupHarness.subscription(["t"])
        let a = h.join(protocols: [GroupProtocol(name: "range", metadata: meta), GroupProtocol(name: "roundrobin", metadata: meta)])
        let b = h.join(protocols: [GroupProtocol(name: "roundrobin", metadata: meta), GroupProtocol(name: "range", metadata: meta)])
        let c = h.join(protocols: [GroupProtocol(name: "sticky", metadata: meta)])
        XCTAssertEqual(h.joinReply(c).error, .inconsistentGroupProtocol)
        let d = h.join(protocolType: "connect")
        XCTAssertEqual(h.joinReply(d).error, .inconsistentGroupProtocol)
        h.advance(3000)  // a second member came during the initial delay: it is extended once
        XCTAssertTrue(h.isParked(a))
        h.advance(3000)
        // One vote each: the tie goes to the oldest member's choice.
        XCTAssertEqual(h.joinReply(a).protocolName, "range")
        XCTAssertEqual(h.joinReply(b).protocolName, "range")

        var empty = GroupHarness()
        let none = empty.join(protocols: [])
        XCTAssertEqual(empty.joinReply(none).error, .inconsistentGroupProtocol)
        XCTAssertNil(empty.machine.state(of: "g"), "a refused join leaves no group behind")
    }

    func testJoinValidation() {
        var h = GroupHarness()
        XCTAssertEqual(h.joinReply(h.join("")).error, .invalidGroupId)
        XCTAssertEqual(h.joinReply(h.join(session: 5999)).error, .invalidSessionTimeout)
        XCTAssertEqual(h.joinReply(h.join(session: 1_800_001)).error, .invalidSessionTimeout)
        let unknown = h.joinReply(h.join(memberId: "nobody"))
        XCTAssertEqual(unknown.error, .unknownMemberId)
        XCTAssertEqual(unknown.memberId, "nobody")
        XCTAssertNil(h.machine.state(of: "g"))
    }

    func testGroupMaxSize() {
        var config = GroupHarness.testConfig
        config.maxGroupSize = 1
        var h = GroupHarness(config: config)
        _ = h.stableSingleMember()
        let second = h.join()
        XCTAssertEqual(h.joinReply(second).error, .groupMaxSizeReached)
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
    }

    func testFollowerRejoinWithSameMetadataGetsCurrentGeneration() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember()
        let join2 = h.join()
        h.send(.timersDue)
        let rejoin = h.join(memberId: m1)
        let leader = h.joinReply(rejoin)
        let follower = h.joinReply(join2)
        let leaderSync = h.sync(generation: 2, memberId: m1, assignments: [(m1, [1]), (follower.memberId, [2])])
        XCTAssertEqual(h.syncReply(leaderSync).error, .none)
        // A follower that lost its JoinGroup answer in Stable: same generation, no rebalance.
        let again = h.joinReply(h.join(memberId: follower.memberId))
        XCTAssertEqual(again.generationId, leader.generationId)
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
        // The leader rejoining forces a rebalance (it wants to redo the assignment).
        let leaderAgain = h.join(memberId: m1)
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
        XCTAssertTrue(h.isParked(leaderAgain))
    }

    // MARK: Heartbeats, sessions, timeouts

    func testHeartbeatErrors() {
        var h = GroupHarness()
        XCTAssertEqual(h.heartbeat("", generation: 0, memberId: "x"), .invalidGroupId)
        XCTAssertEqual(h.heartbeat("nope", generation: 0, memberId: "x"), .unknownMemberId)
        let (m1, generation) = h.stableSingleMember()
        XCTAssertEqual(h.heartbeat(generation: generation, memberId: "stranger"), .unknownMemberId)
        XCTAssertEqual(h.heartbeat(generation: generation + 1, memberId: m1), .illegalGeneration)
        XCTAssertEqual(h.heartbeat(generation: generation, memberId: m1), .none)
        XCTAssertEqual(h.heartbeat(generation: generation, memberId: m1, instanceId: "not-mine"), .unknownMemberId)
    }

    func testSessionTimeoutRemovesSilentMemberAndRebalances() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember(session: 10_000)
        let join2 = h.join(session: 6000)
        let rejoin = h.join(memberId: m1, session: 10_000)
        let m2 = h.joinReply(join2).memberId
        _ = h.joinReply(rejoin)
        let leaderSync = h.sync(generation: 2, memberId: m1, assignments: [(m1, [1]), (m2, [2])])
        _ = h.syncReply(leaderSync)
        let followerSync = h.sync(generation: 2, memberId: m2)
        _ = h.syncReply(followerSync)
        // m1 keeps heartbeating, m2 (session 6 s) goes silent.
        for _ in 0..<2 {
            h.advance(2500)
            XCTAssertEqual(h.heartbeat(generation: 2, memberId: m1), .none)
        }
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1, m2])
        h.advance(999)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1, m2])
        h.advance(1)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1])
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
        XCTAssertEqual(h.heartbeat(generation: 2, memberId: m2), .unknownMemberId)
        XCTAssertEqual(h.heartbeat(generation: 2, memberId: m1), .rebalanceInProgress)
        let alone = h.joinReply(h.join(memberId: m1))
        XCTAssertEqual(alone.generationId, 3)
        XCTAssertEqual(alone.members.map(\.memberId), [m1])
    }

    func testRebalanceTimeoutDropsMembersThatDoNotRejoin() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember(session: 60_000)
        let join2 = h.join(session: 60_000, rebalance: 5000)
        XCTAssertEqual(h.heartbeat(generation: 1, memberId: m1), .rebalanceInProgress)
        // m1 (rebalance timeout 20 s) never rejoins; the join phase lasts the longest rebalance timeout.
        h.advance(19_999)
        XCTAssertTrue(h.isParked(join2))
        h.advance(1)
        let only = h.joinReply(join2)
        XCTAssertEqual(only.generationId, 2)
        XCTAssertEqual(only.leaderId, only.memberId)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [only.memberId])
    }

    func testMemberThatNeverSyncsIsRemovedAfterRebalanceTimeout() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember(session: 60_000)
        let join2 = h.join(session: 60_000, rebalance: 20_000)
        let rejoin = h.join(memberId: m1, session: 60_000)
        let m2 = h.joinReply(join2).memberId
        _ = h.joinReply(rejoin)
        let leaderSync = h.sync(generation: 2, memberId: m1, assignments: [(m1, [1]), (m2, [2])])
        _ = h.syncReply(leaderSync)
        h.advance(20_000)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1])
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
    }

    func testNewMemberThatDisconnectsWhileWaitingExpires() {
        var config = GroupHarness.testConfig
        config.newMemberJoinTimeoutMs = 10_000
        var h = GroupHarness(config: config)
        let (m1, _) = h.stableSingleMember(session: 600_000)
        let join2 = h.join(session: 600_000, rebalance: 600_000)
        h.advance(10_000)
        XCTAssertEqual(h.joinReply(join2).error, .unknownMemberId, "the new member's JoinGroup timed out")
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1])
    }

    // MARK: Leave

    func testLeaveGroupRebalancesAndLastLeaveEmptiesTheGroup() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember()
        let unknown = h.leave([.init(memberId: "ghost")])
        XCTAssertEqual(unknown.members.map(\.error), [.unknownMemberId])
        XCTAssertEqual(h.leave(group: "nope", [.init(memberId: m1)]).members.map(\.error), [.unknownMemberId])
        let left = h.leave([.init(memberId: m1)])
        XCTAssertEqual(left.error, .none)
        XCTAssertEqual(left.members.map(\.error), [.none])
        // The rebalance has nobody to wait for: it ends at once with an empty group.
        XCTAssertEqual(h.machine.state(of: "g"), .empty)
        XCTAssertEqual(h.machine.generation(of: "g"), 2)
        guard case .metadata("g", let value?) = h.written.last else { return XCTFail("the empty group is not stored") }
        XCTAssertEqual(value.members, [])
        XCTAssertNil(value.protocol)
    }

    func testBatchLeaveAndRemovalByInstanceId() {
        var h = GroupHarness()
        let a = h.join(instanceId: "i-a")
        let b = h.join(instanceId: "i-b")
        let c = h.join()
        h.advance(3000)
        h.advance(3000)
        let (ma, mb, mc) = (h.joinReply(a).memberId, h.joinReply(b).memberId, h.joinReply(c).memberId)
        let outcome = h.leave([.init(memberId: "", groupInstanceId: "i-a"), .init(memberId: mb, groupInstanceId: "i-other"),
                               .init(memberId: mc), .init(memberId: "", groupInstanceId: "nobody")])
        XCTAssertEqual(outcome.members.map(\.error), [.none, .unknownMemberId, .none, .unknownMemberId])
        XCTAssertEqual(h.machine.memberIds(of: "g"), [mb])
        XCTAssertFalse(h.machine.memberIds(of: "g").contains(ma))
    }

    // MARK: Static membership

    func testStaticMemberRestartKeepsItsPlaceAndFencesTheOldId() {
        var h = GroupHarness()
        let a = h.join(instanceId: "i-a")
        let b = h.join(instanceId: "i-b")
        h.advance(3000)
        h.advance(3000)
        let ja = h.joinReply(a)
        let jb = h.joinReply(b)
        let leaderSync = h.sync(generation: 1, memberId: ja.memberId, assignments: [(ja.memberId, [1]), (jb.memberId, [2])])
        _ = h.syncReply(leaderSync)
        _ = h.syncReply(h.sync(generation: 1, memberId: jb.memberId))

        // i-b restarts: a new member id, no rebalance, the same generation and assignment.
        let restarted = h.joinReply(h.join(instanceId: "i-b"))
        XCTAssertEqual(restarted.error, .none)
        XCTAssertNotEqual(restarted.memberId, jb.memberId)
        XCTAssertEqual(restarted.generationId, 1)
        XCTAssertEqual(restarted.leaderId, ja.memberId)
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
        XCTAssertEqual(h.syncReply(h.sync(generation: 1, memberId: restarted.memberId, instanceId: "i-b")).assignment, [2])
        // The old incarnation is fenced.
        XCTAssertEqual(h.heartbeat(generation: 1, memberId: jb.memberId, instanceId: "i-b"), .fencedInstanceId)
        XCTAssertEqual(h.heartbeat(generation: 1, memberId: restarted.memberId, instanceId: "i-b"), .none)

        // The static leader restarting (v9): told it leads, but to skip the assignment.
        let leaderAgain = h.joinReply(h.join(instanceId: "i-a", skipAssignment: true))
        XCTAssertTrue(leaderAgain.skipAssignment)
        XCTAssertEqual(leaderAgain.leaderId, leaderAgain.memberId)
        XCTAssertEqual(leaderAgain.members.count, 2)
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
    }

    func testStaticRestartWhoseStoreFailsIsUndone() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember(instanceId: "i-1")
        h.writeError = .kafkaStorageError
        let failed = h.joinReply(h.join(instanceId: "i-1"))
        XCTAssertEqual(failed.error, .notCoordinator)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [m1])
        h.writeError = .none
        XCTAssertEqual(h.heartbeat(generation: 1, memberId: m1, instanceId: "i-1"), .none)
    }

    func testStaticMemberThatDoesNotRejoinStaysThroughTheJoinPhase() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember(instanceId: "i-1", session: 60_000)
        let join2 = h.join(session: 60_000, rebalance: 20_000)
        h.advance(20_000)  // i-1 did not rejoin within the rebalance timeout, but it is static
        let second = h.joinReply(join2)
        XCTAssertEqual(second.generationId, 2)
        XCTAssertEqual(second.leaderId, second.memberId, "leadership moves to a member that rejoined")
        XCTAssertEqual(Set(second.members.map(\.memberId)), [m1, second.memberId])
        XCTAssertEqual(Set(h.machine.memberIds(of: "g")), [m1, second.memberId])
        _ = h.syncReply(h.sync(generation: 2, memberId: second.memberId, assignments: [(second.memberId, [1]), (m1, [2])]))
        XCTAssertEqual(h.machine.state(of: "g"), .stable)
        // It never sends SyncGroup for the new generation: out after the rebalance timeout.
        h.advance(20_000)
        XCTAssertEqual(h.machine.memberIds(of: "g"), [second.memberId])
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
    }

    // MARK: Sync errors

    func testSyncErrors() {
        var h = GroupHarness()
        XCTAssertEqual(h.syncReply(h.sync("", generation: 1, memberId: "m")).error, .invalidGroupId)
        XCTAssertEqual(h.syncReply(h.sync("nope", generation: 1, memberId: "m")).error, .unknownMemberId)
        let (m1, _) = h.stableSingleMember()
        XCTAssertEqual(h.syncReply(h.sync(generation: 7, memberId: m1)).error, .illegalGeneration)
        XCTAssertEqual(h.syncReply(h.sync(generation: 1, memberId: "stranger")).error, .unknownMemberId)
        let id = h.newRequest()
        h.send(.sync(id, SyncGroupCall(groupId: "g", generationId: 1, memberId: m1, protocolName: "roundrobin")))
        XCTAssertEqual(h.syncReply(id).error, .inconsistentGroupProtocol)
        _ = h.join()
        XCTAssertEqual(h.syncReply(h.sync(generation: 1, memberId: m1)).error, .rebalanceInProgress)
    }

    func testFailedAssignmentStoreAnswersEveryoneAndRebalances() {
        var h = GroupHarness()
        let join = h.join()
        h.advance(3000)
        let joined = h.joinReply(join)
        h.writeError = .kafkaStorageError
        let sync = h.sync(generation: 1, memberId: joined.memberId, assignments: [(joined.memberId, [1])])
        XCTAssertEqual(h.syncReply(sync).error, .notCoordinator)
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
    }

    // MARK: Offsets

    func testOffsetCommitChecks() {
        var h = GroupHarness()
        // A standalone commit creates a group that only holds offsets.
        XCTAssertEqual(h.commit(group: "solo", [("t", 0, 5)]), .none)
        XCTAssertEqual(h.committed("solo", "t", 0), 5)
        XCTAssertEqual(h.machine.state(of: "solo"), .empty)
        XCTAssertEqual(h.commit(group: "gone", generation: 3, memberId: "m", [("t", 0, 1)]), .illegalGeneration)

        let (m1, generation) = h.stableSingleMember()
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 10), ("t", 1, 20)]), .none)
        XCTAssertEqual(h.committed("g", "t", 1), 20)
        XCTAssertEqual(h.commit(generation: generation + 1, memberId: m1, [("t", 0, 11)]), .illegalGeneration)
        XCTAssertEqual(h.commit(generation: generation, memberId: "stranger", [("t", 0, 11)]), .unknownMemberId)
        XCTAssertEqual(h.commit([("t", 0, 11)]), .unknownMemberId, "only members commit to a group with members")
        XCTAssertEqual(h.committed("g", "t", 0), 10)

        // A failed write commits nothing.
        h.writeError = .kafkaStorageError
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 12)]), .notCoordinator)
        h.writeError = .messageTooLarge
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 12)]), .invalidCommitOffsetSize)
        h.writeError = .none
        XCTAssertEqual(h.committed("g", "t", 0), 10)

        // Between JoinGroup and SyncGroup a member may not commit.
        let join2 = h.join()
        let rejoin = h.join(memberId: m1)
        _ = h.joinReply(join2)
        _ = h.joinReply(rejoin)
        XCTAssertEqual(h.commit(generation: generation + 1, memberId: m1, [("t", 0, 13)]), .rebalanceInProgress)
        guard case .offset("g", TopicPartition(topic: "t", partition: 1), let stored?) = h.written.last(where: {
            if case .offset("g", _, _) = $0 { return true } else { return false }
        }) else { return XCTFail("no offset record") }
        XCTAssertEqual(stored.offset, 20)
        XCTAssertEqual(stored.commitTimestamp, h.now)
    }

    func testCommitsDuringPreparingRebalanceAreAllowed() {
        var h = GroupHarness()
        let (m1, generation) = h.stableSingleMember()
        _ = h.join()
        XCTAssertEqual(h.machine.state(of: "g"), .preparingRebalance)
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 3)]), .none, "commit before revoking")
    }

    func testOffsetsExpire() {
        var config = GroupHarness.testConfig
        config.offsetsRetentionMs = 60_000
        var h = GroupHarness(config: config)
        XCTAssertEqual(h.commit(group: "solo", [("t", 0, 5)]), .none)
        XCTAssertEqual(h.commit(group: "short", retention: 1000, [("t", 0, 7)]), .none)
        h.now += 1000
        h.send(.expireOffsets)
        XCTAssertNil(h.committed("short", "t", 0), "an explicit retention wins")
        XCTAssertNil(h.machine.state(of: "short"), "an empty group without offsets is removed")
        XCTAssertEqual(h.committed("solo", "t", 0), 5)
        h.now += 59_000
        h.send(.expireOffsets)
        XCTAssertNil(h.committed("solo", "t", 0))
        XCTAssertEqual(h.machine.groupIds, [])
        XCTAssertTrue(h.written.contains(.offset(groupId: "solo", partition: TopicPartition(topic: "t", partition: 0), nil)))

        // A stable consumer group keeps the offsets of topics it subscribes to, not the others.
        let (m1, generation) = h.stableSingleMember()
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 1), ("other", 0, 2)]), .none)
        h.now += 60_000
        XCTAssertEqual(h.heartbeat(generation: generation, memberId: m1), .none)
        h.send(.expireOffsets)
        XCTAssertEqual(h.committed("g", "t", 0), 1)
        XCTAssertNil(h.committed("g", "other", 0))
    }

    func testHostileTimestampsAndRetentionsDoNotOverflow() {
        var h = GroupHarness()
        XCTAssertEqual(h.commit(group: "far", retention: Int64.max, [("t", 0, 1)]), .none)
        let id = h.newRequest()
        h.send(.commitOffsets(id, OffsetCommitCall(groupId: "old", entries: [
            .init(partition: TopicPartition(topic: "t", partition: 0), offset: 1, commitTimestamp: Int64.min),
        ])))
        guard case .commit(let outcome) = h.take(id) else { return XCTFail() }
        XCTAssertEqual(outcome.error, .none)
        h.send(.expireOffsets)
        XCTAssertEqual(h.committed("far", "t", 0), 1)
        XCTAssertNil(h.committed("old", "t", 0), "a commit from the distant past has expired")
        _ = h.join(session: 10_000, rebalance: Int32.max)
        h.advance(Int64(Int32.max))
        XCTAssertEqual(h.machine.state(of: "g"), .empty, "the new member's join timed out long before")
    }

    func testDeleteGroupsAndOffsets() {
        var h = GroupHarness()
        let (m1, generation) = h.stableSingleMember()
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 1), ("u", 0, 2)]), .none)
        XCTAssertEqual(h.commit(group: "idle", [("t", 0, 3)]), .none)

        // OffsetDelete: subscribed topics stay; others go.
        var id = h.newRequest()
        h.send(.deleteOffsets(id, OffsetDeleteCall(groupId: "g", partitions: [TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "u", partition: 0)])))
        guard case .deleteOffsets(let outcome) = h.take(id) else { return XCTFail() }
        XCTAssertEqual(outcome.error, .none)
        XCTAssertEqual(outcome.partitions[TopicPartition(topic: "t", partition: 0)], .groupSubscribedToTopic)
        XCTAssertEqual(outcome.partitions[TopicPartition(topic: "u", partition: 0)], KafkaErrorCode.none)
        XCTAssertNil(h.committed("g", "u", 0))
        id = h.newRequest()
        h.send(.deleteOffsets(id, OffsetDeleteCall(groupId: "missing", partitions: [])))
        guard case .deleteOffsets(let missing) = h.take(id) else { return XCTFail() }
        XCTAssertEqual(missing.error, .groupIdNotFound)

        id = h.newRequest()
        h.send(.deleteGroups(id, ["g", "idle", "missing"]))
        guard case .deleteGroups(let results) = h.take(id) else { return XCTFail() }
        XCTAssertEqual(results.map(\.error), [.nonEmptyGroup, .none, .groupIdNotFound])
        XCTAssertNil(h.machine.state(of: "idle"))
        XCTAssertTrue(h.written.contains(.offset(groupId: "idle", partition: TopicPartition(topic: "t", partition: 0), nil)))

        // Once empty, the consumer group can be deleted too, with a group tombstone.
        _ = h.leave([.init(memberId: m1)])
        h.send(.timersDue)
        id = h.newRequest()
        h.send(.deleteGroups(id, ["g"]))
        guard case .deleteGroups(let second) = h.take(id) else { return XCTFail() }
        XCTAssertEqual(second.map(\.error), [.none])
        XCTAssertEqual(h.written.last, .metadata(groupId: "g", nil))
        XCTAssertEqual(h.machine.listGroups(), [])
    }

    // MARK: Queries

    func testListAndDescribe() {
        var h = GroupHarness()
        let (m1, _) = h.stableSingleMember()
        _ = h.commit(group: "solo", [("t", 0, 1)])
        XCTAssertEqual(h.machine.listGroups().map(\.groupId), ["g", "solo"])
        XCTAssertEqual(h.machine.listGroups(states: [.stable]).map(\.groupId), ["g"])
        XCTAssertEqual(h.machine.listGroups(states: [.empty]).map(\.protocolType), [""])
        let described = h.machine.describeGroup("g")
        XCTAssertEqual(described.state, .stable)
        XCTAssertEqual(described.protocolName, "range")
        XCTAssertEqual(described.members.map(\.memberId), [m1])
        XCTAssertEqual(described.members.first?.assignment, [1])
        XCTAssertEqual(h.machine.describeGroup("nope").state, .dead)
        _ = h.join()
        let rebalancing = h.machine.describeGroup("g")
        XCTAssertEqual(rebalancing.protocolName, "")
        XCTAssertEqual(rebalancing.members.first?.assignment, [])
    }

    // MARK: Loading and shutdown

    func testStateComesBackFromTheWrittenRecords() {
        var h = GroupHarness()
        let (m1, generation) = h.stableSingleMember(instanceId: "i-1", session: 30_000)
        XCTAssertEqual(h.commit(generation: generation, memberId: m1, [("t", 0, 42)]), .none)
        XCTAssertEqual(h.commit(group: "solo", [("t", 3, 7)]), .none)
        XCTAssertEqual(h.commit(group: "deleted", [("t", 0, 1)]), .none)
        let id = h.newRequest()
        h.send(.deleteGroups(id, ["deleted"]))

        var loader = GroupStateMachine.Loader()
        for record in h.written { loader.replay(record) }
        var restarted = GroupHarness()
        restarted.now = h.now + 5000
        restarted.machine.install(loader, now: restarted.now)
        XCTAssertEqual(restarted.machine.groupIds, ["g", "solo"])
        XCTAssertEqual(restarted.machine.state(of: "g"), .stable)
        XCTAssertEqual(restarted.machine.generation(of: "g"), generation)
        XCTAssertEqual(restarted.machine.memberIds(of: "g"), [m1])
        XCTAssertEqual(restarted.committed("g", "t", 0), 42)
        XCTAssertEqual(restarted.committed("solo", "t", 3), 7)
        // The member carries on where it was...
        XCTAssertEqual(restarted.heartbeat(generation: generation, memberId: m1, instanceId: "i-1"), .none)
        XCTAssertEqual(restarted.syncReply(restarted.sync(generation: generation, memberId: m1, instanceId: "i-1")).assignment, [1])
        // ...and without heartbeats it expires and the group empties.
        restarted.advance(30_000)
        restarted.send(.timersDue)
        XCTAssertEqual(restarted.machine.state(of: "g"), .empty)
    }

    func testShutdownAnswersParkedRequests() {
        var h = GroupHarness()
        let join = h.join()
        h.send(.shutdown)
        XCTAssertEqual(h.joinReply(join).error, .notCoordinator)
    }

    func testNextDeadline() {
        var h = GroupHarness()
        XCTAssertNil(h.machine.nextDeadline)
        _ = h.join()
        XCTAssertEqual(h.machine.nextDeadline, h.now + 3000)
    }
}
