import Engine

/// Kafka's `ConfigSource` (DescribeConfigs v1+, CreateTopics v5+).
enum ConfigSource: Int8 {
    case unknown = 0
    case dynamicTopicConfig = 1
    case dynamicBrokerConfig = 2
    case dynamicDefaultBrokerConfig = 3
    case staticBrokerConfig = 4
    case defaultConfig = 5
}

/// Kafka's `ConfigType` (DescribeConfigs v3+).
enum ConfigType: Int8 {
    case unknown = 0, boolean = 1, string = 2, int = 3, short = 4, long = 5, double = 6, list = 7, `class` = 8, password = 9
}

/// One config as DescribeConfigs reports it.
struct DescribedConfig: Equatable {
    struct Synonym: Equatable {
        var name: String
        var value: String?
        var source: ConfigSource
    }

    var name: String
    var value: String?
    var source: ConfigSource
    var readOnly: Bool
    var synonyms: [Synonym]
    var type: ConfigType
    var documentation: String
}

/// What DescribeConfigs and the alter APIs need to know about topic configs beyond their values:
/// type, documentation, Kafka's topic-level default and the broker settings that supply a
/// default (Kafka's `ServerTopicConfigSynonyms`). The values themselves come from the engine's
/// `LogConfig` (`value(of:)`, `names`) for the configs it applies, and from the topic's overrides
/// or these defaults for the ones only stored (`TopicConfigs.storedOnly`).
enum TopicConfigCatalog {
    struct Entry {
        var type: ConfigType
        /// Broker settings whose value is this config's default, most specific first.
        var brokerSynonyms: [String]
        /// Kafka's topic-level default, for configs the engine does not hold.
        var defaultValue: String? = nil
        var documentation: String
    }

    static let entries: [String: Entry] = [
        "segment.bytes": Entry(type: .int, brokerSynonyms: ["log.segment.bytes"], documentation: "The segment file size for the log."),
        "segment.ms": Entry(type: .long, brokerSynonyms: ["log.roll.ms", "log.roll.hours"],
                            documentation: "The time after which the log rolls a new segment even if the current one is not full."),
        "segment.jitter.ms": Entry(type: .long, brokerSynonyms: ["log.roll.jitter.ms", "log.roll.jitter.hours"],
                                   documentation: "The maximum random jitter subtracted from the scheduled segment roll time."),
        "segment.index.bytes": Entry(type: .int, brokerSynonyms: ["log.index.size.max.bytes"],
                                     documentation: "The size of the index that maps offsets to file positions."),
        "index.interval.bytes": Entry(type: .int, brokerSynonyms: ["log.index.interval.bytes"],
                                      documentation: "How frequently an entry is added to the offset index."),
        "flush.messages": Entry(type: .long, brokerSynonyms: ["log.flush.interval.messages"],
                                documentation: "Force an fsync after this many messages."),
        "flush.ms": Entry(type: .long, brokerSynonyms: ["log.flush.interval.ms"], documentation: "Force an fsync after this much time."),
        "max.message.bytes": Entry(type: .int, brokerSynonyms: ["message.max.bytes"], documentation: "The largest record batch size allowed."),
        "message.timestamp.type": Entry(type: .string, brokerSynonyms: ["log.message.timestamp.type"],
                                        documentation: "Whether the timestamp in the message is message create time or log append time."),
        "retention.ms": Entry(type: .long, brokerSynonyms: ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
                              documentation: "The maximum time a log is retained before old segments are deleted; -1 for no limit."),
        "retention.bytes": Entry(type: .long, brokerSynonyms: ["log.retention.bytes"],
                                 documentation: "The maximum size a partition can grow to before old segments are deleted; -1 for no limit."),
        "cleanup.policy": Entry(type: .list, brokerSynonyms: ["log.cleanup.policy"],
                                documentation: "\"delete\", \"compact\" or both: the retention policy for old log segments."),
        "delete.retention.ms": Entry(type: .long, brokerSynonyms: ["log.cleaner.delete.retention.ms"],
                                     documentation: "How long delete tombstones are retained on compacted topics."),
        "min.cleanable.dirty.ratio": Entry(type: .double, brokerSynonyms: ["log.cleaner.min.cleanable.ratio"],
                                           documentation: "The dirty fraction of a log at which the cleaner compacts it."),
        "min.compaction.lag.ms": Entry(type: .long, brokerSynonyms: ["log.cleaner.min.compaction.lag.ms"],
                                       documentation: "The minimum time a message remains uncompacted in the log."),
        "max.compaction.lag.ms": Entry(type: .long, brokerSynonyms: ["log.cleaner.max.compaction.lag.ms"],
                                       documentation: "The maximum time a message remains ineligible for compaction."),
        "file.delete.delay.ms": Entry(type: .long, brokerSynonyms: ["log.segment.delete.delay.ms"],
                                      documentation: "The time to wait before deleting a file from the filesystem."),
        "strata.recovery.policy": Entry(type: .string, brokerSynonyms: ["strata.recovery.policy"],
                                        documentation: "What recovery does with a corrupt batch followed by more data: truncate or fail."),
        "compression.type": Entry(type: .string, brokerSynonyms: ["compression.type"], defaultValue: "producer",
                                  documentation: "The final compression type for a topic; only 'producer' (keep the producer's codec)."),
        "min.insync.replicas": Entry(type: .int, brokerSynonyms: ["min.insync.replicas"], defaultValue: "1",
                                     documentation: "The minimum number of replicas that must acknowledge a write with acks=all."),
        "unclean.leader.election.enable": Entry(type: .boolean, brokerSynonyms: ["unclean.leader.election.enable"], defaultValue: "false",
                                                documentation: "Whether replicas not in the ISR may be elected leader."),
        "preallocate": Entry(type: .boolean, brokerSynonyms: ["log.preallocate"], defaultValue: "false",
                             documentation: "Whether to preallocate the file on disk when creating a new log segment."),
        "message.downconversion.enable": Entry(type: .boolean, brokerSynonyms: ["log.message.downconversion.enable"], defaultValue: "true",
                                               documentation: "Whether down-conversion of message formats is enabled for consume requests."),
        "remote.storage.enable": Entry(type: .boolean, brokerSynonyms: [], defaultValue: "false",
                                       documentation: "Whether tiered storage is enabled for the topic."),
        "message.timestamp.difference.max.ms": Entry(type: .long, brokerSynonyms: ["log.message.timestamp.difference.max.ms"],
                                                     defaultValue: "9223372036854775807",
                                                     documentation: "The maximum difference allowed between a message's timestamp and the broker's."),
        "message.timestamp.before.max.ms": Entry(type: .long, brokerSynonyms: ["log.message.timestamp.before.max.ms"],
                                                 defaultValue: "9223372036854775807",
                                                 documentation: "The maximum time a message's timestamp may lie before the broker's."),
        "message.timestamp.after.max.ms": Entry(type: .long, brokerSynonyms: ["log.message.timestamp.after.max.ms"],
                                                defaultValue: "9223372036854775807",
                                                documentation: "The maximum time a message's timestamp may lie after the broker's."),
        "local.retention.ms": Entry(type: .long, brokerSynonyms: ["log.local.retention.ms"], defaultValue: "-2",
                                    documentation: "Local retention time with tiered storage; -2 means retention.ms."),
        "local.retention.bytes": Entry(type: .long, brokerSynonyms: ["log.local.retention.bytes"], defaultValue: "-2",
                                       documentation: "Local retention size with tiered storage; -2 means retention.bytes."),
        "follower.replication.throttled.replicas": Entry(type: .list, brokerSynonyms: [], defaultValue: "",
                                                         documentation: "Replicas whose log replication is throttled on the follower side."),
        "leader.replication.throttled.replicas": Entry(type: .list, brokerSynonyms: [], defaultValue: "",
                                                       documentation: "Replicas whose log replication is throttled on the leader side."),
        "message.format.version": Entry(type: .string, brokerSynonyms: ["log.message.format.version"], defaultValue: "3.0-IV1",
                                        documentation: "Deprecated; the message format is always v2."),
    ]

