import Engine

/// Who leads a partition and which replicas it has, as Metadata, Produce and Fetch need it.
public struct PartitionLeader: Equatable, Sendable {
    public var leaderId: Int32
    public var leaderEpoch: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]
}

/// The replication seam. The broker asks it who leads a partition, tells it about every local
/// append, and lets it decide the high watermark. `SingleNodeLeadership` is the only
/// implementation today; Raft-based partition replication will provide another one (the high
/// watermark then follows the quorum's commit index instead of the log end).
public protocol PartitionLeadership: Sendable {
    /// This broker's node id.
    var localNodeId: Int32 { get }
    /// The leader and replicas of a partition that exists.
    func leader(of partition: TopicPartition) -> PartitionLeader
    /// Called when this node takes over a partition's log (at start and on creation).
    func becameLeader(of log: PartitionLog)
    /// Called after every local append with the new log end offset.
    func didAppend(to log: PartitionLog, logEndOffset: Int64)
}

/// One broker that leads every partition, with itself as the only in-sync replica: the high
/// watermark is the log end offset as soon as an append returns (acks=all = acks=1), and a leader
/// epoch of 0, as Kafka assigns to a new partition.
public struct SingleNodeLeadership: PartitionLeadership {
    public let localNodeId: Int32
    public static let leaderEpoch: Int32 = 0

    public init(nodeId: Int32) { localNodeId = nodeId }

    public func leader(of partition: TopicPartition) -> PartitionLeader {
        PartitionLeader(leaderId: localNodeId, leaderEpoch: Self.leaderEpoch, replicas: [localNodeId], inSyncReplicas: [localNodeId])
    }

    public func becameLeader(of log: PartitionLog) {
        // With no followers, everything in the log is committed — including what an unclean
        // stop left beyond the last checkpointed high watermark.
        log.updateHighWatermark(log.logEndOffset)
    }

    public func didAppend(to log: PartitionLog, logEndOffset: Int64) {
        log.updateHighWatermark(logEndOffset)
    }
}
