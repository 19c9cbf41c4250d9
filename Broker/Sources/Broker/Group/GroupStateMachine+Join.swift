import KafkaProtocol

/// JoinGroup (Kafka's `handleJoinGroup`, `doNewMemberJoinGroup`, `doStaticMemberJoinGroup`,
/// `doCurrentMemberJoinGroup`).
extension GroupStateMachine {
    mutating func handleJoin(_ id: GroupRequestID, _ call: JoinGroupCall) {
        guard !call.groupId.isEmpty else { return reply(id, .join(.failure(.invalidGroupId, memberId: call.memberId))) }
        guard call.sessionTimeoutMs >= config.minSessionTimeoutMs, call.sessionTimeoutMs <= config.maxSessionTimeoutMs else {
            return reply(id, .join(.failure(.invalidSessionTimeout, memberId: call.memberId)))
        }
        let isUnknownMember = call.memberId.isEmpty
        var group: ClassicGroup
        if let existing = take(call.groupId) {
            group = existing
        } else if isUnknownMember {
            group = ClassicGroup(groupId: call.groupId, now: now)
        } else {
            return reply(id, .join(.failure(.unknownMemberId, memberId: call.memberId)))
        }

        if !acceptsJoiningMember(group, memberId: call.memberId) {
            if let member = group.member(call.memberId) {
                answerParked(member, join: .groupMaxSizeReached, sync: .groupMaxSizeReached)
                group.remove(call.memberId)
            }
            reply(id, .join(.failure(.groupMaxSizeReached, memberId: "")))
        } else if isUnknownMember {
            joinNewMember(&group, id, call)
        } else {
            joinCurrentMember(&group, id, call)
        }
        if group.state == .preparingRebalance { maybeCompleteJoin(&group) }
        // A group that a refused join created holds nothing: forget it.
        if group.state == .empty && group.isEmptyOfMembers && group.pendingMembers.isEmpty && group.offsets.isEmpty && group.generationId == 0 {
            return
        }
        put(group)
    }

    /// Kafka's `acceptJoiningMember`: new members up to `group.max.size`.
    private func acceptsJoiningMember(_ group: ClassicGroup, memberId: String) -> Bool {
        switch group.state {
        case .empty, .dead:
            return true
        case .preparingRebalance:
            return group.member(memberId)?.awaitingJoin != nil || group.awaitingJoinCount < config.maxGroupSize
        case .completingRebalance, .stable:
            return group.has(memberId) || group.memberCount < config.maxGroupSize
        }
    }

    private mutating func joinNewMember(_ group: inout ClassicGroup, _ id: GroupRequestID, _ call: JoinGroupCall) {
        if group.state == .dead { return reply(id, .join(.failure(.coordinatorNotAvailable, memberId: ""))) }
        guard group.supports(protocolType: call.protocolType, protocols: call.protocols) else {
            return reply(id, .join(.failure(.inconsistentGroupProtocol, memberId: "")))
        }
        let memberId = call.newMemberId
        if let instanceId = call.groupInstanceId {
            joinStaticMember(&group, id, call, instanceId: instanceId, newMemberId: memberId)
        } else if call.requireKnownMemberId {
            // KIP-394: hand out the id first, so a client that times out and retries does not leave
            // members behind. The id is reserved for a session timeout.
            group.pendingMembers[memberId] = now + Int64(call.sessionTimeoutMs)
            reply(id, .join(.failure(.memberIdRequired, memberId: memberId)))
        } else {
            addMemberAndRebalance(&group, id, call, memberId: memberId, instanceId: nil)
        }
    }

    private mutating func joinCurrentMember(_ group: inout ClassicGroup, _ id: GroupRequestID, _ call: JoinGroupCall) {
        let memberId = call.memberId
        if group.state == .dead { return reply(id, .join(.failure(.coordinatorNotAvailable, memberId: memberId))) }
        guard group.supports(protocolType: call.protocolType, protocols: call.protocols) else {
            return reply(id, .join(.failure(.inconsistentGroupProtocol, memberId: memberId)))
        }
        if group.pendingMembers[memberId] != nil {
            // The second JoinGroup of the member-id-required flow. Pending members are never static.
            guard call.groupInstanceId == nil else { return reply(id, .join(.failure(.unknownMemberId, memberId: memberId))) }
            return addMemberAndRebalance(&group, id, call, memberId: memberId, instanceId: nil)
        }
        if let error = validateCurrentMember(group, memberId: memberId, instanceId: call.groupInstanceId) {
            return reply(id, .join(.failure(error, memberId: memberId)))
        }
        guard let member = group.member(memberId) else { return reply(id, .join(.failure(.unknownMemberId, memberId: memberId))) }
        switch group.state {
        case .preparingRebalance:
            updateMemberAndRebalance(&group, id, call)
        case .completingRebalance:
            if member.matches(call.protocols) {
                // A retry of a JoinGroup whose answer was lost: the current generation again.
                let members = group.isLeader(memberId) ? memberMetadata(group) : []
                reply(id, .join(currentGeneration(group, memberId: memberId, members: members)))
            } else {
                updateMemberAndRebalance(&group, id, call)
            }
        case .stable:
            if group.isLeader(memberId) || !member.matches(call.protocols) {
                // The leader rejoins to have the assignment redone (e.g. topic metadata changed).
                updateMemberAndRebalance(&group, id, call)
            } else {
                reply(id, .join(currentGeneration(group, memberId: memberId, members: [])))
            }
        case .empty, .dead:
            reply(id, .join(.failure(.unknownMemberId, memberId: memberId)))
        }
    }