    /// Every topic config a topic has: the engine's and the stored-only ones, sorted.
    static var names: [String] {
        Set(LogConfig.names).union(TopicConfigs.storedOnly.keys).sorted()
    }

    static func isKnown(_ name: String) -> Bool {
        LogConfig.names.contains(name) || TopicConfigs.storedOnly[name] != nil
    }

    static func entry(_ name: String) -> Entry {
        entries[name] ?? Entry(type: .string, brokerSynonyms: [], documentation: "")
    }

    /// Kafka's topic-level default (what APPEND starts from when there is no override).
    static func kafkaDefault(_ name: String) -> String? {
        LogConfig().value(of: name) ?? entries[name]?.defaultValue
    }

    /// The broker-level default of a broker setting that stands in for a topic config, when Kafka
    /// gives it one (`log.retention.hours` has 168; `log.retention.ms` has none).
    static func brokerDefault(_ brokerName: String) -> String? {
        switch brokerName {
        case "log.roll.hours", "log.retention.hours": return "168"
        case "log.roll.jitter.hours": return "0"
        case "log.roll.ms", "log.roll.jitter.ms", "log.retention.ms", "log.retention.minutes", "log.flush.interval.ms": return nil
        default: break
        }
        if let topicName = BrokerConfig.topicDefaultNames[brokerName] { return LogConfig().value(of: topicName) }
        for entry in entries.values where entry.brokerSynonyms.contains(brokerName) { return entry.defaultValue }
        return nil
    }

    /// Describes every config of a topic (or the `keys` asked for).
    static func describe(_ topic: TopicRegistry.Topic, broker: BrokerConfig, keys: [String]?) -> [DescribedConfig] {
        let wanted = keys.map { Set($0) }
        return names.filter { wanted?.contains($0) ?? true }.map { describe($0, topic: topic, broker: broker) }
    }

    static func describe(_ name: String, topic: TopicRegistry.Topic, broker: BrokerConfig) -> DescribedConfig {
        let entry = entry(name)
        let override = topic.metadata.configs[name]
        var synonyms: [DescribedConfig.Synonym] = []
        if let override { synonyms.append(.init(name: name, value: override, source: .dynamicTopicConfig)) }
        for brokerName in entry.brokerSynonyms {
            if let value = broker.staticSettings[brokerName] { synonyms.append(.init(name: brokerName, value: value, source: .staticBrokerConfig)) }
        }
        for brokerName in entry.brokerSynonyms {
            if let value = brokerDefault(brokerName) { synonyms.append(.init(name: brokerName, value: value, source: .defaultConfig)) }
        }
        let value: String?
        if LogConfig.names.contains(name) {
            value = topic.logConfig.value(of: name)
        } else {
            value = override ?? synonyms.first?.value ?? entry.defaultValue
        }
        return DescribedConfig(name: name, value: value, source: synonyms.first?.source ?? .defaultConfig, readOnly: false,
                               synonyms: synonyms, type: entry.type, documentation: entry.documentation)
    }
}
