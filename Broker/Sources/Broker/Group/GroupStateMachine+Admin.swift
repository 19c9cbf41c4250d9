import KafkaProtocol

/// ListGroups, DescribeGroups and DeleteGroups.
extension GroupStateMachine {
    /// Every live group, by id; `states` (if not empty) keeps only groups in those states.
    public func listGroups(states: Set<ClassicGroupState> = []) -> [GroupListing] {
        groups.values
            .filter { $0.state != .dead && (states.isEmpty || states.contains($0.state)) }
            .sorted { $0.groupId < $1.groupId }
            .map { GroupListing(groupId: $0.groupId, protocolType: $0.protocolType ?? "", state: $0.state) }
    }

    /// Kafka's `GroupSummary`: member metadata and assignments only for a stable group; an unknown
    /// group is reported Dead with nothing else.
    public func describeGroup(_ groupId: String) -> GroupDescription {
        guard let group = groups[groupId] else {
            return GroupDescription(groupId: groupId, state: .dead, protocolType: "", protocolName: "", members: [])
        }
        let stable = group.state == .stable
        let protocolName = stable ? group.protocolName ?? "" : ""
        let members = group.allMembers.map { member in
            GroupDescription.Member(
                memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                clientHost: member.clientHost,
                metadata: stable ? member.metadata(for: protocolName) ?? [] : [],
                assignment: stable ? member.assignment : [])
        }
        return GroupDescription(groupId: groupId, state: group.state, protocolType: group.protocolType ?? "",
                                protocolName: protocolName, members: members)
    }

    /// Deletes empty groups with their offsets (tombstones for each); NON_EMPTY_GROUP for a group
    /// with members, GROUP_ID_NOT_FOUND for an unknown one. Answered when the tombstones are stored.
    mutating func handleDeleteGroups(_ id: GroupRequestID, _ groupIds: [String]) {
        var results: [GroupDeletion] = []
        var deleted: [(groupId: String, tombstones: [GroupRecord])] = []
        for groupId in groupIds {
            if results.contains(where: { $0.groupId == groupId }) { continue }
            guard var group = take(groupId), group.state != .dead else {
                results.append(GroupDeletion(groupId: groupId, error: .groupIdNotFound))
                continue
            }
            guard group.state == .empty else {
                put(group)
                results.append(GroupDeletion(groupId: groupId, error: .nonEmptyGroup))
                continue
            }
            var tombstones = group.offsets.keys.sorted().map { GroupRecord.offset(groupId: groupId, partition: $0, nil) }
            if group.generationId > 0 { tombstones.append(.metadata(groupId: groupId, nil)) }
            group.offsets = [:]
            group.transition(to: .dead, now: now)
            results.append(GroupDeletion(groupId: groupId, error: .none))
            if !tombstones.isEmpty { deleted.append((groupId, tombstones)) }
        }
        guard !deleted.isEmpty else { return reply(id, .deleteGroups(results)) }
        pendingDeletes[id] = (results, deleted.count)
        for (groupId, tombstones) in deleted { write(groupId: groupId, tombstones, then: .deleteGroup(id, groupId: groupId)) }
    }
}
