import Engine
import KafkaProtocol

/// Rebuilding the coordinator from `__consumer_offsets` at start (Kafka's `loadGroupsAndOffsets`):
/// records are replayed in log order, the last record of each key winning and a tombstone
/// removing it; then groups with stored metadata come back Stable (with members, who must
/// heartbeat within their session timeout) or Empty, and offsets without group metadata make a
/// standalone group.
extension GroupStateMachine {
    public struct Loader: Sendable {
        var metadata: [String: GroupMetadataValue] = [:]
        var offsets: [String: [TopicPartition: CommittedOffset]] = [:]
        public private(set) var records = 0

        public init() {}

        public mutating func replay(_ record: GroupRecord) {
            records += 1
            switch record {
            case let .offset(groupId, partition, value):
                offsets[groupId, default: [:]][partition] = value
            case let .metadata(groupId, value):
                metadata[groupId] = value
            }
        }
    }

    /// Installs what `loader` replayed. Returns the number of groups loaded.
    @discardableResult
    public mutating func install(_ loader: Loader, now: Int64) -> Int {
        self.now = now
        let ids = Set(loader.metadata.keys).union(loader.offsets.keys)
        for groupId in ids.sorted() {
            let offsets = loader.offsets[groupId] ?? [:]
            let stored = loader.metadata[groupId]
            guard stored != nil || !offsets.isEmpty else { continue }
            var group = ClassicGroup(groupId: groupId, now: now)
            if let stored { group.restore(from: stored, now: now) }
            group.offsets = offsets
            groups[groupId] = group
        }
        return groups.count
    }
}
