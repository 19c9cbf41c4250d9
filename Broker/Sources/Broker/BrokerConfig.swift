import Engine

/// The broker's settings, under Kafka's `server.properties` names and with Kafka's defaults.
///
/// Built from a properties file plus `--override` pairs (later ones win). Every name must be one
/// this type knows: an unknown name or a bad value is refused with a `BrokerConfigError` naming it.
/// A few Kafka settings that have no meaning here yet (ZooKeeper, KRaft controller, internal-topic
/// replication) are accepted and listed in `ignoredSettings` so a stock `server.properties` starts.
public struct BrokerConfig: Sendable {
    /// `listeners`: where to accept connections. Default `PLAINTEXT://:9092`.
    public var listeners: [Listener] = [Listener(name: "PLAINTEXT", host: "", port: 9092)]
    /// `advertised.listeners`: what Metadata tells clients, per listener name. Empty: each
    /// listener advertises its own host, or for a wildcard host the address the client connected to.
    public var advertisedListeners: [Listener] = []
    /// `listener.security.protocol.map`: listener name to security protocol (only PLAINTEXT is served).
    public var listenerSecurityProtocols: [String: String] = [
        "PLAINTEXT": "PLAINTEXT", "SSL": "SSL", "SASL_PLAINTEXT": "SASL_PLAINTEXT", "SASL_SSL": "SASL_SSL",
    ]
    /// `log.dirs` (or `log.dir`): the data directory. Default `./data` (Kafka's is /tmp/kafka-logs).
    public var logDirs: [String] = ["./data"]
    /// `node.id` / `broker.id`. Default 0.
    public var nodeId: Int32 = 0
    /// `num.partitions`: partitions of an auto-created topic, and of CreateTopics with -1. Default 1.
    public var numPartitions: Int32 = 1
    /// `default.replication.factor`. Default 1.
    public var defaultReplicationFactor: Int16 = 1
    /// `auto.create.topics.enable`: Metadata creates unknown topics. Default true.
    public var autoCreateTopicsEnable = true
    /// `delete.topic.enable`: DeleteTopics allowed. Default true.
    public var deleteTopicEnable = true
    /// `socket.request.max.bytes`: the largest request frame. Default 104857600.
    public var socketRequestMaxBytes = 104_857_600
    /// `connections.max.idle.ms`: close connections idle this long. Default 600000.
    public var connectionsMaxIdleMs: Int64 = 600_000
    /// `max.connections`: connections accepted at once over all listeners. Default unlimited.
    public var maxConnections = Int(Int32.max)
    /// `num.network.threads`: event-loop threads. Default 3.
    public var numNetworkThreads = 3
    /// `num.io.threads`: threads that run storage work (appends, reads, topic changes). Default 8.
    public var numIoThreads = 8
    /// `socket.send.buffer.bytes` / `socket.receive.buffer.bytes`: SO_SNDBUF / SO_RCVBUF; -1 keeps
    /// the OS default. Default -1 (Kafka: 102400): a fixed buffer also turns off the kernel's
    /// autotuning, and 100 KB caps what a producer can have in flight on a connection, so a
    /// megabyte request then arrives in many small reads, each a wake-up and a window update
    /// (25 % of the broker's CPU per GB produced on loopback, see BENCHMARKS.md).
    public var socketSendBufferBytes = -1
    public var socketReceiveBufferBytes = -1
    /// `num.recovery.threads.per.data.dir`: threads that open and recover partitions at start. Default 2.
    public var recoveryThreadsPerDataDir = 2
    /// `log.flush.offset.checkpoint.interval.ms`: how often the offset checkpoint files are written. Default 60000.
    public var flushOffsetCheckpointIntervalMs: Int64 = 60_000
    /// `log.flush.scheduler.interval.ms`: how often `flush.ms` is checked. Kafka's default is
    /// "never"; Strata checks every second so that a configured `log.flush.interval.ms` takes effect.
    public var flushSchedulerIntervalMs: Int64 = 1000
    /// Topic-config defaults under topic-level names (`segment.bytes`, ...), from the broker's
    /// `log.*` and `message.max.bytes` settings. Only the ones set in the file appear here.
    public var topicConfigDefaults: [String: String] = [:]
    /// The topic defaults as a `LogConfig` (Kafka's defaults overlaid with `topicConfigDefaults`).
    public var defaultLogConfig = LogConfig()
    /// Kafka settings that were accepted but have no effect in Strata yet.
    public var ignoredSettings: [String] = []
    /// Every known setting exactly as given (file, then overrides), for DescribeConfigs.
    public var staticSettings: [String: String] = [:]
    /// The group coordinator's `group.*` and `offsets.*` settings.
    public var groupCoordinator = GroupCoordinatorConfig()
    /// `producer.id.expiration.ms`: how long a partition remembers an idle idempotent producer
    /// (Kafka: a broker setting, INT, at least 1). Carried to every log in `defaultLogConfig`. Default 1 day.
    public var producerIdExpirationMs: Int64 = 86_400_000
    /// `log.retention.check.interval.ms`: how often retention deletes old segments. Default 300000.
    public var retentionCheckIntervalMs: Int64 = 300_000
    /// `strata.log.writeback.bytes`: start writing an active segment back to disk every this many
    /// appended bytes (0: leave it to the kernel). Carried to every log in `defaultLogConfig`. Default 1 MiB.
    public var logWritebackBytes = 1 << 20
    /// `strata.log.preallocate.bytes`: reserve an active segment's disk space this many bytes at
    /// a time ahead of the appends (0: off). Carried to every log in `defaultLogConfig`. Default 4 MiB.
    public var logPreallocateBytes = 4 << 20
    /// `strata.log.page.cache.retain.bytes`: with writeback on, how much of an active segment
    /// behind its tail stays in the page cache once written (0: all of it, Kafka's way).
    /// Carried to every log in `defaultLogConfig`. Default 0.
    public var logPageCacheRetainBytes = 0
    /// `log.cleaner.enable`: compact `cleanup.policy=compact` topics in the background. Default true.
    public var cleanerEnable = true
    /// `log.cleaner.backoff.ms`: the cleaner's sleep when no log needs cleaning. Default 15000.
    public var cleanerBackoffMs: Int64 = 15_000
    /// `log.cleaner.dedupe.buffer.size`, `log.cleaner.io.buffer.load.factor`,
    /// `log.cleaner.io.max.bytes.per.second`.
    public var cleaner = CleanerConfig()
    /// `strata.metrics.listener`: `host:port` of an HTTP endpoint serving `/metrics` in
    /// Prometheus' text format. Default: none.
    public var metricsListener: String?
    /// `strata.inline.storage.enable`: run page-cache appends and local fetch reads on the network
    /// threads rather than the I/O pool. Default true.
    public var inlineStorage = true
    /// Tiered storage: `remote.log.*` and the remote store's `rsm.config.*` settings.
    public var tiering = TieringSettings()
    /// `max.incremental.fetch.session.cache.slots`: incremental fetch sessions (KIP-227) kept at
    /// once; 0 turns sessions off. Default 1000.
    public var maxIncrementalFetchSessionCacheSlots = 1000

