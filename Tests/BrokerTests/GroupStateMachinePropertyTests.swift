@testable import Broker
import Engine
import KafkaProtocol
import XCTest

/// Random sequences of group requests, failed writes and passing time: every request is answered
/// exactly once (at the latest at shutdown), and the group invariants hold after every step.
final class GroupStateMachinePropertyTests: XCTestCase {
    func testRandomEventSequencesKeepTheInvariants() {
        for seed in 1...40 {
            run(seed: UInt64(seed))
        }
    }

    private func run(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        var h = GroupHarness()
        var issued: [GroupRequestID] = []
        var knownMembers: [String] = ["", "ghost"]
        var generations: [String: Int32] = [:]
        let groups = ["a", "b"]
        let instances: [String?] = [nil, nil, "static-1", "static-2"]

        for _ in 0..<300 {
            let group = pick(groups)
            // Half the time a real member of the current generation (mostly the leader), so groups get to Stable.
            let realistic = random.next() % 2 == 0
            let current = h.machine.memberIds(of: group)
            let member = realistic && !current.isEmpty ? (random.next() % 3 == 0 ? pick(current) : h.machine.leader(of: group) ?? "") : pick(knownMembers)
            let generation = realistic ? h.machine.generation(of: group) ?? 0 : pick([Int32(-1), 0, 1, 2, 3])
            h.writeError = random.next() % 20 == 0 ? .kafkaStorageError : .none
            switch random.next() % 9 {
            case 0, 1:
                let id = h.join(group, memberId: member, instanceId: pick(instances), requireKnownMemberId: random.next() % 2 == 0,
                                protocols: pick([GroupHarness.rangeProtocol(), GroupHarness.rangeProtocol(["t", "u"]),
                                                 [GroupProtocol(name: "roundrobin", metadata: [1])]]),
                                session: pick([6000, 10_000]), rebalance: pick([1000, 20_000]), skipAssignment: random.next() % 2 == 0)
                issued.append(id)
                if case .join(let outcome)? = h.replies[id], !outcome.memberId.isEmpty { knownMembers.append(outcome.memberId) }
            case 2:
                let assignments = h.machine.memberIds(of: group).map { ($0, [UInt8(random.next() % 256)]) }
                issued.append(h.sync(group, generation: generation, memberId: member, assignments: random.next() % 2 == 0 ? assignments : []))
            case 3:
                _ = h.heartbeat(group, generation: generation, memberId: member)
            case 4:
                _ = h.leave(group: group, [.init(memberId: member, groupInstanceId: pick(instances))])
            case 5:
                _ = h.commit(group: group, generation: generation, memberId: member, [("t", Int32(random.next() % 3), Int64(random.next() % 100))])
            case 6:
                let id = h.newRequest()
                h.send(.deleteGroups(id, [group]))
                _ = h.take(id)
            case 7:
                h.advance(Int64(random.next() % 8000))
            default:
                h.send(.expireOffsets)
            }
            for id in issued where h.replies[id] != nil {
                // Answers of parked requests collect here; take them so a second answer would fail.
                if case .join(let outcome)? = h.replies[id], !outcome.memberId.isEmpty { knownMembers.append(outcome.memberId) }
                _ = h.take(id)
            }
            issued.removeAll { id in h.replies[id] == nil && !isStillParked(id, in: h) }
            checkInvariants(h, generations: &generations, seed: seed)
        }
        h.send(.shutdown)
        for id in issued { _ = h.replies.removeValue(forKey: id) }
        XCTAssertTrue(h.replies.isEmpty, "seed \(seed): unexpected answers \(h.replies.keys)")
        for groupId in h.machine.groupIds {
            for member in h.machine.groups[groupId]!.allMembers {
                XCTAssertNil(member.awaitingJoin, "seed \(seed): a JoinGroup is still parked after shutdown")
                XCTAssertNil(member.awaitingSync, "seed \(seed): a SyncGroup is still parked after shutdown")
            }
        }
    }

    private func isStillParked(_ id: GroupRequestID, in h: GroupHarness) -> Bool {
        h.machine.groups.values.contains { group in group.allMembers.contains { $0.awaitingJoin == id || $0.awaitingSync == id } }
    }

    private func checkInvariants(_ h: GroupHarness, generations: inout [String: Int32], seed: UInt64) {
        // A deleted group starts again from generation 0.
        generations = generations.filter { h.machine.groups[$0.key] != nil }
        for (groupId, group) in h.machine.groups {
            let label = "seed \(seed) group \(groupId)"
            if let previous = generations[groupId] { XCTAssertGreaterThanOrEqual(group.generationId, previous, label) }
            generations[groupId] = group.generationId
            if group.isEmptyOfMembers {
                XCTAssertTrue(group.state == .empty || group.state == .preparingRebalance, "\(label): \(group.state) without members")
                XCTAssertNil(group.leaderId, label)
            } else {
                XCTAssertNotEqual(group.state, .empty, "\(label): Empty with members")
                XCTAssertNotNil(group.leaderId.flatMap(group.member), "\(label): the leader is not a member")
            }
            for member in group.allMembers {
                if let instance = member.groupInstanceId { XCTAssertEqual(group.staticMemberId(for: instance), member.memberId, label) }
                if group.state == .stable || group.state == .completingRebalance {
                    XCTAssertNil(member.awaitingJoin, "\(label): a JoinGroup parked in \(group.state)")
                }
                if group.state != .completingRebalance { XCTAssertNil(member.awaitingSync, "\(label): a SyncGroup parked in \(group.state)") }
            }
        }
    }
}
