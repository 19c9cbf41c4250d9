import Engine
import Tiering

/// The broker's tiered-storage settings (KIP-405): whether the remote log subsystem runs, the
/// remote log manager's schedule and threads, and the remote storage manager's own settings,
/// which Kafka passes through under the `rsm.config.` prefix (the names Aiven's tiered-storage
/// plugin uses, so existing Kafka configs carry over).
public struct TieringSettings: Sendable, Equatable {
    /// `remote.log.storage.system.enable`: start the remote log subsystem. Default false; topics
    /// may set `remote.storage.enable=true` only when this is on.
    public var systemEnable = false
    public var manager = RemoteLogManagerConfig()
    /// `rsm.config.storage.backend`: `s3` or `filesystem`. Default s3.
    public var backend = "s3"
    /// `rsm.config.storage.root`: the folder of the filesystem backend.
    public var root = ""
    /// The backend's own settings (`rsm.config.storage.s3.*`, `rsm.config.storage.aws.*`), with
    /// the `rsm.config.` prefix removed.
    public var storageSettings: [String: String] = [:]

    public init() {}

    static let prefix = "rsm.config."

    /// Applies one setting if it is a tiering one; false when the name is not.
    mutating func apply(_ name: String, _ value: String) throws(BrokerConfigError) -> Bool {
        switch name {
        case "remote.log.storage.system.enable": systemEnable = try BrokerConfig.boolean(name, value)
        case "remote.log.manager.task.interval.ms": manager.taskIntervalMs = try BrokerConfig.integer(name, value, min: 1)
        case "remote.log.manager.copier.thread.pool.size", "remote.log.manager.thread.pool.size":
            manager.copierThreads = Int(try BrokerConfig.integer(name, value, min: 1, max: 1024))
        case "remote.log.reader.threads": manager.readerThreads = Int(try BrokerConfig.integer(name, value, min: 1, max: 1024))
        case "remote.log.storage.manager.impl.prefix":
            guard value == Self.prefix else { throw BrokerConfigError(name: name, value: value, reason: "only \(Self.prefix) is supported") }
        case "rsm.config.storage.backend":
            guard ["s3", "filesystem"].contains(value) else { throw BrokerConfigError(name: name, value: value, reason: "must be s3 or filesystem") }
            backend = value
        case "rsm.config.storage.root": root = value
        case "rsm.config.chunk.size": manager.chunkSize = Int(try BrokerConfig.integer(name, value, min: 4096, max: Int64(Int32.max)))
        case "rsm.config.fetch.chunk.cache.size": manager.chunkCacheBytes = try BrokerConfig.integer(name, value, min: 4096)
        case "rsm.config.fetch.chunk.cache.path": manager.chunkCachePath = value
        case "rsm.config.fetch.chunk.cache.prefetch.max.size":
            manager.prefetchBytes = Int(try BrokerConfig.integer(name, value, min: 0, max: Int64(Int32.max)))
        default:
            guard name.hasPrefix(Self.prefix + "storage.s3.") || name.hasPrefix(Self.prefix + "storage.aws.") else { return false }
            storageSettings[String(name.dropFirst(Self.prefix.count))] = value
        }
        return true
    }

    /// Cross-setting checks, once every setting is applied.
    func validate() throws(BrokerConfigError) {
        guard systemEnable else { return }
        if manager.chunkCacheBytes < Int64(manager.chunkSize) {
            throw BrokerConfigError(name: "rsm.config.fetch.chunk.cache.size", value: String(manager.chunkCacheBytes),
                                    reason: "must hold at least one chunk (rsm.config.chunk.size = \(manager.chunkSize))")
        }
        if backend == "filesystem" && root.isEmpty {
            throw BrokerConfigError(name: "rsm.config.storage.root", value: "", reason: "the filesystem backend needs a folder")
        }
    }

    /// Opens the configured remote store.
    func makeStore() throws(BrokerConfigError) -> RemoteStorage {
        do throws(RemoteStorageError) {
            switch backend {
            case "filesystem": return try LocalFolderRemoteStorage(root: root)
            default: return try S3RemoteStorage(settings: storageSettings)
            }
        } catch {
            if case let .invalidConfig(name, value, reason) = error {
                throw BrokerConfigError(name: name.hasPrefix(Self.prefix) ? name : Self.prefix + name, value: value, reason: reason)
            }
            throw BrokerConfigError(name: "rsm.config.storage.backend", value: backend, reason: "\(error)")
        }
    }
}
