/// Deadlines: session timeouts (heartbeats), member ids handed out but not used, the join phase
/// (initial delay and rebalance timeout) and the sync phase (Kafka's `DelayedHeartbeat`,
/// `DelayedJoin`, `InitialDelayedJoin`, `DelayedSync`).
extension GroupStateMachine {
    mutating func handleTimers() {
        for groupId in groups.keys.sorted() {
            guard var group = take(groupId) else { continue }
            expirePendingMembers(&group)
            expireSessions(&group)
            if group.state == .preparingRebalance, let deadline = group.joinDeadline, deadline <= now { joinPhaseEnded(&group) }
            if let deadline = group.syncDeadline, deadline <= now { syncPhaseEnded(&group) }
            put(group)
        }
    }

    private mutating func expirePendingMembers(_ group: inout ClassicGroup) {
        let expired = group.pendingMembers.filter { $0.value <= now }.map(\.key)
        guard !expired.isEmpty else { return }
        for memberId in expired { group.pendingMembers[memberId] = nil }
        if group.state == .preparingRebalance { maybeCompleteJoin(&group) }
    }

    private mutating func expireSessions(_ group: inout ClassicGroup) {
        for member in group.allMembers {
            guard let deadline = member.heartbeatDeadline, deadline <= now, group.has(member.memberId) else { continue }
            if member.heartbeatSatisfiedByWaiting {
                // Parked in JoinGroup or SyncGroup: the deadline is set again when it is answered.
                group.update(member.memberId) { $0.heartbeatDeadline = nil }
            } else {
                removeMemberAndUpdateGroup(&group, memberId: member.memberId)
            }
        }
    }

    /// The join phase's deadline: the initial delay is extended while new members keep arriving
    /// (by at most the rebalance timeout in total); otherwise the rebalance goes ahead without the
    /// members that did not rejoin.
    private mutating func joinPhaseEnded(_ group: inout ClassicGroup) {
        if group.isInitialJoin && group.newMemberAdded && group.initialJoinBudgetMs > 0 {
            group.newMemberAdded = false
            let delay = min(config.initialRebalanceDelayMs, group.initialJoinBudgetMs)
            group.initialJoinBudgetMs = max(group.initialJoinBudgetMs - delay, 0)
            group.joinDeadline = now + delay
            return
        }
        completeJoin(&group)
    }

    /// Members of the new generation that never sent SyncGroup within the rebalance timeout leave,
    /// and the group rebalances without them.
    private mutating func syncPhaseEnded(_ group: inout ClassicGroup) {
        group.syncDeadline = nil
        guard group.state == .completingRebalance || group.state == .stable, !group.pendingSyncMembers.isEmpty else { return }
        for memberId in group.pendingSyncMembers.sorted() {
            if let member = group.member(memberId) { answerParked(member, join: .unknownMemberId, sync: .unknownMemberId) }
            group.remove(memberId)
        }
        prepareRebalance(&group)
    }
}