    public init() {}

    /// Builds the config from settings in order (file first, then overrides). Throws on the first
    /// unknown name or bad value.
    public init(settings: [(key: String, value: String)]) throws(BrokerConfigError) {
        var values: [String: String] = [:]
        for (key, value) in settings { values[key] = value }
        try self.init(values: values)
    }

    public init(values: [String: String]) throws(BrokerConfigError) {
        self.init()
        for name in values.keys.sorted() {
            let value = values[name]!
            if let apply = Self.settings[name] {
                try apply(&self, name, value)
            } else if let topicName = Self.topicDefaultNames[name] {
                topicConfigDefaults[topicName] = value
            } else if Self.acceptedButIgnored.contains(name) {
                ignoredSettings.append(name)
            } else if Self.precedenceSettings.contains(name) {
                // resolved below
            } else if try tiering.apply(name, value) {
                // a tiered-storage setting
            } else {
                throw BrokerConfigError(name: name, value: value, reason: "unknown setting")
            }
            staticSettings[name] = value
        }
        try resolvePrecedence(values)
        try validateListeners()
        try tiering.validate()
        if logPageCacheRetainBytes > 0 && logWritebackBytes == 0 {
            throw BrokerConfigError(name: "strata.log.page.cache.retain.bytes", value: String(logPageCacheRetainBytes),
                                    reason: "pages leave the cache once written back, which needs strata.log.writeback.bytes above 0")
        }
        do {
            defaultLogConfig = try LogConfig(overrides: topicConfigDefaults)
            defaultLogConfig.producerIdExpirationMs = producerIdExpirationMs
            defaultLogConfig.writebackBytes = logWritebackBytes
            defaultLogConfig.preallocateBytes = logPreallocateBytes
            defaultLogConfig.pageCacheRetainBytes = logPageCacheRetainBytes
        } catch {
            if case let .invalidConfig(topicName, value, reason) = error {
                let brokerName = Self.brokerName(for: topicName, in: values) ?? topicName
                throw BrokerConfigError(name: brokerName, value: value, reason: reason)
            }
            throw BrokerConfigError(name: "?", value: "", reason: "\(error)")
        }
    }

