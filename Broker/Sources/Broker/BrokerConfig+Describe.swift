import Engine

/// The broker's settings as DescribeConfigs reports them for a BROKER resource: every setting
/// Strata knows, with the value it was given (STATIC_BROKER_CONFIG) or its default
/// (DEFAULT_CONFIG). All are read-only: Strata has no dynamic broker configs yet.
extension BrokerConfig {
    /// Every broker setting name Strata knows, sorted.
    static var describedNames: [String] {
        Set(settings.keys).union(topicDefaultNames.keys).union(precedenceTopicNames.keys).sorted()
    }

    func describeSettings(keys: [String]?) -> [DescribedConfig] {
        let known = Set(Self.describedNames).union(staticSettings.keys)
        let names = keys.map { $0.filter(known.contains) } ?? known.sorted()
        return names.map { name in
            let value = staticSettings[name] ?? Self.defaultValue(of: name)
            return DescribedConfig(
                name: name, value: value, source: staticSettings[name] != nil ? .staticBrokerConfig : .defaultConfig,
                readOnly: true, synonyms: synonyms(of: name), type: Self.guessType(Self.defaultValue(of: name) ?? value),
                documentation: "")
        }
    }

    /// The settings that stand in for one another (`log.retention.ms`, `.minutes`, `.hours`), from
    /// `name` on, given ones first, then defaults (Kafka's order).
    private func synonyms(of name: String) -> [DescribedConfig.Synonym] {
        var group = [name]
        for entry in TopicConfigCatalog.entries.values {
            if let index = entry.brokerSynonyms.firstIndex(of: name) { group = Array(entry.brokerSynonyms[index...]) }
        }
        var synonyms: [DescribedConfig.Synonym] = []
        for synonym in group {
            if let value = staticSettings[synonym] { synonyms.append(.init(name: synonym, value: value, source: .staticBrokerConfig)) }
        }
        for synonym in group {
            if let value = Self.defaultValue(of: synonym) { synonyms.append(.init(name: synonym, value: value, source: .defaultConfig)) }
        }
        return synonyms
    }

    /// A setting's default (Kafka's, or Strata's where it differs, such as `log.dirs`).
    static func defaultValue(of name: String) -> String? {
        let defaults = BrokerConfig()
        switch name {
        case "listeners": return defaults.listeners.map(\.description).joined(separator: ",")
        case "advertised.listeners": return nil
        case "listener.security.protocol.map":
            return defaults.listenerSecurityProtocols.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        case "log.dirs", "log.dir": return defaults.logDirs.joined(separator: ",")
        case "node.id", "broker.id": return String(defaults.nodeId)
        case "num.partitions": return String(defaults.numPartitions)
        case "default.replication.factor": return String(defaults.defaultReplicationFactor)
        case "auto.create.topics.enable": return String(defaults.autoCreateTopicsEnable)
        case "delete.topic.enable": return String(defaults.deleteTopicEnable)
        case "socket.request.max.bytes": return String(defaults.socketRequestMaxBytes)
        case "connections.max.idle.ms": return String(defaults.connectionsMaxIdleMs)
        case "max.connections": return String(defaults.maxConnections)
        case "num.network.threads": return String(defaults.numNetworkThreads)
        case "num.io.threads": return String(defaults.numIoThreads)
        case "socket.send.buffer.bytes": return String(defaults.socketSendBufferBytes)
        case "socket.receive.buffer.bytes": return String(defaults.socketReceiveBufferBytes)
        case "num.recovery.threads.per.data.dir": return String(defaults.recoveryThreadsPerDataDir)
        case "log.flush.offset.checkpoint.interval.ms": return String(defaults.flushOffsetCheckpointIntervalMs)
        case "log.flush.scheduler.interval.ms": return String(defaults.flushSchedulerIntervalMs)
        case "log.retention.check.interval.ms": return String(defaults.retentionCheckIntervalMs)
        case "log.cleaner.enable": return String(defaults.cleanerEnable)
        case "log.cleaner.backoff.ms": return String(defaults.cleanerBackoffMs)
        case "producer.id.expiration.ms": return String(defaults.producerIdExpirationMs)
        case "strata.log.writeback.bytes": return String(defaults.logWritebackBytes)
        case "strata.log.preallocate.bytes": return String(defaults.logPreallocateBytes)
        case "strata.log.page.cache.retain.bytes": return String(defaults.logPageCacheRetainBytes)
        case "log.cleaner.dedupe.buffer.size": return String(defaults.cleaner.dedupeBufferBytes)
        case "log.cleaner.io.buffer.load.factor": return String(defaults.cleaner.loadFactor)
        case "log.cleaner.io.max.bytes.per.second": return "1.7976931348623157E308"
        case "max.incremental.fetch.session.cache.slots": return String(defaults.maxIncrementalFetchSessionCacheSlots)
        case "group.min.session.timeout.ms": return String(defaults.groupCoordinator.minSessionTimeoutMs)
        case "group.max.session.timeout.ms": return String(defaults.groupCoordinator.maxSessionTimeoutMs)
        case "group.initial.rebalance.delay.ms": return String(defaults.groupCoordinator.initialRebalanceDelayMs)
        case "group.max.size": return String(defaults.groupCoordinator.maxGroupSize)
        case "offset.metadata.max.bytes": return String(defaults.groupCoordinator.offsetMetadataMaxBytes)
        case "offsets.retention.minutes": return String(defaults.groupCoordinator.offsetsRetentionMs / 60_000)
        case "offsets.retention.check.interval.ms": return String(defaults.groupCoordinator.offsetsRetentionCheckIntervalMs)
        case "offsets.topic.num.partitions": return String(defaults.groupCoordinator.offsetsTopicPartitions)
        case "offsets.topic.segment.bytes": return String(defaults.groupCoordinator.offsetsTopicSegmentBytes)
        default: return TopicConfigCatalog.brokerDefault(name)
        }
    }

    private static func guessType(_ value: String?) -> ConfigType {
        guard let value else { return .string }
        if value == "true" || value == "false" { return .boolean }
        if Int32(value) != nil { return .int }
        if Int64(value) != nil { return .long }
        if Double(value) != nil { return .double }
        return value.contains(",") ? .list : .string
    }
}
