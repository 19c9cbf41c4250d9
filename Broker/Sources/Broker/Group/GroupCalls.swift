import Engine
import KafkaProtocol

/// A JoinGroup as the state machine sees it (version differences already resolved).
public struct JoinGroupCall: Equatable, Sendable {
    public var groupId: String
    public var memberId: String
    public var groupInstanceId: String?
    /// v4+: a member without an id gets one with MEMBER_ID_REQUIRED and must join again with it.
    public var requireKnownMemberId: Bool
    public var clientId: String
    public var clientHost: String
    public var rebalanceTimeoutMs: Int32
    public var sessionTimeoutMs: Int32
    public var protocolType: String
    public var protocols: [GroupProtocol]
    /// The id the member gets if it is new (the I/O layer draws it: `clientId-UUID`).
    public var newMemberId: String
    /// v9+: a static leader rejoining a stable group is told to skip the assignment.
    public var supportsSkipAssignment: Bool

    public init(groupId: String, memberId: String = "", groupInstanceId: String? = nil, requireKnownMemberId: Bool = true,
                clientId: String = "client", clientHost: String = "/127.0.0.1", rebalanceTimeoutMs: Int32, sessionTimeoutMs: Int32,
                protocolType: String = "consumer", protocols: [GroupProtocol], newMemberId: String, supportsSkipAssignment: Bool = false) {
        self.groupId = groupId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.requireKnownMemberId = requireKnownMemberId
        self.clientId = clientId
        self.clientHost = clientHost
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.sessionTimeoutMs = sessionTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.newMemberId = newMemberId
        self.supportsSkipAssignment = supportsSkipAssignment
    }
}

public struct JoinGroupOutcome: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public var metadata: [UInt8]
    }

    public var error: KafkaErrorCode
    public var memberId: String
    public var generationId: Int32 = -1
    public var protocolType: String?
    public var protocolName: String?
    public var leaderId: String = ""
    public var skipAssignment = false
    /// Every member with its metadata for the chosen protocol, for the leader only.
    public var members: [Member] = []

    static func failure(_ error: KafkaErrorCode, memberId: String) -> JoinGroupOutcome {
        JoinGroupOutcome(error: error, memberId: memberId)
    }
}

public struct SyncGroupCall: Equatable, Sendable {
    public var groupId: String
    public var generationId: Int32
    public var memberId: String
    public var groupInstanceId: String?
    public var protocolType: String?
    public var protocolName: String?
    /// The leader's assignment per member id (empty from followers).
    public var assignments: [(memberId: String, assignment: [UInt8])]

    public init(groupId: String, generationId: Int32, memberId: String, groupInstanceId: String? = nil, protocolType: String? = nil,
                protocolName: String? = nil, assignments: [(memberId: String, assignment: [UInt8])] = []) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }

    public static func == (lhs: SyncGroupCall, rhs: SyncGroupCall) -> Bool {
        lhs.groupId == rhs.groupId && lhs.generationId == rhs.generationId && lhs.memberId == rhs.memberId
            && lhs.groupInstanceId == rhs.groupInstanceId && lhs.protocolType == rhs.protocolType && lhs.protocolName == rhs.protocolName
            && lhs.assignments.map(\.memberId) == rhs.assignments.map(\.memberId) && lhs.assignments.map(\.assignment) == rhs.assignments.map(\.assignment)
    }
}

public struct SyncGroupOutcome: Equatable, Sendable {
    public var error: KafkaErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: [UInt8] = []

    static func failure(_ error: KafkaErrorCode) -> SyncGroupOutcome { SyncGroupOutcome(error: error) }
}

public struct HeartbeatCall: Equatable, Sendable {
    public var groupId: String
    public var generationId: Int32
    public var memberId: String
    public var groupInstanceId: String?

    public init(groupId: String, generationId: Int32, memberId: String, groupInstanceId: String? = nil) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
    }
}

public struct LeaveGroupCall: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public init(memberId: String, groupInstanceId: String? = nil) {
            self.memberId = memberId
            self.groupInstanceId = groupInstanceId
        }
    }

    public var groupId: String
    public var members: [Member]

    public init(groupId: String, members: [Member]) {
        self.groupId = groupId
        self.members = members
    }
}

public struct LeaveGroupOutcome: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public var error: KafkaErrorCode
    }

    public var error: KafkaErrorCode
    public var members: [Member] = []
}

public struct OffsetCommitCall: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var partition: TopicPartition
        public var offset: Int64
        public var leaderEpoch: Int32
        public var metadata: String
        /// v1 only: the client's commit timestamp (nil: the broker's clock).
        public var commitTimestamp: Int64?

        public init(partition: TopicPartition, offset: Int64, leaderEpoch: Int32 = -1, metadata: String = "", commitTimestamp: Int64? = nil) {
            self.partition = partition
            self.offset = offset
            self.leaderEpoch = leaderEpoch
            self.metadata = metadata
            self.commitTimestamp = commitTimestamp
        }
    }

    public var groupId: String
    /// -1 (with an empty member id): a commit from outside group management (assign(), admin tools).
    public var generationId: Int32
    public var memberId: String
    public var groupInstanceId: String?
    /// v2-v4: how long to keep the offsets (-1: the broker's `offsets.retention.minutes`).
    public var retentionTimeMs: Int64
    public var entries: [Entry]

    public init(groupId: String, generationId: Int32 = -1, memberId: String = "", groupInstanceId: String? = nil,
                retentionTimeMs: Int64 = -1, entries: [Entry]) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.retentionTimeMs = retentionTimeMs
        self.entries = entries
    }
}

public struct OffsetCommitOutcome: Equatable, Sendable {
    /// One error for every entry of the call (Kafka fails or commits a request's offsets together).
    public var error: KafkaErrorCode
}

public struct OffsetDeleteCall: Equatable, Sendable {
    public var groupId: String
    public var partitions: [TopicPartition]

    public init(groupId: String, partitions: [TopicPartition]) {
        self.groupId = groupId
        self.partitions = partitions
    }
}

public struct OffsetDeleteOutcome: Equatable, Sendable {
    public var error: KafkaErrorCode
    public var partitions: [TopicPartition: KafkaErrorCode] = [:]
}

public struct GroupDeletion: Equatable, Sendable {
    public var groupId: String
    public var error: KafkaErrorCode
}

/// What ListGroups reports about a group.
public struct GroupListing: Equatable, Sendable {
    public var groupId: String
    public var protocolType: String
    public var state: ClassicGroupState
}

/// What DescribeGroups reports about a group (Kafka's `GroupSummary`).
public struct GroupDescription: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public var clientId: String
        public var clientHost: String
        public var metadata: [UInt8]
        public var assignment: [UInt8]
    }

    public var groupId: String
    public var state: ClassicGroupState
    public var protocolType: String
    public var protocolName: String
    public var members: [Member]
}
