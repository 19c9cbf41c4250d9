import Broker
import Engine

/// Writes the settings `strata tune apply` used into the broker's topic files
/// (`<dir>/strata-topics/<topic>.topic`, through the broker's own `TopicMetadataFile`, which
/// writes atomically: temporary file, fsync, rename, fsync of the folder), so that the broker
/// keeps applying them from its next start. Only called while apply holds the directory lock,
/// so no broker is running on the directory; a broker starting meanwhile reads the old file or
/// the new one, then fails on the lock.
enum TopicConfigPersister {
    /// What happened for one topic (`persisted` in the JSON).
    struct Outcome: Encodable {
        var topic: String
        var persisted: Bool
        var file: String?
        /// The topic's overrides in the file after the write (or as they stay).
        var configs: [String: String]
        /// Why nothing was written, when `persisted` is false.
        var reason: String?

        enum CodingKeys: String, CodingKey { case topic, persisted, file, configs, reason }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(topic, forKey: .topic)
            try container.encode(persisted, forKey: .persisted)
            try container.encode(file, forKey: .file)
            try container.encode(configs, forKey: .configs)
            try container.encode(reason, forKey: .reason)
        }
    }

    static func persist(dataDirectory: String, topics: [String], overrides: [(name: String, value: String)]) -> [Outcome] {
        let files = TopicMetadataFile(logDir: dataDirectory)
        guard FileSystem.isDirectory(files.directory) else {
            return topics.map {
                Outcome(topic: $0, persisted: false, file: nil, configs: [:],
                        reason: "no broker topic files (\(files.directory) is absent): a broker adopting the topic gives it its default configs")
            }
        }
        let contents: TopicMetadataFile.Contents
        do {
            contents = try files.load()
        } catch {
            return topics.map { Outcome(topic: $0, persisted: false, file: nil, configs: [:], reason: "the broker's topic files cannot be read: \(error)") }
        }
        var outcomes: [Outcome] = []
        for topic in topics {
            guard var metadata = contents.topics.first(where: { $0.name == topic }) else {
                outcomes.append(Outcome(topic: topic, persisted: false, file: nil, configs: [:],
                                        reason: "no topic file \(files.path(for: topic)): a broker adopting the topic gives it its default configs"))
                continue
            }
            for (name, value) in overrides { metadata.configs[name] = value }
            do {
                _ = try TopicConfigs.logConfig(overrides: metadata.configs, base: LogConfig())
                try files.write(metadata)
                outcomes.append(Outcome(topic: topic, persisted: true, file: files.path(for: topic), configs: metadata.configs, reason: nil))
            } catch {
                outcomes.append(Outcome(topic: topic, persisted: false, file: files.path(for: topic), configs: metadata.configs,
                                        reason: "\(error)"))
            }
        }
        return outcomes
    }
}
