import Engine
import KafkaProtocol

/// OffsetCommit, OffsetFetch, OffsetDelete and offset expiry (Kafka's `handleCommitOffsets`,
/// `handleFetchOffsets`, `handleDeleteOffsets`, `cleanupGroupMetadata`).
extension GroupStateMachine {
    mutating func handleCommit(_ id: GroupRequestID, _ call: OffsetCommitCall) {
        var group: ClassicGroup
        if let existing = take(call.groupId) {
            group = existing
        } else if call.generationId < 0 {
            // Not using group management (assign(), admin tools): the group exists only to hold offsets.
            group = ClassicGroup(groupId: call.groupId, now: now)
        } else {
            // A commit from a generation of a group that no longer exists.
            return reply(id, .commit(OffsetCommitOutcome(error: .illegalGeneration)))
        }
        defer { put(group) }

        if let error = validateCommit(group, call) { return reply(id, .commit(OffsetCommitOutcome(error: error))) }
        if group.has(call.memberId) { scheduleHeartbeat(&group, memberId: call.memberId) }
        guard !call.entries.isEmpty else { return reply(id, .commit(OffsetCommitOutcome(error: .none))) }

        let expire: Int64? = call.retentionTimeMs >= 0 ? Self.saturatingSum(now, call.retentionTimeMs) : nil
        var offsets: [TopicPartition: CommittedOffset] = [:]
        var records: [GroupRecord] = []
        for entry in call.entries {
            let committed = CommittedOffset(offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata,
                                            commitTimestamp: entry.commitTimestamp ?? now, expireTimestamp: expire)
            offsets[entry.partition] = committed
            records.append(.offset(groupId: call.groupId, partition: entry.partition, committed))
        }
        write(groupId: call.groupId, records, then: .commit(id, groupId: call.groupId, offsets: offsets))
    }

    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int64.max : Int64.min) : sum
    }

    /// Kafka's `validateOffsetCommit` and the state checks of `doCommitOffsets`.
    private func validateCommit(_ group: ClassicGroup, _ call: OffsetCommitCall) -> KafkaErrorCode? {
        if group.state == .dead { return .coordinatorNotAvailable }
        if call.generationId >= 0 || !call.memberId.isEmpty || call.groupInstanceId != nil {
            if let error = validateCurrentMember(group, memberId: call.memberId, instanceId: call.groupInstanceId) { return error }
            if call.generationId != group.generationId { return .illegalGeneration }
            // The member has its generation but not its assignment yet.
            if group.state == .completingRebalance { return .rebalanceInProgress }
            return nil
        }
        // Only members may commit to a group that has members.
        return group.state == .empty ? nil : .unknownMemberId
    }

    mutating func commitCompleted(_ id: GroupRequestID, groupId: String, offsets: [TopicPartition: CommittedOffset], error: KafkaErrorCode) {
        if error == .none, var group = take(groupId) {
            group.offsets.merge(offsets) { _, new in new }
            put(group)
        } else if error != .none, let group = groups[groupId], group.state == .empty, group.generationId == 0,
                  group.offsets.isEmpty, group.protocolType == nil {
            groups[groupId] = nil
        }
        reply(id, .commit(OffsetCommitOutcome(error: Self.storeError(error, offsets: true))))
    }

    /// The committed offsets of `partitions` (nil: every partition with one), for OffsetFetch.
    /// Partitions without a commit come back with nil.
    public func committedOffsets(groupId: String, partitions: [TopicPartition]?) -> [(partition: TopicPartition, offset: CommittedOffset?)] {
        let offsets = groups[groupId]?.offsets ?? [:]
        guard let partitions else {
            return offsets.keys.sorted().map { ($0, offsets[$0]) }
        }
        return partitions.map { ($0, offsets[$0]) }
    }

    mutating func handleDeleteOffsets(_ id: GroupRequestID, _ call: OffsetDeleteCall) {
        guard var group = take(call.groupId), group.state != .dead else {
            return reply(id, .deleteOffsets(OffsetDeleteOutcome(error: .groupIdNotFound)))
        }
        defer { put(group) }
        var outcome = OffsetDeleteOutcome(error: .none)
        var removable: [TopicPartition] = []
        if group.state == .empty {
            removable = call.partitions
        } else if group.protocolType == Self.consumerProtocolType {
            for partition in call.partitions {
                if group.isSubscribed(to: partition.topic) {
                    outcome.partitions[partition] = .groupSubscribedToTopic
                } else {
                    removable.append(partition)
                }
            }
        } else {
            return reply(id, .deleteOffsets(OffsetDeleteOutcome(error: .nonEmptyGroup)))
        }
        var tombstones: [GroupRecord] = []
        for partition in removable {
            outcome.partitions[partition] = KafkaErrorCode.none
            if group.offsets.removeValue(forKey: partition) != nil {
                tombstones.append(.offset(groupId: group.groupId, partition: partition, nil))
            }
        }
        if tombstones.isEmpty { return reply(id, .deleteOffsets(outcome)) }
        write(groupId: group.groupId, tombstones, then: .deleteOffsets(id, outcome))
    }

    /// Removes expired offsets and then empty groups without offsets (Kafka's
    /// `cleanupGroupMetadata` with `removeExpiredOffsets`), writing their tombstones.
    mutating func handleExpireOffsets() {
        for groupId in groups.keys.sorted() {
            guard var group = take(groupId) else { continue }
            let expired = expiredOffsets(group)
            var tombstones: [GroupRecord] = []
            for partition in expired.sorted() {
                group.offsets[partition] = nil
                tombstones.append(.offset(groupId: groupId, partition: partition, nil))
            }
            if group.state == .empty && group.offsets.isEmpty && group.pendingMembers.isEmpty {
                group.transition(to: .dead, now: now)
                // Kafka writes no group tombstone for generation 0: such a group only ever held offsets.
                if group.generationId > 0 { tombstones.append(.metadata(groupId: groupId, nil)) }
            }
            if !tombstones.isEmpty { write(groupId: groupId, tombstones, then: .none) }
            put(group)
        }
    }

    private func expiredOffsets(_ group: ClassicGroup) -> [TopicPartition] {
        let retention = config.offsetsRetentionMs
        func expired(since base: (CommittedOffset) -> Int64, keeping subscribed: Set<String> = []) -> [TopicPartition] {
            group.offsets.filter { partition, offset in
                guard !subscribed.contains(partition.topic) else { return false }
                if let expire = offset.expireTimestamp { return now >= expire }
                // Client-supplied commit timestamps (v1) may be anything: no overflow.
                let (age, overflow) = now.subtractingReportingOverflow(base(offset))
                return overflow || age >= retention
            }.map(\.key)
        }
        switch (group.protocolType, group.state) {
        case (.some, .empty):
            // No member left: offsets expire a retention period after the group became empty.
            return expired(since: { _ in group.stateTimestamp })
        case (.some(Self.consumerProtocolType), .stable):
            // A stable consumer group keeps the offsets of the topics it subscribes to.
            guard let subscribed = group.subscribedTopics else { return [] }
            return expired(since: \.commitTimestamp, keeping: subscribed)
        case (.none, _):
            // A standalone consumer's offsets: a retention period after the commit.
            return expired(since: \.commitTimestamp)
        default:
            return []
        }
    }
}
