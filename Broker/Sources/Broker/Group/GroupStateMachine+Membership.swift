import KafkaProtocol

/// SyncGroup, Heartbeat and LeaveGroup (Kafka's `handleSyncGroup`, `handleHeartbeat`,
/// `handleLeaveGroup`).
extension GroupStateMachine {
    mutating func handleSync(_ id: GroupRequestID, _ call: SyncGroupCall) {
        guard !call.groupId.isEmpty else { return reply(id, .sync(.failure(.invalidGroupId))) }
        guard var group = take(call.groupId) else { return reply(id, .sync(.failure(.unknownMemberId))) }
        defer { put(group) }
        if group.state == .dead { return reply(id, .sync(.failure(.coordinatorNotAvailable))) }
        if let error = validateCurrentMember(group, memberId: call.memberId, instanceId: call.groupInstanceId) {
            return reply(id, .sync(.failure(error)))
        }
        guard call.generationId == group.generationId else { return reply(id, .sync(.failure(.illegalGeneration))) }
        if let type = call.protocolType, type != group.protocolType { return reply(id, .sync(.failure(.inconsistentGroupProtocol))) }
        if let name = call.protocolName, name != group.protocolName { return reply(id, .sync(.failure(.inconsistentGroupProtocol))) }
        guard let member = group.member(call.memberId) else { return reply(id, .sync(.failure(.unknownMemberId))) }

        switch group.state {
        case .empty, .dead:
            reply(id, .sync(.failure(.unknownMemberId)))
        case .preparingRebalance:
            reply(id, .sync(.failure(.rebalanceInProgress)))
        case .completingRebalance:
            if let superseded = member.awaitingSync, superseded != id { reply(superseded, .sync(.failure(.rebalanceInProgress))) }
            group.update(call.memberId) { $0.awaitingSync = id }
            removePendingSync(&group, call.memberId)
            if group.isLeader(call.memberId) {
                // The leader's assignment: members it left out get an empty one. Stored first; the
                // group becomes Stable and the members get theirs when the write is durable.
                var assignment: [String: [UInt8]] = [:]
                for entry in call.assignments { assignment[entry.memberId] = entry.assignment }
                for other in group.allMembers where assignment[other.memberId] == nil { assignment[other.memberId] = [] }
                storeGroup(group, assignment: assignment,
                           then: .syncAssignment(groupId: group.groupId, generationId: group.generationId, assignment: assignment))
            }
        case .stable:
            removePendingSync(&group, call.memberId)
            reply(id, .sync(SyncGroupOutcome(error: .none, protocolType: group.protocolType, protocolName: group.protocolName,
                                             assignment: member.assignment)))
            scheduleHeartbeat(&group, memberId: call.memberId)
        }
    }

    private func removePendingSync(_ group: inout ClassicGroup, _ memberId: String) {
        group.pendingSyncMembers.remove(memberId)
        if group.pendingSyncMembers.isEmpty { group.syncDeadline = nil }
    }

    mutating func syncAssignmentCompleted(groupId: String, generationId: Int32, assignment: [String: [UInt8]], error: KafkaErrorCode) {
        guard var group = take(groupId) else { return }
        defer { put(group) }
        // Members may have joined or left while the write was under way.
        guard group.state == .completingRebalance, group.generationId == generationId else { return }
        if error != .none {
            resetAndPropagateAssignmentError(&group, Self.storeError(error, offsets: false))
            maybePrepareRebalance(&group)
        } else {
            setAndPropagateAssignment(&group, assignment)
            group.transition(to: .stable, now: now)
        }
    }

    mutating func handleHeartbeat(_ id: GroupRequestID, _ call: HeartbeatCall) {
        guard !call.groupId.isEmpty else { return reply(id, .heartbeat(.invalidGroupId)) }
        guard var group = take(call.groupId) else { return reply(id, .heartbeat(.unknownMemberId)) }
        defer { put(group) }
        if group.state == .dead { return reply(id, .heartbeat(.coordinatorNotAvailable)) }
        if let error = validateCurrentMember(group, memberId: call.memberId, instanceId: call.groupInstanceId) {
            return reply(id, .heartbeat(error))
        }
        guard call.generationId == group.generationId else { return reply(id, .heartbeat(.illegalGeneration)) }
        switch group.state {
        case .empty, .dead:
            reply(id, .heartbeat(.unknownMemberId))
        case .completingRebalance, .stable:
            scheduleHeartbeat(&group, memberId: call.memberId)
            reply(id, .heartbeat(.none))
        case .preparingRebalance:
            // The member must rejoin; the heartbeat still keeps it alive until it does.
            scheduleHeartbeat(&group, memberId: call.memberId)
            reply(id, .heartbeat(.rebalanceInProgress))
        }
    }

    mutating func handleLeave(_ id: GroupRequestID, _ call: LeaveGroupCall) {
        guard !call.groupId.isEmpty else { return reply(id, .leave(LeaveGroupOutcome(error: .invalidGroupId))) }
        guard var group = take(call.groupId) else {
            let members = call.members.map { LeaveGroupOutcome.Member(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, error: .unknownMemberId) }
            return reply(id, .leave(LeaveGroupOutcome(error: .none, members: members)))
        }
        defer { put(group) }
        if group.state == .dead { return reply(id, .leave(LeaveGroupOutcome(error: .coordinatorNotAvailable))) }
        var results: [LeaveGroupOutcome.Member] = []
        for leaving in call.members {
            var error = KafkaErrorCode.none
            if leaving.memberId.isEmpty {
                // Removal by group.instance.id alone (an administrator removing a static member).
                if let instanceId = leaving.groupInstanceId, let memberId = group.staticMemberId(for: instanceId) {
                    removeMemberAndUpdateGroup(&group, memberId: memberId)
                } else {
                    error = .unknownMemberId
                }
            } else if group.pendingMembers.removeValue(forKey: leaving.memberId) != nil {
                if group.state == .preparingRebalance { maybeCompleteJoin(&group) }
            } else if let memberError = validateCurrentMember(group, memberId: leaving.memberId, instanceId: leaving.groupInstanceId) {
                error = memberError
            } else {
                removeMemberAndUpdateGroup(&group, memberId: leaving.memberId)
            }
            results.append(LeaveGroupOutcome.Member(memberId: leaving.memberId, groupInstanceId: leaving.groupInstanceId, error: error))
        }
        reply(id, .leave(LeaveGroupOutcome(error: .none, members: results)))
    }
}