    /// The security protocol of a listener name, from `listener.security.protocol.map`.
    public func securityProtocol(of listenerName: String) -> String? { listenerSecurityProtocols[listenerName] }

    /// The single data directory (Strata serves one `log.dirs` entry).
    public var logDir: String { logDirs[0] }

    private mutating func validateListeners() throws(BrokerConfigError) {
        guard !listeners.isEmpty else { throw BrokerConfigError(name: "listeners", value: "", reason: "at least one listener is needed") }
        var names = Set<String>()
        for listener in listeners {
            guard names.insert(listener.name).inserted else {
                throw BrokerConfigError(name: "listeners", value: listener.description, reason: "listener name \(listener.name) appears twice")
            }
            guard let proto = securityProtocol(of: listener.name) else {
                throw BrokerConfigError(name: "listeners", value: listener.description,
                                        reason: "listener name \(listener.name) is not in listener.security.protocol.map")
            }
            guard proto == "PLAINTEXT" else {
                throw BrokerConfigError(name: "listeners", value: listener.description,
                                        reason: "security protocol \(proto) is not supported yet (only PLAINTEXT)")
            }
        }
        for advertised in advertisedListeners where !names.contains(advertised.name) {
            throw BrokerConfigError(name: "advertised.listeners", value: advertised.description,
                                    reason: "no listener is named \(advertised.name)")
        }
    }

    /// Settings where Kafka lets a finer unit win over a coarser one.
    private mutating func resolvePrecedence(_ values: [String: String]) throws(BrokerConfigError) {
        func pick(_ options: [(String, Int64)], into topicName: String) throws(BrokerConfigError) {
            for (name, unit) in options {
                guard let text = values[name] else { continue }
                guard let number = Int64(text.trimmingBlanks) else {
                    throw BrokerConfigError(name: name, value: text, reason: "not an integer")
                }
                if number < 0 {
                    // -1 means unlimited for retention; other negatives are refused by LogConfig.
                    topicConfigDefaults[topicName] = String(number)
                } else {
                    let (product, overflow) = number.multipliedReportingOverflow(by: unit)
                    guard !overflow else { throw BrokerConfigError(name: name, value: text, reason: "too large") }
                    topicConfigDefaults[topicName] = String(product)
                }
                return
            }
        }
        try pick([("log.roll.ms", 1), ("log.roll.hours", 3_600_000)], into: "segment.ms")
        try pick([("log.roll.jitter.ms", 1), ("log.roll.jitter.hours", 3_600_000)], into: "segment.jitter.ms")
        try pick([("log.retention.ms", 1), ("log.retention.minutes", 60_000), ("log.retention.hours", 3_600_000)], into: "retention.ms")
    }

    private static func brokerName(for topicName: String, in values: [String: String]) -> String? {
        for (broker, topic) in topicDefaultNames where topic == topicName && values[broker] != nil { return broker }
        for (broker, topic) in precedenceTopicNames where topic == topicName && values[broker] != nil { return broker }
        return nil
    }

    // MARK: The settings table

