import Engine
import KafkaProtocol

/// Names one client request parked in or answered by the state machine. The I/O layer issues them.
public struct GroupRequestID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public var description: String { "request#\(value)" }
}

/// Names one write to `__consumer_offsets` the state machine asked for.
public struct GroupWriteID: Hashable, Sendable {
    public let value: UInt64
}

/// What the state machine is told: client requests, the outcome of the writes it asked for, and
/// the passing of time. Every event carries no I/O; the answer comes back as `GroupAction`s.
public enum GroupEvent: Sendable {
    case join(GroupRequestID, JoinGroupCall)
    case sync(GroupRequestID, SyncGroupCall)
    case heartbeat(GroupRequestID, HeartbeatCall)
    case leave(GroupRequestID, LeaveGroupCall)
    case commitOffsets(GroupRequestID, OffsetCommitCall)
    case deleteOffsets(GroupRequestID, OffsetDeleteCall)
    case deleteGroups(GroupRequestID, [String])
    /// A write asked for with `GroupAction.write` finished; `.none` means it is durable.
    case writeCompleted(GroupWriteID, KafkaErrorCode)
    /// Session, rebalance, sync and pending-member deadlines up to now are due.
    case timersDue
    /// `offsets.retention.check.interval.ms` passed: remove expired offsets and empty groups.
    case expireOffsets
    /// The coordinator stops: every parked request is answered with NOT_COORDINATOR.
    case shutdown
}

/// What the state machine asks the I/O layer to do.
public enum GroupAction: Sendable, Equatable {
    /// Answer a request.
    case reply(GroupRequestID, GroupReply)
    /// Append these records (all of one group, so one partition) to `__consumer_offsets`, then
    /// report `GroupEvent.writeCompleted` with the same id.
    case write(GroupWriteID, groupId: String, records: [GroupRecord])
}

public enum GroupReply: Sendable, Equatable {
    case join(JoinGroupOutcome)
    case sync(SyncGroupOutcome)
    case heartbeat(KafkaErrorCode)
    case leave(LeaveGroupOutcome)
    case commit(OffsetCommitOutcome)
    case deleteOffsets(OffsetDeleteOutcome)
    case deleteGroups([GroupDeletion])
}

/// A record of `__consumer_offsets`, decoded: a committed offset or a group's metadata, or the
/// tombstone (nil) that removes one.
public enum GroupRecord: Sendable, Equatable {
    case offset(groupId: String, partition: TopicPartition, CommittedOffset?)
    case metadata(groupId: String, GroupMetadataValue?)

    public var groupId: String {
        switch self {
        case .offset(let groupId, _, _), .metadata(let groupId, _): groupId
        }
    }
}

/// A committed offset as stored (Kafka's `OffsetAndMetadata`).
public struct CommittedOffset: Equatable, Sendable {
    public var offset: Int64
    public var leaderEpoch: Int32
    public var metadata: String
    public var commitTimestamp: Int64
    /// Set only by OffsetCommit v1-v4 with an explicit retention; the offset then expires at this time.
    public var expireTimestamp: Int64?

    public init(offset: Int64, leaderEpoch: Int32 = -1, metadata: String = "", commitTimestamp: Int64, expireTimestamp: Int64? = nil) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
        self.expireTimestamp = expireTimestamp
    }
}
