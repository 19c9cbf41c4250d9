import Engine
import KafkaProtocol

/// The classic group coordinator as a pure state machine (Kafka's `GroupCoordinator` +
/// `GroupMetadata`): events in (`GroupEvent`: requests, write outcomes, the passing of time),
/// actions out (`GroupAction`: replies, writes to `__consumer_offsets`). It does no I/O, reads no
/// clock (every event comes with `now`) and draws no random numbers (the I/O layer proposes new
/// member ids), so tests drive it without sockets, files or sleeps.
///
/// Requests that must wait (JoinGroup until the rebalance ends, SyncGroup until the leader's
/// assignment is stored) are parked on their member by request id and answered by a later event.
/// A state change that must be durable first (a commit, the leader's assignment, a static member's
/// new id) is applied when its `writeCompleted` event arrives, as Kafka applies it in the append
/// callback.
///
/// Concurrency: a value type with no shared state; `GroupCoordinator` owns the one instance and
/// serialises every call under its lock.
public struct GroupStateMachine: Sendable {
    static let consumerProtocolType = "consumer"

    public let config: GroupCoordinatorConfig
    var groups: [String: ClassicGroup] = [:]
    var pendingWrites: [GroupWriteID: PendingWrite] = [:]
    /// DeleteGroups requests waiting for their groups' tombstones, with the results so far.
    var pendingDeletes: [GroupRequestID: (results: [GroupDeletion], outstanding: Int)] = [:]
    private var nextWriteId: UInt64 = 0
    private var output: [GroupAction] = []
    /// The time of the event being handled.
    var now: Int64 = 0

    /// What to do when a write completes.
    enum PendingWrite: Sendable {
        /// Nothing waits for it (a group that became empty, tombstones of expired offsets).
        case none
        case commit(GroupRequestID, groupId: String, offsets: [TopicPartition: CommittedOffset])
        case syncAssignment(groupId: String, generationId: Int32, assignment: [String: [UInt8]])
        case staticRejoin(GroupRequestID, StaticRejoin)
        case deleteGroup(GroupRequestID, groupId: String)
        case deleteOffsets(GroupRequestID, OffsetDeleteOutcome)
    }

    /// A static member that rejoined a stable group under a new member id, kept until the new id
    /// is stored (and undone if that fails).
    struct StaticRejoin: Sendable {
        var groupId: String
        var instanceId: String
        var oldMemberId: String
        var newMemberId: String
        var oldProtocols: [GroupProtocol]
        var oldRebalanceTimeoutMs: Int32
        var oldSessionTimeoutMs: Int32
        var previousLeader: String?
        var supportsSkipAssignment: Bool
    }

    public init(config: GroupCoordinatorConfig = GroupCoordinatorConfig()) {
        self.config = config
    }

    /// Handles one event at time `now` (milliseconds) and returns what to do, in order.
    public mutating func handle(_ event: GroupEvent, now: Int64) -> [GroupAction] {
        self.now = now
        switch event {
        case .join(let id, let call): handleJoin(id, call)
        case .sync(let id, let call): handleSync(id, call)
        case .heartbeat(let id, let call): handleHeartbeat(id, call)
        case .leave(let id, let call): handleLeave(id, call)
        case .commitOffsets(let id, let call): handleCommit(id, call)
        case .deleteOffsets(let id, let call): handleDeleteOffsets(id, call)
        case .deleteGroups(let id, let groupIds): handleDeleteGroups(id, groupIds)
        case .writeCompleted(let id, let error): handleWriteCompleted(id, error)
        case .timersDue: handleTimers()
        case .expireOffsets: handleExpireOffsets()
        case .shutdown: handleShutdown()
        }
        defer { output = [] }
        return output
    }

    /// The earliest time at which `timersDue` has something to do, if any.
    public var nextDeadline: Int64? {
        var earliest: Int64?
        func consider(_ time: Int64?) {
            guard let time else { return }
            earliest = min(earliest ?? time, time)
        }
        for group in groups.values {
            for deadline in group.pendingMembers.values { consider(deadline) }
            for member in group.allMembers { consider(member.heartbeatDeadline) }
            if group.state == .preparingRebalance { consider(group.joinDeadline) }
            consider(group.syncDeadline)
        }
        return earliest
    }