    typealias Apply = @Sendable (inout BrokerConfig, String, String) throws(BrokerConfigError) -> Void

    /// Broker settings that map one to one onto a topic-config default.
    static let topicDefaultNames: [String: String] = [
        "log.segment.bytes": "segment.bytes",
        "log.retention.bytes": "retention.bytes",
        "log.index.interval.bytes": "index.interval.bytes",
        "log.index.size.max.bytes": "segment.index.bytes",
        "log.flush.interval.messages": "flush.messages",
        "log.flush.interval.ms": "flush.ms",
        "log.cleanup.policy": "cleanup.policy",
        "log.message.timestamp.type": "message.timestamp.type",
        "message.max.bytes": "max.message.bytes",
        "strata.recovery.policy": "strata.recovery.policy",
        "log.cleaner.delete.retention.ms": "delete.retention.ms",
        "log.cleaner.min.compaction.lag.ms": "min.compaction.lag.ms",
        "log.cleaner.max.compaction.lag.ms": "max.compaction.lag.ms",
        "log.cleaner.min.cleanable.ratio": "min.cleanable.dirty.ratio",
        "log.segment.delete.delay.ms": "file.delete.delay.ms",
        "log.local.retention.ms": "local.retention.ms",
        "log.local.retention.bytes": "local.retention.bytes",
        "log.preallocate": "preallocate",
    ]

    static let precedenceTopicNames: [String: String] = [
        "log.roll.ms": "segment.ms", "log.roll.hours": "segment.ms",
        "log.roll.jitter.ms": "segment.jitter.ms", "log.roll.jitter.hours": "segment.jitter.ms",
        "log.retention.ms": "retention.ms", "log.retention.minutes": "retention.ms", "log.retention.hours": "retention.ms",
    ]
    static var precedenceSettings: Set<String> { Set(precedenceTopicNames.keys) }

    /// Kafka settings accepted so that a stock `server.properties` starts, with no effect yet.
    static let acceptedButIgnored: Set<String> = [
        "zookeeper.connect", "zookeeper.connection.timeout.ms", "zookeeper.session.timeout.ms",
        "process.roles", "controller.quorum.voters", "controller.quorum.bootstrap.servers", "controller.listener.names",
        "inter.broker.listener.name", "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor", "transaction.state.log.min.isr",
        "auto.leader.rebalance.enable", "min.insync.replicas", "unclean.leader.election.enable",
        "log.cleaner.threads", "queued.max.requests", "replica.lag.time.max.ms",
        "offsets.commit.timeout.ms", "offsets.load.buffer.size", "offsets.commit.required.acks",
        "num.replica.fetchers", "metadata.log.dir", "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
        // KIP-405's plugin class settings: Strata's remote store and metadata are built in.
        "remote.log.storage.manager.class.name", "remote.log.storage.manager.class.path",
        "remote.log.metadata.manager.class.name", "remote.log.metadata.manager.class.path",
        "remote.log.metadata.manager.listener.name", "remote.log.metadata.manager.impl.prefix",
    ]

