/// One protocol a member supports (for the consumer, an assignor name and its subscription bytes).
public struct GroupProtocol: Equatable, Sendable {
    public var name: String
    public var metadata: [UInt8]

    public init(name: String, metadata: [UInt8]) {
        self.name = name
        self.metadata = metadata
    }
}

/// A member of a classic group, as the coordinator tracks it (Kafka's `MemberMetadata`).
///
/// A member has at most one parked JoinGroup and one parked SyncGroup, identified by the request
/// ids the I/O layer gave them; the state machine answers them with `GroupAction.reply`.
struct GroupMember: Equatable, Sendable {
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var rebalanceTimeoutMs: Int32
    var sessionTimeoutMs: Int32
    var protocolType: String
    /// In the member's order of preference.
    var protocols: [GroupProtocol]
    var assignment: [UInt8] = []
    /// The parked JoinGroup, while the member waits for the rebalance to finish.
    var awaitingJoin: GroupRequestID?
    /// The parked SyncGroup, while the member waits for the leader's assignment.
    var awaitingSync: GroupRequestID?
    /// Joined during the current rebalance and not through it yet (Kafka's `isNew`): such a member
    /// expires after the new-member join timeout even while it waits.
    var isNew = false
    /// When the member expires unless it heartbeats (or joins or syncs) first; nil while none is due.
    var heartbeatDeadline: Int64?

    var isStatic: Bool { groupInstanceId != nil }

    func metadata(for protocolName: String) -> [UInt8]? {
        protocols.first { $0.name == protocolName }?.metadata
    }

    /// The same protocols with the same metadata in the same order (Kafka's `matches`).
    func matches(_ other: [GroupProtocol]) -> Bool { protocols == other }

    /// The member's most preferred protocol among `candidates` (Kafka's `vote`).
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }

    /// Whether the member has done what keeps it alive: a member parked in JoinGroup or SyncGroup
    /// needs no heartbeat, except a new member, which may time out while it waits.
    var heartbeatSatisfiedByWaiting: Bool {
        !isNew && (awaitingJoin != nil || awaitingSync != nil)
    }
}