    /// A member with a `group.instance.id` and no member id: new, or a restarted static member that
    /// takes over its old member id's place (the old id is fenced).
    private mutating func joinStaticMember(_ group: inout ClassicGroup, _ id: GroupRequestID, _ call: JoinGroupCall,
                                           instanceId: String, newMemberId: String) {
        guard let oldMemberId = group.staticMemberId(for: instanceId), let old = group.member(oldMemberId) else {
            return addMemberAndRebalance(&group, id, call, memberId: newMemberId, instanceId: instanceId)
        }
        let previousLeader = group.leaderId
        answerParked(old, join: .fencedInstanceId, sync: .fencedInstanceId)
        group.replaceStaticMember(instanceId: instanceId, oldMemberId: oldMemberId, newMemberId: newMemberId)
        group.update(newMemberId) {
            $0.protocols = call.protocols
            $0.rebalanceTimeoutMs = call.rebalanceTimeoutMs
            $0.sessionTimeoutMs = call.sessionTimeoutMs
            $0.awaitingJoin = id
            $0.heartbeatDeadline = now + Int64(call.sessionTimeoutMs)
        }
        switch group.state {
        case .stable:
            if group.protocolName != nil && group.protocolName == group.selectProtocol() {
                // Same protocol next generation: no rebalance, just store the new member id.
                let rejoin = StaticRejoin(
                    groupId: group.groupId, instanceId: instanceId, oldMemberId: oldMemberId, newMemberId: newMemberId,
                    oldProtocols: old.protocols, oldRebalanceTimeoutMs: old.rebalanceTimeoutMs, oldSessionTimeoutMs: old.sessionTimeoutMs,
                    previousLeader: previousLeader, supportsSkipAssignment: call.supportsSkipAssignment)
                var assignment: [String: [UInt8]] = [:]
                for member in group.allMembers { assignment[member.memberId] = member.assignment }
                storeGroup(group, assignment: assignment, then: .staticRejoin(id, rejoin))
            } else {
                maybePrepareRebalance(&group)
            }
        case .completingRebalance:
            maybePrepareRebalance(&group)
        case .preparingRebalance:
            break
        case .empty, .dead:
            group.update(newMemberId) { $0.awaitingJoin = nil }
            reply(id, .join(.failure(.unknownMemberId, memberId: newMemberId)))
        }
    }

    /// Answers the static member's JoinGroup once its new member id is stored, or undoes the swap.
    mutating func staticRejoinCompleted(_ id: GroupRequestID, _ rejoin: StaticRejoin, error: KafkaErrorCode) {
        guard var group = take(rejoin.groupId) else { return }
        defer { put(group) }
        guard group.member(rejoin.newMemberId)?.awaitingJoin == id else { return }  // answered meanwhile
        group.update(rejoin.newMemberId) { $0.awaitingJoin = nil }
        if error != .none {
            group.replaceStaticMember(instanceId: rejoin.instanceId, oldMemberId: rejoin.newMemberId, newMemberId: rejoin.oldMemberId)
            group.update(rejoin.oldMemberId) {
                $0.protocols = rejoin.oldProtocols
                $0.rebalanceTimeoutMs = rejoin.oldRebalanceTimeoutMs
                $0.sessionTimeoutMs = rejoin.oldSessionTimeoutMs
                $0.heartbeatDeadline = now + Int64(rejoin.oldSessionTimeoutMs)
            }
            var outcome = currentGeneration(group, memberId: "", members: [], leaderId: rejoin.previousLeader ?? "")
            outcome.error = Self.storeError(error, offsets: false)
            return reply(id, .join(outcome))
        }
        if rejoin.supportsSkipAssignment {
            // v9+: the leader learns it leads but must not redo the assignment of a stable group.
            let isLeader = group.isLeader(rejoin.newMemberId)
            reply(id, .join(currentGeneration(group, memberId: rejoin.newMemberId, members: isLeader ? memberMetadata(group) : [],
                                              skipAssignment: isLeader)))
        } else {
            // Before v9: the old leader id, so a rejoining leader does not think it must assign.
            reply(id, .join(currentGeneration(group, memberId: rejoin.newMemberId, members: [], leaderId: rejoin.previousLeader ?? "")))
        }
    }

    private mutating func addMemberAndRebalance(_ group: inout ClassicGroup, _ id: GroupRequestID, _ call: JoinGroupCall,
                                                memberId: String, instanceId: String?) {
        var member = GroupMember(
            memberId: memberId, groupInstanceId: instanceId, clientId: call.clientId, clientHost: call.clientHost,
            rebalanceTimeoutMs: call.rebalanceTimeoutMs, sessionTimeoutMs: call.sessionTimeoutMs,
            protocolType: call.protocolType, protocols: call.protocols)
        member.isNew = true
        member.awaitingJoin = id
        // A new member cannot heartbeat while it waits; it times out after the new-member timeout.
        member.heartbeatDeadline = now + config.newMemberJoinTimeoutMs
        if group.state == .preparingRebalance && group.generationId == 0 { group.newMemberAdded = true }
        group.add(member)
        maybePrepareRebalance(&group)
    }

    private mutating func updateMemberAndRebalance(_ group: inout ClassicGroup, _ id: GroupRequestID, _ call: JoinGroupCall) {
        if let superseded = group.member(call.memberId)?.awaitingJoin, superseded != id {
            // The client gave up on its earlier JoinGroup and sent another.
            reply(superseded, .join(.failure(.rebalanceInProgress, memberId: call.memberId)))
        }
        group.update(call.memberId) {
            $0.protocols = call.protocols
            $0.rebalanceTimeoutMs = call.rebalanceTimeoutMs
            $0.sessionTimeoutMs = call.sessionTimeoutMs
            $0.awaitingJoin = id
        }
        maybePrepareRebalance(&group)
    }
}
