import Engine
import KafkaProtocol

/// The states of a classic group (Kafka's `GroupState`), with the names Kafka reports.
///
/// ```
///   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance ──leader syncs──▶ Stable
///     ▲                 ▲   │ nobody left                               │ member joins/leaves          │
///     └─────────────────┼───┘                                           ▼                              │
///                       └──────────────────── member joins, leaves, expires, leader rejoins ───────────┘
///   Empty ──all offsets expired or DeleteGroups──▶ Dead (removed)
/// ```
public enum ClassicGroupState: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"

    /// Parses a ListGroups states filter entry (Kafka compares case-insensitively).
    public init?(filterName: String) {
        guard let state = Self.allCases.first(where: { $0.rawValue.lowercased() == filterName.lowercased() }) else { return nil }
        self = state
    }
}

/// One classic group: members, generation, chosen protocol, leader, deadlines, committed offsets
/// (Kafka's `GroupMetadata`). A plain value owned by `GroupStateMachine`.
struct ClassicGroup: Sendable {
    let groupId: String
    private(set) var state: ClassicGroupState = .empty
    /// When the group last changed state (Kafka's `currentStateTimestamp`); offsets of an empty
    /// group expire counting from it.
    var stateTimestamp: Int64
    var generationId: Int32 = 0
    /// nil for a group only ever used to store offsets (a "simple" group).
    var protocolType: String?
    var protocolName: String?
    var leaderId: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Member ids in the order they were added: the leader falls to the first one.
    private(set) var memberOrder: [String] = []
    /// `group.instance.id` → member id of the static members.
    private(set) var staticMembers: [String: String] = [:]
    /// Members that got MEMBER_ID_REQUIRED and have not joined with their id yet, with the time
    /// they expire (their session timeout).
    var pendingMembers: [String: Int64] = [:]
    /// Members of the new generation that have not sent SyncGroup yet, and when they expire.
    var pendingSyncMembers: Set<String> = []
    var syncDeadline: Int64?
    /// While preparing a rebalance: when the join phase ends at the latest.
    var joinDeadline: Int64?
    /// The join phase is the initial delay of an empty group (it never ends early, and is extended
    /// while new members keep arriving, by at most `initialJoinBudgetMs` in total).
    var isInitialJoin = false
    var initialJoinBudgetMs: Int64 = 0
    var newMemberAdded = false
    /// The topics the members subscribe to, for the "consumer" protocol type (nil: not known).
    var subscribedTopics: Set<String>?
    var offsets: [TopicPartition: CommittedOffset] = [:]

    init(groupId: String, now: Int64) {
        self.groupId = groupId
        self.stateTimestamp = now
    }

    // MARK: Members

    var isEmptyOfMembers: Bool { members.isEmpty }
    var memberCount: Int { members.count }
    var allMembers: [GroupMember] { memberOrder.compactMap { members[$0] } }

    func has(_ memberId: String) -> Bool { members[memberId] != nil }
    func member(_ memberId: String) -> GroupMember? { members[memberId] }
    func staticMemberId(for instanceId: String) -> String? { staticMembers[instanceId] }
    func isLeader(_ memberId: String) -> Bool { leaderId == memberId }

    mutating func update(_ memberId: String, _ change: (inout GroupMember) -> Void) {
        guard var member = members[memberId] else { return }
        change(&member)
        members[memberId] = member
    }

    mutating func updateAll(_ change: (inout GroupMember) -> Void) {
        for id in memberOrder { update(id, change) }
    }

    /// Adds a member (Kafka's `add`): the first member fixes the protocol type and leads.
    mutating func add(_ member: GroupMember) {
        if let instanceId = member.groupInstanceId { staticMembers[instanceId] = member.memberId }
        if members.isEmpty { protocolType = member.protocolType }
        if leaderId == nil { leaderId = member.memberId }
        if members[member.memberId] == nil { memberOrder.append(member.memberId) }
        members[member.memberId] = member
        pendingMembers[member.memberId] = nil
    }

    /// Removes a member; a leader hands over to the oldest remaining member. Parked requests are
    /// the caller's to answer.
    @discardableResult
    mutating func remove(_ memberId: String) -> GroupMember? {
        guard let member = members.removeValue(forKey: memberId) else { return nil }
        memberOrder.removeAll { $0 == memberId }
        if let instanceId = member.groupInstanceId, staticMembers[instanceId] == memberId { staticMembers[instanceId] = nil }
        pendingSyncMembers.remove(memberId)
        if leaderId == memberId { leaderId = memberOrder.first }
        return member
    }

    /// Gives a static member a new member id (a restarted static member), keeping its place,
    /// assignment and leadership (Kafka's `replaceStaticMember`). Returns the old member.
    @discardableResult
    mutating func replaceStaticMember(instanceId: String, oldMemberId: String, newMemberId: String) -> GroupMember? {
        guard var member = members.removeValue(forKey: oldMemberId) else { return nil }
        let old = member
        member.memberId = newMemberId
        member.awaitingJoin = nil
        member.awaitingSync = nil
        members[newMemberId] = member
        if let index = memberOrder.firstIndex(of: oldMemberId) { memberOrder[index] = newMemberId }
        if leaderId == oldMemberId { leaderId = newMemberId }
        staticMembers[instanceId] = newMemberId
        if pendingSyncMembers.remove(oldMemberId) != nil { pendingSyncMembers.insert(newMemberId) }
        return old
    }

