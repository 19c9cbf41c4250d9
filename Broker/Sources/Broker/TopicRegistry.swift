import Engine
import Tiering
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers

/// The topics of this broker: their metadata (durable in `TopicMetadataFile`s) and their partition
/// logs (in the engine's `LogManager`). Creates and deletes topics.
///
/// Concurrency: lookups take `lock` briefly and return immutable `Topic` snapshots; creations and
/// deletions are serialised by `adminLock` (held across their file work) and publish their result
/// under `lock`. Safe from any thread.
public final class TopicRegistry: @unchecked Sendable {
    /// A topic and its partition logs, indexed by partition number.
    public struct Topic: Sendable {
        public var metadata: TopicMetadata
        public var logConfig: LogConfig
        public var logs: [PartitionLog]

        public var name: String { metadata.name }
        public var id: KafkaUUID { metadata.id }

        public func log(_ partition: Int32) -> PartitionLog? {
            partition >= 0 && Int(partition) < logs.count ? logs[Int(partition)] : nil
        }
    }

    public let logManager: LogManager
    /// The remote log manager when `remote.log.storage.system.enable` is on.
    public private(set) var tiering: RemoteLogManager?
    public let metaProperties: MetaProperties
    let config: BrokerConfig
    let leadership: any PartitionLeadership
    let waiters: FetchWaiters
    let files: TopicMetadataFile
    let logger: Logger

    private let lock = NIOLock()
    private var byName: [String: Topic] = [:]
    private var nameById: [KafkaUUID: String] = [:]
    private let adminLock = NIOLock()

    /// A guard against a request that would create millions of partition directories on one
    /// broker (Kafka has no such limit; its controller would be as overwhelmed).
    public static let maxPartitionsPerTopic: Int32 = 100_000

    private init(logManager: LogManager, metaProperties: MetaProperties, config: BrokerConfig, leadership: any PartitionLeadership,
                 waiters: FetchWaiters, files: TopicMetadataFile, logger: Logger) {
        self.logManager = logManager
        self.metaProperties = metaProperties
        self.config = config
        self.leadership = leadership
        self.waiters = waiters
        self.files = files
        self.logger = logger
    }

    /// Opens the data directory: reads the topic files, opens (and if needed recovers) every
    /// partition log, finishes interrupted deletions, creates partitions that a crash left
    /// uncreated, and adopts partition directories that have no topic file.
    static func open(config: BrokerConfig, leadership: any PartitionLeadership, waiters: FetchWaiters, logger: Logger) throws(BrokerStorageError) -> TopicRegistry {
        let files = TopicMetadataFile(logDir: config.logDir)
        let contents = try files.load()
        var logConfigs: [String: LogConfig] = [:]
        for topic in contents.topics {
            do {
                logConfigs[topic.name] = try TopicConfigs.logConfig(overrides: topic.configs, base: config.defaultLogConfig)
            } catch {
                throw .corruptTopicMetadata(file: files.path(for: topic.name), reason: "\(error)")
            }
        }
        let knownConfigs = logConfigs
        let manager: LogManager
        let report: LogManager.OpenReport
        do {
            (manager, report) = try LogManager.open(
                directory: config.logDir, defaultConfig: config.defaultLogConfig, recoveryThreads: config.recoveryThreadsPerDataDir,
                configFor: { knownConfigs[$0.topic] })
        } catch {
            throw .engine(error)
        }
        let recovered = report.partitions.count
        logger.info("opened \(config.logDir): \(recovered) partition(s) in \(report.seconds)s, clean shutdown: \(report.hadCleanShutdown)")
        for (partition, opened) in report.partitions.sorted(by: { $0.key < $1.key }) {
            if opened.truncatedBytes > 0 || opened.deletedSegments > 0 {
                logger.warning("recovered \(partition): cut \(opened.truncatedBytes) byte(s) of torn or invalid batches, deleted \(opened.deletedSegments) segment(s)")
            }
            if let corruption = opened.corruption {
                logger.warning("recovered \(partition) past corrupt data: \(corruption)")
            }
            for snapshot in opened.corruptSnapshots {
                logger.warning("\(partition): \(snapshot); producer state rebuilt from the log")
            }
        }
        let meta: MetaProperties
        do {
            meta = try MetaProperties.loadOrCreate(logDir: config.logDir, nodeId: config.nodeId)
        } catch {
            try? manager.close()
            throw error
        }
        let registry = TopicRegistry(logManager: manager, metaProperties: meta, config: config, leadership: leadership,
                                     waiters: waiters, files: files, logger: logger)
        do {
            try registry.reconcile(contents, logConfigs: logConfigs)
        } catch {
            try? manager.close()
            throw .engine(error)
        }
        if config.tiering.systemEnable {
            do {
                registry.tiering = try registry.makeRemoteLogManager()
            } catch {
                try? manager.close()
                throw error
            }
        }
        return registry
    }