    /// The group's state, for tests and tools.
    public func state(of groupId: String) -> ClassicGroupState? { groups[groupId]?.state }
    public func generation(of groupId: String) -> Int32? { groups[groupId]?.generationId }
    public func memberIds(of groupId: String) -> [String] { groups[groupId]?.allMembers.map(\.memberId) ?? [] }
    public func leader(of groupId: String) -> String? { groups[groupId]?.leaderId }
    public var groupIds: [String] { groups.keys.sorted() }

    // MARK: Output

    mutating func reply(_ id: GroupRequestID, _ reply: GroupReply) {
        output.append(.reply(id, reply))
    }

    mutating func write(groupId: String, _ records: [GroupRecord], then pending: PendingWrite) {
        nextWriteId += 1
        let id = GroupWriteID(value: nextWriteId)
        pendingWrites[id] = pending
        output.append(.write(id, groupId: groupId, records: records))
    }

    /// Stores a group's metadata with `assignment` (Kafka's `storeGroup`).
    mutating func storeGroup(_ group: ClassicGroup, assignment: [String: [UInt8]], then pending: PendingWrite) {
        write(groupId: group.groupId, [.metadata(groupId: group.groupId, group.metadataValue(assignment: assignment))], then: pending)
    }

    /// Takes a group out of the table for in-place work (no copy of its members on write).
    mutating func take(_ groupId: String) -> ClassicGroup? { groups.removeValue(forKey: groupId) }

    /// Puts a group back, unless it is dead.
    mutating func put(_ group: ClassicGroup) {
        if group.state != .dead { groups[group.groupId] = group }
    }

    /// Kafka's mapping of a failed append to the error a group request reports.
    static func storeError(_ error: KafkaErrorCode, offsets: Bool) -> KafkaErrorCode {
        switch error {
        case .none: .none
        case .unknownTopicOrPartition, .notEnoughReplicas, .requestTimedOut, .coordinatorNotAvailable: .coordinatorNotAvailable
        case .notLeaderOrFollower, .kafkaStorageError: .notCoordinator
        case .recordListTooLarge, .messageTooLarge: offsets ? .invalidCommitOffsetSize : .unknownServerError
        default: error
        }
    }

    // MARK: Rebalance mechanics

    /// Validates a request's member id and static instance id (Kafka's `validateCurrentMember`).
    func validateCurrentMember(_ group: ClassicGroup, memberId: String, instanceId: String?) -> KafkaErrorCode? {
        if let instanceId {
            guard let current = group.staticMemberId(for: instanceId) else { return .unknownMemberId }
            if current != memberId { return .fencedInstanceId }
            return nil
        }
        return group.has(memberId) ? nil : .unknownMemberId
    }

    mutating func maybePrepareRebalance(_ group: inout ClassicGroup) {
        if group.canRebalance { prepareRebalance(&group) }
    }

    /// Starts a rebalance: parked SyncGroups get REBALANCE_IN_PROGRESS; an empty group waits
    /// `group.initial.rebalance.delay.ms` for more members, any other waits until every member
    /// rejoined or the rebalance timeout passed.
    mutating func prepareRebalance(_ group: inout ClassicGroup) {
        if group.state == .completingRebalance { resetAndPropagateAssignmentError(&group, .rebalanceInProgress) }
        group.syncDeadline = nil
        group.pendingSyncMembers = []
        if group.state == .empty {
            let delay = config.initialRebalanceDelayMs
            group.isInitialJoin = true
            group.newMemberAdded = false
            group.initialJoinBudgetMs = max(group.rebalanceTimeoutMs - delay, 0)
            group.joinDeadline = now + delay
        } else {
            group.isInitialJoin = false
            group.joinDeadline = now + group.rebalanceTimeoutMs
        }
        group.transition(to: .preparingRebalance, now: now)
        maybeCompleteJoin(&group)
    }