    // MARK: State

    mutating func transition(to newState: ClassicGroupState, now: Int64) {
        state = newState
        stateTimestamp = now
    }

    /// Every member is parked in JoinGroup and no member id handed out is still unused.
    var hasAllMembersJoined: Bool {
        members.values.allSatisfy { $0.awaitingJoin != nil } && pendingMembers.isEmpty
    }

    var awaitingJoinCount: Int { members.values.filter { $0.awaitingJoin != nil }.count }

    /// The longest rebalance timeout of the members (Kafka's `rebalanceTimeoutMs`).
    var rebalanceTimeoutMs: Int64 { Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0) }

    var canRebalance: Bool { state == .stable || state == .completingRebalance || state == .empty }

    // MARK: Protocols

    /// Protocols every member supports.
    var candidateProtocols: Set<String> {
        var counts: [String: Int] = [:]
        for member in members.values {
            for name in Set(member.protocols.map(\.name)) { counts[name, default: 0] += 1 }
        }
        return Set(counts.filter { $0.value == members.count }.keys)
    }

    /// Whether a member with these protocols may join (Kafka's `supportsProtocols`).
    func supports(protocolType: String, protocols: [GroupProtocol]) -> Bool {
        let names = Set(protocols.map(\.name))
        if state == .empty { return !protocolType.isEmpty && !names.isEmpty }
        return self.protocolType == protocolType && !names.isDisjoint(with: candidateProtocols)
    }

    /// The protocol with most votes, each member voting for its most preferred candidate; ties go to
    /// the protocol the oldest member prefers.
    func selectProtocol() -> String? {
        let candidates = candidateProtocols
        var votes: [String: Int] = [:]
        for member in allMembers {
            if let vote = member.vote(among: candidates) { votes[vote, default: 0] += 1 }
        }
        guard let best = votes.values.max() else { return nil }
        for member in allMembers {
            if let vote = member.vote(among: candidates), votes[vote] == best { return vote }
        }
        return nil
    }

    /// The members' topics under the "consumer" protocol type: the union of their subscriptions
    /// (Kafka's `computeSubscribedTopics`); nil when a subscription does not parse.
    func computeSubscribedTopics() -> Set<String>? {
        guard protocolType == GroupStateMachine.consumerProtocolType else { return nil }
        guard !members.isEmpty else { return [] }
        guard let protocolName else { return nil }
        var topics = Set<String>()
        for member in members.values {
            guard let metadata = member.metadata(for: protocolName),
                  let subscription = ConsumerProtocolCodec.subscription(metadata) else { return nil }
            topics.formUnion(subscription.topics)
        }
        return topics
    }

    func isSubscribed(to topic: String) -> Bool {
        subscribedTopics.map { $0.contains(topic) } ?? true
    }

    // MARK: Snapshots

    /// The group as `__consumer_offsets` stores it, with `assignment` per member.
    func metadataValue(assignment: [String: [UInt8]]) -> GroupMetadataValue {
        GroupMetadataValue(
            protocolType: protocolType ?? "", generation: generationId, protocol: protocolName, leader: leaderId,
            currentStateTimestamp: stateTimestamp,
            members: allMembers.map { member in
                GroupMetadataValue.MemberMetadata(
                    memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                    clientHost: member.clientHost, rebalanceTimeout: member.rebalanceTimeoutMs, sessionTimeout: member.sessionTimeoutMs,
                    subscription: protocolName.flatMap { member.metadata(for: $0) } ?? [], assignment: assignment[member.memberId] ?? [])
            })
    }

    /// Restores a group from its stored metadata: Stable with its members, or Empty without.
    mutating func restore(from value: GroupMetadataValue, now: Int64) {
        members = [:]
        memberOrder = []
        staticMembers = [:]
        pendingMembers = [:]
        pendingSyncMembers = []
        syncDeadline = nil
        joinDeadline = nil
        protocolType = value.protocolType
        generationId = value.generation
        protocolName = value.protocol
        leaderId = value.leader
        for stored in value.members {
            var member = GroupMember(
                memberId: stored.memberId, groupInstanceId: stored.groupInstanceId, clientId: stored.clientId,
                clientHost: stored.clientHost, rebalanceTimeoutMs: stored.rebalanceTimeout < 0 ? stored.sessionTimeout : stored.rebalanceTimeout,
                sessionTimeoutMs: stored.sessionTimeout, protocolType: value.protocolType,
                protocols: [GroupProtocol(name: value.protocol ?? "", metadata: stored.subscription)])
            member.assignment = stored.assignment
            member.heartbeatDeadline = now + Int64(stored.sessionTimeout)
            if let instanceId = stored.groupInstanceId { staticMembers[instanceId] = stored.memberId }
            if members[stored.memberId] == nil { memberOrder.append(stored.memberId) }
            members[stored.memberId] = member
        }
        if let leader = leaderId, members[leader] == nil { leaderId = memberOrder.first }
        if members.isEmpty { leaderId = nil }
        state = members.isEmpty ? .empty : .stable
        stateTimestamp = value.currentStateTimestamp >= 0 ? value.currentStateTimestamp : now
        subscribedTopics = computeSubscribedTopics()
    }
}
