/// `__consumer_offsets`: the internal compacted topic that holds committed offsets and group
/// metadata. A group's records all go to one partition, `abs(groupId.hashCode) % partitions`
/// with Java's `String.hashCode`, as Kafka places them.
public enum OffsetsTopic {
    public static let name = "__consumer_offsets"

    /// The topic configs it is created with (Kafka's `offsetsTopicConfigs`).
    static func configs(_ config: GroupCoordinatorConfig) -> [String: String] {
        ["cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": String(config.offsetsTopicSegmentBytes)]
    }

    public static func partition(for groupId: String, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0)
        let hash = javaHashCode(groupId)
        let positive = hash == Int32.min ? 0 : abs(hash)  // Kafka's Utils.abs
        return positive % partitionCount
    }

    /// Java's `String.hashCode`: `31 * h + c` over the UTF-16 code units, wrapping.
    public static func javaHashCode(_ string: String) -> Int32 {
        var hash: Int32 = 0
        for unit in string.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return hash
    }
}

/// Kafka's internal topic names (`Topic.isInternal`).
enum InternalTopics {
    static let names: Set<String> = [OffsetsTopic.name, "__transaction_state"]
    static func isInternal(_ name: String) -> Bool { names.contains(name) }
}