    /// Ends the join phase early when every member rejoined (never during the initial delay).
    mutating func maybeCompleteJoin(_ group: inout ClassicGroup) {
        guard group.state == .preparingRebalance, !group.isInitialJoin, group.hasAllMembersJoined else { return }
        completeJoin(&group)
    }

    /// The join phase ends (Kafka's `onCompleteJoin`): dynamic members that did not rejoin leave,
    /// the generation advances, the protocol is chosen, and every parked JoinGroup is answered,
    /// the leader's with every member's metadata.
    mutating func completeJoin(_ group: inout ClassicGroup) {
        guard group.state == .preparingRebalance else { return }
        group.joinDeadline = nil
        group.isInitialJoin = false
        group.newMemberAdded = false
        for member in group.allMembers where member.awaitingJoin == nil && !member.isStatic {
            answerParked(member, join: .unknownMemberId, sync: .unknownMemberId)
            group.remove(member.memberId)
        }
        if !electJoinedLeader(&group) && !group.isEmptyOfMembers {
            // Only static members that have not rejoined are left: wait for them (or their expiry).
            group.joinDeadline = now + group.rebalanceTimeoutMs
            return
        }
        initNextGeneration(&group)
        if group.state == .empty {
            storeGroup(group, assignment: [:], then: .none)
            return
        }
        let everyone = memberMetadata(group)
        for member in group.allMembers {
            if let parked = member.awaitingJoin {
                let isLeader = group.isLeader(member.memberId)
                reply(parked, .join(currentGeneration(group, memberId: member.memberId, members: isLeader ? everyone : [])))
            }
            group.update(member.memberId) {
                $0.awaitingJoin = nil
                $0.isNew = false
                $0.heartbeatDeadline = now + Int64($0.sessionTimeoutMs)
            }
            group.pendingSyncMembers.insert(member.memberId)
        }
        group.syncDeadline = now + group.rebalanceTimeoutMs
    }

    /// Keeps a leader that rejoined, or hands leadership to a member that did (Kafka's
    /// `maybeElectNewJoinedLeader`). False when no member rejoined.
    private func electJoinedLeader(_ group: inout ClassicGroup) -> Bool {
        guard let leader = group.leaderId else { return false }
        if group.member(leader)?.awaitingJoin != nil { return true }
        guard let joined = group.allMembers.first(where: { $0.awaitingJoin != nil }) else { return false }
        group.leaderId = joined.memberId
        return true
    }

    private func initNextGeneration(_ group: inout ClassicGroup) {
        group.generationId &+= 1
        group.pendingSyncMembers = []
        group.syncDeadline = nil
        if group.isEmptyOfMembers {
            group.protocolName = nil
            group.subscribedTopics = group.computeSubscribedTopics()
            group.transition(to: .empty, now: now)
        } else {
            group.protocolName = group.selectProtocol()
            group.subscribedTopics = group.computeSubscribedTopics()
            group.transition(to: .completingRebalance, now: now)
        }
    }

    /// Removes a member and lets the group react (Kafka's `removeMemberAndUpdateGroup`).
    mutating func removeMemberAndUpdateGroup(_ group: inout ClassicGroup, memberId: String) {
        guard let member = group.member(memberId) else { return }
        answerParked(member, join: .unknownMemberId, sync: .unknownMemberId)
        group.remove(memberId)
        switch group.state {
        case .dead, .empty: break
        case .stable, .completingRebalance: maybePrepareRebalance(&group)
        case .preparingRebalance: maybeCompleteJoin(&group)
        }
    }

    /// Answers a member's parked JoinGroup and SyncGroup, if any, with errors.
    mutating func answerParked(_ member: GroupMember, join: KafkaErrorCode, sync: KafkaErrorCode) {
        if let parked = member.awaitingJoin {
            reply(parked, .join(.failure(join, memberId: join == .unknownMemberId ? "" : member.memberId)))
        }
        if let parked = member.awaitingSync { reply(parked, .sync(.failure(sync))) }
    }