    private func reconcile(_ contents: TopicMetadataFile.Contents, logConfigs: [String: LogConfig]) throws(EngineError) {
        let existing = logManager.allLogs
        for name in contents.interruptedDeletes {
            logger.info("finishing the interrupted deletion of topic \(name)")
            try recordRemoteDeletion(ofInterrupted: name)
            for log in existing where log.topicPartition.topic == name { try logManager.deleteLog(log.topicPartition) }
            try files.removeDeleting(name)
        }
        var topics: [String: Topic] = [:]
        for metadata in contents.topics {
            let logConfig = logConfigs[metadata.name] ?? config.defaultLogConfig
            var logs: [PartitionLog] = []
            for partition in 0..<metadata.partitionCount {
                logs.append(try logManager.getOrCreateLog(TopicPartition(topic: metadata.name, partition: partition), config: logConfig))
            }
            topics[metadata.name] = Topic(metadata: metadata, logConfig: logConfig, logs: logs)
        }
        // Partition directories without a topic file (a data directory from before topic files,
        // or copied in by hand): adopt them with default configs.
        let orphans = Dictionary(grouping: logManager.allLogs.filter { topics[$0.topicPartition.topic] == nil }, by: { $0.topicPartition.topic })
        for (name, logs) in orphans.sorted(by: { $0.key < $1.key }) {
            guard TopicName.invalidReason(name) == nil else {
                logger.warning("ignoring partition directories of '\(name)': not a valid topic name")
                continue
            }
            let count = (logs.map(\.topicPartition.partition).max() ?? 0) + 1
            let metadata = TopicMetadata(name: name, id: TopicMetadata.randomTopicId(), partitionCount: count,
                                         replicationFactor: config.defaultReplicationFactor)
            try files.write(metadata)
            var all: [PartitionLog] = []
            for partition in 0..<count {
                all.append(try logManager.getOrCreateLog(TopicPartition(topic: name, partition: partition), config: config.defaultLogConfig))
            }
            logger.warning("adopted topic \(name) (\(count) partition(s)) found without a topic file")
            topics[name] = Topic(metadata: metadata, logConfig: config.defaultLogConfig, logs: all)
        }
        for topic in topics.values { for log in topic.logs { attach(log) } }
        lock.withLock {
            byName = topics
            nameById = Dictionary(uniqueKeysWithValues: topics.values.map { ($0.id, $0.name) })
        }
    }

    /// Wires a partition log to the leadership seam and the long-poll waiters.
    private func attach(_ log: PartitionLog) {
        let partition = log.topicPartition
        let leadership = leadership
        let waiters = waiters
        log.appendListener = { [weak log] end in
            if let log { leadership.didAppend(to: log, logEndOffset: end) }
            waiters.wake(partition)
        }
        leadership.becameLeader(of: log)
    }

    // MARK: Lookups

    public func topic(named name: String) -> Topic? { lock.withLock { byName[name] } }

    public func topic(id: KafkaUUID) -> Topic? {
        lock.withLock { nameById[id].flatMap { byName[$0] } }
    }

    /// Every topic, sorted by name.
    public var allTopics: [Topic] {
        lock.withLock { byName.values.sorted { $0.name < $1.name } }
    }