    static let settings: [String: Apply] = [
        "listeners": { config, name, value throws(BrokerConfigError) in
            config.listeners = try listenerList(name, value)
        },
        "advertised.listeners": { config, name, value throws(BrokerConfigError) in
            config.advertisedListeners = try listenerList(name, value)
        },
        "listener.security.protocol.map": { config, name, value throws(BrokerConfigError) in
            var map: [String: String] = [:]
            for entry in value.split(separator: ",") {
                let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingBlanks }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw BrokerConfigError(name: name, value: value, reason: "entries must be NAME:PROTOCOL")
                }
                map[parts[0].uppercased()] = parts[1].uppercased()
            }
            config.listenerSecurityProtocols = map
        },
        "log.dirs": { config, name, value throws(BrokerConfigError) in config.logDirs = try directories(name, value) },
        "log.dir": { config, name, value throws(BrokerConfigError) in config.logDirs = try directories(name, value) },
        "node.id": { config, name, value throws(BrokerConfigError) in config.nodeId = Int32(try integer(name, value, min: 0, max: Int64(Int32.max))) },
        "broker.id": { config, name, value throws(BrokerConfigError) in config.nodeId = Int32(try integer(name, value, min: 0, max: Int64(Int32.max))) },
        "num.partitions": { config, name, value throws(BrokerConfigError) in config.numPartitions = Int32(try integer(name, value, min: 1, max: Int64(Int32.max))) },
        "default.replication.factor": { config, name, value throws(BrokerConfigError) in
            config.defaultReplicationFactor = Int16(try integer(name, value, min: 1, max: Int64(Int16.max)))
        },
        "auto.create.topics.enable": { config, name, value throws(BrokerConfigError) in config.autoCreateTopicsEnable = try boolean(name, value) },
        "delete.topic.enable": { config, name, value throws(BrokerConfigError) in config.deleteTopicEnable = try boolean(name, value) },
        "socket.request.max.bytes": { config, name, value throws(BrokerConfigError) in
            config.socketRequestMaxBytes = Int(try integer(name, value, min: 1, max: Int64(Int32.max)))
        },
        "connections.max.idle.ms": { config, name, value throws(BrokerConfigError) in config.connectionsMaxIdleMs = try integer(name, value, min: 1) },
        "max.connections": { config, name, value throws(BrokerConfigError) in config.maxConnections = Int(try integer(name, value, min: 0, max: Int64(Int32.max))) },
        "num.network.threads": { config, name, value throws(BrokerConfigError) in config.numNetworkThreads = Int(try integer(name, value, min: 1, max: 1024)) },
        "num.io.threads": { config, name, value throws(BrokerConfigError) in config.numIoThreads = Int(try integer(name, value, min: 1, max: 1024)) },
        "socket.send.buffer.bytes": { config, name, value throws(BrokerConfigError) in config.socketSendBufferBytes = Int(try integer(name, value, min: -1, max: Int64(Int32.max))) },
        "socket.receive.buffer.bytes": { config, name, value throws(BrokerConfigError) in config.socketReceiveBufferBytes = Int(try integer(name, value, min: -1, max: Int64(Int32.max))) },
        "num.recovery.threads.per.data.dir": { config, name, value throws(BrokerConfigError) in
            config.recoveryThreadsPerDataDir = Int(try integer(name, value, min: 1, max: 1024))
        },
        "log.flush.offset.checkpoint.interval.ms": { config, name, value throws(BrokerConfigError) in
            config.flushOffsetCheckpointIntervalMs = try integer(name, value, min: 1)
        },
        "log.flush.scheduler.interval.ms": { config, name, value throws(BrokerConfigError) in
            config.flushSchedulerIntervalMs = try integer(name, value, min: 1)
        },
        "log.retention.check.interval.ms": { config, name, value throws(BrokerConfigError) in
            config.retentionCheckIntervalMs = try integer(name, value, min: 1)
        },
        "strata.metrics.listener": { config, name, value throws(BrokerConfigError) in
            guard !value.isEmpty else { config.metricsListener = nil; return }
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
                throw BrokerConfigError(name: name, value: value, reason: "must be host:port")
            }
            config.metricsListener = value.isEmpty ? nil : value
        },
        "strata.inline.storage.enable": { config, name, value throws(BrokerConfigError) in config.inlineStorage = try boolean(name, value) },
        "strata.log.writeback.bytes": { config, name, value throws(BrokerConfigError) in
            config.logWritebackBytes = Int(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "strata.log.page.cache.retain.bytes": { config, name, value throws(BrokerConfigError) in
            config.logPageCacheRetainBytes = Int(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "strata.log.preallocate.bytes": { config, name, value throws(BrokerConfigError) in
            config.logPreallocateBytes = Int(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "log.cleaner.enable": { config, name, value throws(BrokerConfigError) in config.cleanerEnable = try boolean(name, value) },
        "producer.id.expiration.ms": { config, name, value throws(BrokerConfigError) in
            config.producerIdExpirationMs = try integer(name, value, min: 1, max: Int64(Int32.max))
        },
        "log.cleaner.backoff.ms": { config, name, value throws(BrokerConfigError) in config.cleanerBackoffMs = try integer(name, value, min: 0) },
        "log.cleaner.dedupe.buffer.size": { config, name, value throws(BrokerConfigError) in
            config.cleaner.dedupeBufferBytes = Int(try integer(name, value, min: 1 << 20))
        },
        "log.cleaner.io.buffer.load.factor": { config, name, value throws(BrokerConfigError) in
            guard let factor = Double(value.trimmingBlanks), factor > 0, factor <= 1 else {
                throw BrokerConfigError(name: name, value: value, reason: "must be a number above 0 and at most 1")
            }
            config.cleaner.loadFactor = factor
        },
        "log.cleaner.io.max.bytes.per.second": { config, name, value throws(BrokerConfigError) in
            guard let rate = Double(value.trimmingBlanks), rate > 0 else {
                throw BrokerConfigError(name: name, value: value, reason: "must be a number above 0")
            }
            config.cleaner.ioMaxBytesPerSecond = rate
        },
        "max.incremental.fetch.session.cache.slots": { config, name, value throws(BrokerConfigError) in
            config.maxIncrementalFetchSessionCacheSlots = Int(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "group.min.session.timeout.ms": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.minSessionTimeoutMs = Int32(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "group.max.session.timeout.ms": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.maxSessionTimeoutMs = Int32(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "group.initial.rebalance.delay.ms": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.initialRebalanceDelayMs = try integer(name, value, min: 0, max: Int64(Int32.max))
        },
        "group.max.size": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.maxGroupSize = Int(try integer(name, value, min: 1, max: Int64(Int32.max)))
        },
        "offset.metadata.max.bytes": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.offsetMetadataMaxBytes = Int(try integer(name, value, min: 0, max: Int64(Int32.max)))
        },
        "offsets.retention.minutes": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.offsetsRetentionMs = try integer(name, value, min: 1, max: Int64.max / 60_000) * 60_000
        },
        "offsets.retention.check.interval.ms": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.offsetsRetentionCheckIntervalMs = try integer(name, value, min: 1)
        },
        "offsets.topic.num.partitions": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.offsetsTopicPartitions = Int32(try integer(name, value, min: 1, max: Int64(TopicRegistry.maxPartitionsPerTopic)))
        },
        "offsets.topic.segment.bytes": { config, name, value throws(BrokerConfigError) in
            config.groupCoordinator.offsetsTopicSegmentBytes = Int(try integer(name, value, min: 14, max: Int64(Int32.max)))
        },
    ]

    static func integer(_ name: String, _ value: String, min: Int64, max: Int64 = .max) throws(BrokerConfigError) -> Int64 {
        guard let number = Int64(value.trimmingBlanks) else { throw BrokerConfigError(name: name, value: value, reason: "not an integer") }
        guard number >= min, number <= max else { throw BrokerConfigError(name: name, value: value, reason: "must be between \(min) and \(max)") }
        return number
    }

    static func boolean(_ name: String, _ value: String) throws(BrokerConfigError) -> Bool {
        switch value.trimmingBlanks.lowercased() {
        case "true": return true
        case "false": return false
        default: throw BrokerConfigError(name: name, value: value, reason: "must be true or false")
        }
    }

    static func listenerList(_ name: String, _ value: String) throws(BrokerConfigError) -> [Listener] {
        switch Listener.parseList(value) {
        case .success(let list): return list
        case .failure(let error):
            throw BrokerConfigError(name: name, value: value, reason: "'\(error.entry)' is not NAME://host:port")
        }
    }

    static func directories(_ name: String, _ value: String) throws(BrokerConfigError) -> [String] {
        let dirs = value.split(separator: ",").map { $0.trimmingBlanks }.filter { !$0.isEmpty }
        guard !dirs.isEmpty else { throw BrokerConfigError(name: name, value: value, reason: "no directory given") }
        guard dirs.count == 1 else {
            throw BrokerConfigError(name: name, value: value, reason: "Strata serves one data directory; \(dirs.count) were given")
        }
        return dirs
    }
}

/// A refused setting: its name, the value given and why.
public struct BrokerConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var reason: String

    public var description: String {
        reason == "unknown setting" ? "unknown setting '\(name)'" : "invalid value '\(value)' for \(name): \(reason)"
    }
}