    /// Clears every assignment and answers parked SyncGroups with `error`.
    mutating func resetAndPropagateAssignmentError(_ group: inout ClassicGroup, _ error: KafkaErrorCode) {
        for member in group.allMembers {
            if let parked = member.awaitingSync { reply(parked, .sync(.failure(error))) }
            group.update(member.memberId) {
                $0.assignment = []
                if $0.awaitingSync != nil { $0.heartbeatDeadline = now + Int64($0.sessionTimeoutMs) }
                $0.awaitingSync = nil
            }
        }
    }

    /// Sets every member's assignment and answers parked SyncGroups with theirs.
    mutating func setAndPropagateAssignment(_ group: inout ClassicGroup, _ assignment: [String: [UInt8]]) {
        for member in group.allMembers {
            let mine = assignment[member.memberId] ?? []
            if let parked = member.awaitingSync {
                reply(parked, .sync(SyncGroupOutcome(error: .none, protocolType: group.protocolType, protocolName: group.protocolName, assignment: mine)))
            }
            group.update(member.memberId) {
                $0.assignment = mine
                if $0.awaitingSync != nil { $0.heartbeatDeadline = now + Int64($0.sessionTimeoutMs) }
                $0.awaitingSync = nil
            }
        }
    }

    mutating func scheduleHeartbeat(_ group: inout ClassicGroup, memberId: String) {
        group.update(memberId) { $0.heartbeatDeadline = now + Int64($0.sessionTimeoutMs) }
    }

    /// Every member with its metadata for the chosen protocol (what the leader assigns from).
    func memberMetadata(_ group: ClassicGroup) -> [JoinGroupOutcome.Member] {
        group.allMembers.map {
            JoinGroupOutcome.Member(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId,
                                    metadata: group.protocolName.flatMap($0.metadata(for:)) ?? [])
        }
    }

    func currentGeneration(_ group: ClassicGroup, memberId: String, members: [JoinGroupOutcome.Member],
                           leaderId: String? = nil, skipAssignment: Bool = false) -> JoinGroupOutcome {
        JoinGroupOutcome(error: .none, memberId: memberId, generationId: group.generationId, protocolType: group.protocolType,
                         protocolName: group.protocolName, leaderId: leaderId ?? group.leaderId ?? "",
                         skipAssignment: skipAssignment, members: members)
    }

    // MARK: Write outcomes

    private mutating func handleWriteCompleted(_ id: GroupWriteID, _ error: KafkaErrorCode) {
        guard let pending = pendingWrites.removeValue(forKey: id) else { return }
        switch pending {
        case .none:
            break
        case let .commit(request, groupId, offsets):
            commitCompleted(request, groupId: groupId, offsets: offsets, error: error)
        case let .syncAssignment(groupId, generationId, assignment):
            syncAssignmentCompleted(groupId: groupId, generationId: generationId, assignment: assignment, error: error)
        case let .staticRejoin(request, rejoin):
            staticRejoinCompleted(request, rejoin, error: error)
        case let .deleteGroup(request, groupId):
            guard var entry = pendingDeletes.removeValue(forKey: request) else { return }
            if error != .none, let index = entry.results.firstIndex(where: { $0.groupId == groupId }) {
                entry.results[index].error = Self.storeError(error, offsets: false)
            }
            entry.outstanding -= 1
            if entry.outstanding > 0 {
                pendingDeletes[request] = entry
            } else {
                reply(request, .deleteGroups(entry.results))
            }
        case let .deleteOffsets(request, outcome):
            var result = outcome
            if error != .none { result.error = Self.storeError(error, offsets: true) }
            reply(request, .deleteOffsets(result))
        }
    }

    // MARK: Shutdown

    private mutating func handleShutdown() {
        for groupId in groups.keys.sorted() {
            guard var group = take(groupId) else { continue }
            for member in group.allMembers {
                answerParked(member, join: .notCoordinator, sync: .notCoordinator)
                group.update(member.memberId) {
                    $0.awaitingJoin = nil
                    $0.awaitingSync = nil
                }
            }
            put(group)
        }
        for (request, entry) in pendingDeletes { reply(request, .deleteGroups(entry.results)) }
        pendingDeletes = [:]
    }
}