    public var clusterId: String { metaProperties.clusterId }

    // MARK: Creation and deletion

    /// Creates a topic (or with `validateOnly` only checks that it could be created).
    public func createTopic(
        name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String], validateOnly: Bool = false
    ) -> Result<Topic, TopicAdminError> {
        if let reason = TopicName.invalidReason(name) { return .failure(TopicAdminError(.invalidTopicException, reason)) }
        guard partitions > 0 else {
            return .failure(TopicAdminError(.invalidPartitions, "number of partitions must be larger than 0"))
        }
        guard partitions <= Self.maxPartitionsPerTopic else {
            return .failure(TopicAdminError(.invalidPartitions,
                                            "number of partitions \(partitions) is above this broker's limit of \(Self.maxPartitionsPerTopic)"))
        }
        guard replicationFactor > 0 else {
            return .failure(TopicAdminError(.invalidReplicationFactor, "replication factor must be larger than 0"))
        }
        guard replicationFactor == 1 else {
            return .failure(TopicAdminError(.invalidReplicationFactor,
                                            "replication factor: \(replicationFactor) larger than available brokers: 1"))
        }
        let logConfig: LogConfig
        do {
            logConfig = try TopicConfigs.logConfig(overrides: configs, base: config.defaultLogConfig)
            try checkTiering(logConfig, was: nil)
        } catch {
            return .failure(TopicAdminError(.invalidConfig, error.description))
        }
        return adminLock.withLock { () -> Result<Topic, TopicAdminError> in
            if topic(named: name) != nil {
                return .failure(TopicAdminError(.topicAlreadyExists, "topic '\(name)' already exists"))
            }
            let metadata = TopicMetadata(name: name, id: TopicMetadata.randomTopicId(), partitionCount: partitions,
                                         replicationFactor: replicationFactor, configs: configs)
            if validateOnly { return .success(Topic(metadata: metadata, logConfig: logConfig, logs: [])) }
            var logs: [PartitionLog] = []
            do {
                // The topic file first: a crash after it leaves a topic whose missing partitions
                // the next start creates; a crash before it leaves nothing.
                try files.write(metadata)
                for partition in 0..<partitions {
                    logs.append(try logManager.getOrCreateLog(TopicPartition(topic: name, partition: partition), config: logConfig))
                }
            } catch {
                logger.error("creating topic \(name) failed: \(error)")
                for log in logs { try? logManager.deleteLog(log.topicPartition) }
                try? files.markDeleting(name)
                try? files.removeDeleting(name)
                return .failure(TopicAdminError(.kafkaStorageError, "creating topic '\(name)' failed: \(error)"))
            }
            for log in logs { attach(log) }
            let topic = Topic(metadata: metadata, logConfig: logConfig, logs: logs)
            lock.withLock {
                byName[name] = topic
                nameById[metadata.id] = name
            }
            logger.info("created topic \(name) (id \(metadata.id), \(partitions) partition(s))")
            return .success(topic)
        }
    }

    /// Deletes a topic and its partition logs.
    @discardableResult
    public func deleteTopic(named name: String) -> Result<TopicMetadata, TopicAdminError> {
        adminLock.withLock { () -> Result<TopicMetadata, TopicAdminError> in
            guard let topic = lock.withLock({ byName.removeValue(forKey: name) }) else {
                return .failure(TopicAdminError(.unknownTopicOrPartition, "topic '\(name)' does not exist"))
            }
            lock.withLock { nameById[topic.id] = nil }
            do {
                try files.markDeleting(name)
                try scheduleRemoteDeletion(of: topic)
                for log in topic.logs {
                    log.appendListener = nil
                    tiering?.forget(log.topicPartition)
                    try logManager.deleteLog(log.topicPartition)
                }
                tiering?.deletePendingFoldersSoon()
                try files.removeDeleting(name)
            } catch {
                logger.error("deleting topic \(name) failed: \(error); the next start finishes it")
                return .failure(TopicAdminError(.kafkaStorageError, "deleting topic '\(name)' failed: \(error)"))
            }
            waiters.wakeAll()
            logger.info("deleted topic \(name) (id \(topic.id))")
            return .success(topic.metadata)
        }
    }

    /// CreatePartitions: grows a topic to `count` partitions (or with `validateOnly` only checks
    /// that it could). The topic file is written first: a crash after it leaves partitions that
    /// the next start creates.
    public func createPartitions(name: String, count: Int32, validateOnly: Bool = false) -> Result<Topic, TopicAdminError> {
        adminLock.withLock { () -> Result<Topic, TopicAdminError> in
            guard var topic = topic(named: name) else {
                return .failure(TopicAdminError(.unknownTopicOrPartition, "topic '\(name)' does not exist"))
            }
            let current = topic.metadata.partitionCount
            if count < current {
                return .failure(TopicAdminError(.invalidPartitions, "Topic \(name) currently has \(current) partition(s); \(count) would not be an increase."))
            }
            if count == current {
                return .failure(TopicAdminError(.invalidPartitions, "Topic already has \(current) partition(s)."))
            }
            guard count <= Self.maxPartitionsPerTopic else {
                return .failure(TopicAdminError(.invalidPartitions,
                                                "number of partitions \(count) is above this broker's limit of \(Self.maxPartitionsPerTopic)"))
            }
            if validateOnly { return .success(topic) }
            var metadata = topic.metadata
            metadata.partitionCount = count
            var added: [PartitionLog] = []
            do {
                try files.write(metadata)
                for partition in current..<count {
                    added.append(try logManager.getOrCreateLog(TopicPartition(topic: name, partition: partition), config: topic.logConfig))
                }
            } catch {
                logger.error("adding partitions to \(name) failed: \(error); the next start creates the missing ones")
                return .failure(TopicAdminError(.kafkaStorageError, "adding partitions to '\(name)' failed: \(error)"))
            }
            for log in added { attach(log) }
            topic.metadata = metadata
            topic.logs += added
            let updated = topic
            lock.withLock { byName[name] = updated }
            logger.info("topic \(name) now has \(count) partition(s)")
            return .success(updated)
        }
    }

    /// Replaces a topic's config overrides (AlterConfigs and IncrementalAlterConfigs): validated
    /// by the engine's `LogConfig`, written to the topic file, then applied to every partition log
    /// at once (`PartitionLog.updateConfig`: retention, sizes and limits take effect live).
    public func alterConfigs(name: String, overrides: [String: String], validateOnly: Bool = false) -> Result<Topic, TopicAdminError> {
        let logConfig: LogConfig
        do {
            logConfig = try TopicConfigs.logConfig(overrides: overrides, base: config.defaultLogConfig)
            try checkTiering(logConfig, was: topic(named: name)?.logConfig)
        } catch {
            return .failure(TopicAdminError(.invalidConfig, error.description))
        }
        return adminLock.withLock { () -> Result<Topic, TopicAdminError> in
            guard var topic = topic(named: name) else {
                return .failure(TopicAdminError(.unknownTopicOrPartition, "topic '\(name)' does not exist"))
            }
            if validateOnly { return .success(topic) }
            var metadata = topic.metadata
            metadata.configs = overrides
            do {
                try files.write(metadata)
            } catch {
                logger.error("writing the configs of topic \(name) failed: \(error)")
                return .failure(TopicAdminError(.kafkaStorageError, "writing the configs of '\(name)' failed: \(error)"))
            }
            for log in topic.logs { log.updateConfig(logConfig) }
            topic.metadata = metadata
            topic.logConfig = logConfig
            let updated = topic
            lock.withLock { byName[name] = updated }
            logger.info("topic \(name) configs now \(overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
            return .success(updated)
        }
    }

    /// Flushes and closes every log and writes the clean-shutdown marker.
    public func close() throws(EngineError) {
        try logManager.close()
    }
}

/// Why a topic could not be created or deleted: Kafka's error code and a message for the client.
public struct TopicAdminError: Error, Equatable, Sendable {
    public var code: KafkaErrorCode
    public var message: String

    public init(_ code: KafkaErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
