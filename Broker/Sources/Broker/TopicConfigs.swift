import Engine

/// Topic-level configs as CreateTopics takes them: the names the engine applies (`LogConfig.names`)
/// and a few more Kafka names that are validated and stored with the topic but not applied yet.
/// Anything else is refused with INVALID_CONFIG, as Kafka refuses unknown names.
public enum TopicConfigs {
    /// Kafka topic configs kept with the topic but without effect in Strata yet, with their check.
    static let storedOnly: [String: @Sendable (String) -> String?] = [
        "compression.type": { $0 == "producer" ? nil : "only 'producer' is supported: batches are stored as the producer sent them" },
        "min.insync.replicas": { Int32($0).map { $0 >= 1 } == true ? nil : "must be an integer of at least 1" },
        "unclean.leader.election.enable": booleanCheck,
        "message.downconversion.enable": booleanCheck,
        "delete.retention.ms": integerCheck,
        "min.compaction.lag.ms": integerCheck,
        "max.compaction.lag.ms": integerCheck,
        "file.delete.delay.ms": integerCheck,
        "message.timestamp.difference.max.ms": integerCheck,
        "message.timestamp.before.max.ms": integerCheck,
        "message.timestamp.after.max.ms": integerCheck,
        "min.cleanable.dirty.ratio": { Double($0).map { (0...1).contains($0) } == true ? nil : "must be a number between 0 and 1" },
        "follower.replication.throttled.replicas": { _ in nil },
        "leader.replication.throttled.replicas": { _ in nil },
        "message.format.version": { _ in nil },
    ]

    private static let booleanCheck: @Sendable (String) -> String? = { $0 == "true" || $0 == "false" ? nil : "must be true or false" }
    private static let integerCheck: @Sendable (String) -> String? = { Int64($0) != nil ? nil : "not an integer" }

    /// Validates `overrides` on top of `base` and returns the engine's config for the topic.
    public static func logConfig(overrides: [String: String], base: LogConfig) throws(TopicConfigError) -> LogConfig {
        var applied: [String: String] = [:]
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if LogConfig.names.contains(name) {
                applied[name] = value
            } else if let check = storedOnly[name] {
                if let reason = check(value) { throw TopicConfigError(name: name, value: value, reason: reason) }
            } else {
                throw TopicConfigError(name: name, value: value, reason: "unknown topic config")
            }
        }
        do {
            return try LogConfig(overrides: applied, base: base)
        } catch {
            if case let .invalidConfig(name, value, reason) = error {
                throw TopicConfigError(name: name, value: value, reason: reason)
            }
            throw TopicConfigError(name: "", value: "", reason: "\(error)")
        }
    }

    /// The effective value of every engine config of `config`, by Kafka name.
    public static func describe(_ config: LogConfig) -> [String: String] {
        [
            "segment.bytes": String(config.segmentBytes),
            "segment.ms": String(config.segmentMs),
            "segment.jitter.ms": String(config.segmentJitterMs),
            "segment.index.bytes": String(config.segmentIndexBytes),
            "index.interval.bytes": String(config.indexIntervalBytes),
            "flush.messages": String(config.flushMessages),
            "flush.ms": String(config.flushMs),
            "max.message.bytes": String(config.maxMessageBytes),
            "message.timestamp.type": config.messageTimestampType.rawValue,
            "retention.ms": String(config.retentionMs),
            "retention.bytes": String(config.retentionBytes),
            "cleanup.policy": config.cleanupPolicy,
            "strata.recovery.policy": config.recoveryPolicy.rawValue,
            "remote.storage.enable": String(config.remoteStorageEnable),
            "local.retention.ms": String(config.localRetentionMs),
            "local.retention.bytes": String(config.localRetentionBytes),
            "preallocate": String(config.preallocate),
        ]
    }
}

public struct TopicConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var reason: String
    public var description: String { "invalid value '\(value)' for topic config \(name): \(reason)" }
}
