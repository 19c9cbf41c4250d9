import Engine
import Tiering

extension TopicRegistry {
    /// The remote log manager over this registry's logs. A partition's objects live under
    /// `<topic>-<topic id>/<partition>/`, so a topic deleted and created again under the same name
    /// never meets the old topic's remote segments.
    func makeRemoteLogManager() throws(BrokerStorageError) -> RemoteLogManager {
        let store: RemoteStorage
        do {
            store = try config.tiering.makeStore()
        } catch {
            throw .tiering(error.description)
        }
        do {
            return try RemoteLogManager(
                store: store, config: config.tiering.manager, logManager: logManager, logger: logger,
                folderName: { [weak self] partition in
                    RemotePartitionFolder.name(topic: partition.topic, topicId: self?.topic(named: partition.topic)?.id.description ?? "unknown",
                                               partition: partition.partition)
                })
        } catch {
            throw .tiering(error.description)
        }
    }

    /// Kafka's rules for `remote.storage.enable`: the broker's remote log subsystem must be on,
    /// and once a topic is tiered it cannot be turned off (its remote data would be orphaned).
    func checkTiering(_ logConfig: LogConfig, was previous: LogConfig?) throws(TopicConfigError) {
        if logConfig.remoteStorageEnable && !config.tiering.systemEnable {
            throw TopicConfigError(name: "remote.storage.enable", value: "true",
                                   reason: "tiered storage is disabled on this broker (remote.log.storage.system.enable=false)")
        }
        if previous?.remoteStorageEnable == true && !logConfig.remoteStorageEnable {
            throw TopicConfigError(name: "remote.storage.enable", value: "false",
                                   reason: "remote storage cannot be disabled once enabled on a topic")
        }
    }

    /// Before a tiered topic's partitions are deleted: their store folders go on the list of
    /// folders to empty (`remote-log-deletions-pending`, saved first, so a store that is down or a
    /// crash in the middle of the deletion leaves nothing behind; see `scheduleDeletion`).
    func scheduleRemoteDeletion(of topic: Topic) throws(EngineError) {
        guard let tiering, topic.logConfig.remoteStorageEnable else { return }
        try recordRemoteDeletion(of: topic.metadata) { folders throws(TieringError) in try tiering.scheduleDeletion(ofFolders: folders) }
    }

    /// A deletion interrupted by a crash may have stopped before its folders were listed: lists
    /// them again from the topic's `.deleting` file (a folder listed twice stays listed once),
    /// for the remote log manager to empty once it starts.
    func recordRemoteDeletion(ofInterrupted name: String) throws(EngineError) {
        guard let metadata = files.deletingMetadata(name),
              (try? TopicConfigs.logConfig(overrides: metadata.configs, base: config.defaultLogConfig))?.remoteStorageEnable == true else { return }
        let directory = logManager.directory
        try recordRemoteDeletion(of: metadata) { folders throws(TieringError) in try PendingRemoteDeletions(directory: directory).add(folders) }
    }

    private func recordRemoteDeletion(of metadata: TopicMetadata, _ record: ([String]) throws(TieringError) -> Void) throws(EngineError) {
        let folders = (0..<metadata.partitionCount).map {
            RemotePartitionFolder.name(topic: metadata.name, topicId: metadata.id.description, partition: $0)
        }
        do {
            try record(folders)
        } catch {
            throw .invalidArgument("cannot record the remote folders of deleted topic \(metadata.name): \(error)")
        }
    }

    /// The log start offset clients see: the remote one for tiered partitions. `localStart` is
    /// the log's own start when the caller already has it (a read result carries it), which
    /// spares the log's lock on the fetch path of brokers without tiering.
    func logStartOffset(of log: PartitionLog, localStart: Int64? = nil) -> Int64 {
        guard let tiering, log.config.remoteStorageEnable else { return localStart ?? log.logStartOffset }
        return tiering.logStartOffset(of: log)
    }

    /// The last offset in the remote store (ListOffsets latest-tiered), nil when nothing is remote.
    func highestRemoteOffset(of log: PartitionLog) -> Int64? {
        guard let tiering, log.config.remoteStorageEnable, let manifest = try? tiering.manifest(for: log), manifest.highestOffset >= 0 else { return nil }
        return manifest.highestOffset
    }

    /// ListOffsets by timestamp in the remote part of a tiered log; nil when the answer is local.
    func remoteOffset(forTimestamp timestamp: Int64, of log: PartitionLog) throws(EngineError) -> (timestamp: Int64, offset: Int64)? {
        guard let tiering, log.config.remoteStorageEnable, tiering.logStartOffset(of: log) < log.logStartOffset else { return nil }
        do {
            guard let hit = try tiering.offset(forTimestamp: timestamp, of: log), hit.offset < log.logStartOffset else { return nil }
            return (hit.timestamp, hit.offset)
        } catch {
            throw .invalidArgument("remote timestamp lookup failed: \(error)")
        }
    }

    /// DeleteRecords: through the remote log manager for tiered partitions (the offset may lie in
    /// the remote log), else the engine's.
    func deleteRecords(of log: PartitionLog, before offset: Int64) throws(EngineError) -> Int64 {
        guard let tiering, log.config.remoteStorageEnable else { return try logManager.deleteRecords(log.topicPartition, before: offset) }
        do {
            return try tiering.deleteRecords(of: log, before: offset)
        } catch {
            if case let .engine(engineError) = error { throw engineError }
            throw .io(operation: "delete remote records", path: log.topicPartition.description, errno: 5)
        }
    }
}
