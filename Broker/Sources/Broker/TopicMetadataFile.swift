import Engine
import KafkaProtocol

/// The durable form of `TopicMetadata`: one small properties file per topic in
/// `<log.dir>/strata-topics/`, written atomically (temporary file, fsync, rename, fsync of the
/// directory), so a crash leaves the old file or the new one.
///
/// ```
/// # Strata topic metadata (written atomically by the broker; do not edit while it runs)
/// version=1
/// name=orders
/// topic.id=3q2-7wAAQAC2oLvwAAAAAQ
/// partitions=3
/// replication.factor=1
/// config.retention.ms=86400000
/// ```
///
/// A topic being deleted has its file renamed to `<name>.deleting` first; a broker that finds
/// one at start finishes the deletion. The folder name cannot be mistaken for a partition
/// directory (`<topic>-<number>`), so the log manager leaves it alone.
public struct TopicMetadataFile: Sendable {
    public static let directoryName = "strata-topics"
    public static let fileExtension = ".topic"
    public static let deletingExtension = ".deleting"

    public let directory: String

    public init(logDir: String) {
        directory = logDir + "/" + Self.directoryName
    }

    public func path(for name: String) -> String { directory + "/" + name + Self.fileExtension }
    public func deletingPath(for name: String) -> String { directory + "/" + name + Self.deletingExtension }

    /// What the folder holds: live topics and names whose deletion was interrupted.
    public struct Contents: Sendable {
        public var topics: [TopicMetadata] = []
        public var interruptedDeletes: [String] = []
    }

    public func load() throws(BrokerStorageError) -> Contents {
        do {
            try FileSystem.createDirectory(directory)
            var contents = Contents()
            for file in try FileSystem.list(directory).sorted() {
                if file.hasSuffix(Self.fileExtension) {
                    let bytes = try FileSystem.readFile(directory + "/" + file)
                    contents.topics.append(try Self.decode(String(decoding: bytes, as: UTF8.self), file: directory + "/" + file))
                } else if file.hasSuffix(Self.deletingExtension) {
                    contents.interruptedDeletes.append(String(file.dropLast(Self.deletingExtension.count)))
                }  // `.tmp` leftovers of an interrupted write are overwritten by the next write
            }
            return contents
        } catch let error as BrokerStorageError {
            throw error
        } catch let error as EngineError {
            throw .engine(error)
        } catch {
            throw .engine(.invalidArgument("\(error)"))
        }
    }

    public func write(_ topic: TopicMetadata) throws(EngineError) {
        try FileSystem.writeAtomically(path(for: topic.name), contents: Array(Self.encode(topic).utf8))
    }

    /// Step one of a deletion: the rename that makes it durable.
    public func markDeleting(_ name: String) throws(EngineError) {
        try FileSystem.rename(path(for: name), deletingPath(for: name))
        try FileSystem.syncDirectory(directory)
    }

    /// The metadata of a topic whose deletion was interrupted (nil when its file cannot be read).
    public func deletingMetadata(_ name: String) -> TopicMetadata? {
        let path = deletingPath(for: name)
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        return try? Self.decode(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Last step of a deletion.
    public func removeDeleting(_ name: String) throws(EngineError) {
        if FileSystem.exists(deletingPath(for: name)) { try FileSystem.remove(deletingPath(for: name)) }
        try FileSystem.syncDirectory(directory)
    }

    // MARK: Encoding

    static func encode(_ topic: TopicMetadata) -> String {
        var text = "# Strata topic metadata (written atomically by the broker; do not edit while it runs)\n"
        text += "version=1\n"
        text += "name=\(topic.name)\n"
        text += "topic.id=\(topic.id)\n"
        text += "partitions=\(topic.partitionCount)\n"
        text += "replication.factor=\(topic.replicationFactor)\n"
        for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
            text += "config.\(name)=\(escape(value))\n"
        }
        return text
    }

    static func decode(_ text: String, file: String) throws(BrokerStorageError) -> TopicMetadata {
        var values: [String: String] = [:]
        var configs: [String: String] = [:]
        for (key, value) in JavaProperties.parse(text) {
            if key.hasPrefix("config.") { configs[String(key.dropFirst("config.".count))] = value } else { values[key] = value }
        }
        func bad(_ reason: String) -> BrokerStorageError { .corruptTopicMetadata(file: file, reason: reason) }
        guard values["version"] == "1" else { throw bad("unknown version '\(values["version"] ?? "")'") }
        guard let name = values["name"], TopicName.invalidReason(name) == nil else { throw bad("missing or invalid name") }
        guard let idText = values["topic.id"], let id = KafkaUUID(kafkaString: idText) else { throw bad("missing or invalid topic.id") }
        guard let countText = values["partitions"], let count = Int32(countText), count > 0 else { throw bad("missing or invalid partitions") }
        let replication = Int16(values["replication.factor"] ?? "1") ?? 1
        return TopicMetadata(name: name, id: id, partitionCount: count, replicationFactor: replication, configs: configs)
    }

    /// Escapes a value for the properties format (backslashes, line breaks, a leading blank).
    static func escape(_ value: String) -> String {
        var out = ""
        for (index, character) in value.enumerated() {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case " " where index == 0: out += "\\ "
            default: out.append(character)
            }
        }
        return out
    }
}

/// Failures of the broker's own durable state.
public enum BrokerStorageError: Error, Equatable, Sendable, CustomStringConvertible {
    case engine(EngineError)
    case corruptTopicMetadata(file: String, reason: String)
    case corruptMetaProperties(file: String, reason: String)
    /// The remote store or the remote log manager could not be set up.
    case tiering(String)

    public var description: String {
        switch self {
        case .engine(let error): "\(error)"
        case let .corruptTopicMetadata(file, reason): "corrupt topic metadata \(file): \(reason)"
        case let .corruptMetaProperties(file, reason): "corrupt \(file): \(reason)"
        case let .tiering(reason): "tiered storage: \(reason)"
        }
    }
}
