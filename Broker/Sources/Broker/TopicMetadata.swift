import Engine
import KafkaProtocol

/// What the broker knows about one topic: name, id, partition count, replication factor and the
/// topic-level config overrides it was created with. Partition logs live in the engine.
public struct TopicMetadata: Equatable, Sendable {
    public var name: String
    public var id: KafkaUUID
    public var partitionCount: Int32
    public var replicationFactor: Int16
    /// Topic-level overrides by Kafka name (`retention.ms`, ...); broker defaults fill the rest.
    public var configs: [String: String]

    public init(name: String, id: KafkaUUID, partitionCount: Int32, replicationFactor: Int16, configs: [String: String] = [:]) {
        self.name = name
        self.id = id
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        self.configs = configs
    }

    /// A random (version 4) topic id, never the zero id nor Kafka's reserved METADATA_TOPIC_ID (all but the last bit zero).
    public static func randomTopicId() -> KafkaUUID {
        var generator = SystemRandomNumberGenerator()
        while true {
            var high = generator.next() as UInt64
            var low = generator.next() as UInt64
            high = (high & ~0xF000) | 0x4000           // version 4
            low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // IETF variant
            let id = KafkaUUID(mostSignificantBits: high, leastSignificantBits: low)
            // Kafka's text form must not start with '-' (the id would look like a command-line flag).
            if !id.description.hasPrefix("-") { return id }
        }
    }
}

/// Kafka's topic-name rules (`org.apache.kafka.common.internals.Topic.validate`).
public enum TopicName {
    public static let maxLength = 249

    /// Nil when `name` is a legal topic name, else the reason it is not.
    public static func invalidReason(_ name: String) -> String? {
        if name.isEmpty { return "topic name is empty" }
        if name == "." || name == ".." { return "topic name cannot be '.' or '..'" }
        if name.utf8.count > maxLength { return "topic name is longer than \(maxLength) characters" }
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return "topic name '\(name)' contains characters other than ASCII alphanumerics, '.', '_' and '-'"
            }
        }
        return nil
    }
}
