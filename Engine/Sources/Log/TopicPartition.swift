/// A topic name and partition number; its directory is `<topic>-<partition>` as in Kafka.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var directoryName: String { "\(topic)-\(partition)" }
    public var description: String { directoryName }

    /// Parses `<topic>-<partition>` (the topic may itself contain dashes). Nil for other names,
    /// including Kafka's `-delete` and `-future` directories.
    public init?(directoryName: String) {
        guard let dash = directoryName.lastIndex(of: "-") else { return nil }
        let topic = directoryName[..<dash]
        let number = directoryName[directoryName.index(after: dash)...]
        guard !topic.isEmpty, let partition = Int32(number), partition >= 0, String(partition) == number else { return nil }
        self.topic = String(topic)
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
