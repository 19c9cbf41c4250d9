/// A partition log's settings, under Kafka's topic-level config names and with Kafka's defaults.
/// The broker builds one from its `log.*` defaults and a topic's overrides.
public struct LogConfig: Equatable, Sendable {
    /// `segment.bytes`: roll the active segment once it would grow past this. Default 1 GiB.
    public var segmentBytes: Int = 1_073_741_824
    /// `segment.ms`: roll a segment this long after its first batch's timestamp. Default 7 days.
    public var segmentMs: Int64 = 604_800_000
    /// `segment.jitter.ms`: the most a roll may be brought forward, to spread rolls out. Default 0.
    public var segmentJitterMs: Int64 = 0
    /// `segment.index.bytes`: size of preallocated index files; a full index rolls the segment. Default 10 MiB.
    public var segmentIndexBytes: Int = 10_485_760
    /// `index.interval.bytes`: bytes of log between offset-index entries. Default 4096.
    public var indexIntervalBytes: Int = 4096
    /// `flush.messages`: fsync after this many messages (1 = every append). Default: never (Long.MAX).
    public var flushMessages: Int64 = Int64.max
    /// `flush.ms`: fsync when the oldest unflushed append is this old. Default: never (Long.MAX).
    public var flushMs: Int64 = Int64.max
    /// `max.message.bytes`: the largest record batch accepted. Default 1048588.
    public var maxMessageBytes: Int = 1_048_588
    /// `message.timestamp.type`: CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's clock.
    public var messageTimestampType: TimestampType = .createTime
    /// `retention.ms`: delete segments whose newest record is older than this; -1 for unlimited. Default 7 days.
    public var retentionMs: Int64 = 604_800_000
    /// `retention.bytes`: delete the oldest segments while the log is larger than this; -1 for unlimited.
    public var retentionBytes: Int64 = -1
    /// `cleanup.policy`: "delete", "compact" or "compact,delete". Default "delete".
    public var cleanupPolicy: String = "delete"
    /// `delete.retention.ms`: how long tombstones and transaction markers survive after the cleaner
    /// first saw them. Default 1 day.
    public var deleteRetentionMs: Int64 = 86_400_000
    /// `min.cleanable.dirty.ratio`: clean once dirty bytes / all bytes reach this. Default 0.5.
    public var minCleanableDirtyRatio: Double = 0.5
    /// `min.compaction.lag.ms`: records newer than this are not compacted yet. Default 0.
    public var minCompactionLagMs: Int64 = 0
    /// `max.compaction.lag.ms`: dirty records older than this are compacted whatever the ratio. Default Long.MAX.
    public var maxCompactionLagMs: Int64 = Int64.max
    /// `file.delete.delay.ms`: how long a deleted segment's files stay as `.deleted`. Default 60 s.
    public var fileDeleteDelayMs: Int64 = 60_000
    /// `strata.recovery.policy`: what recovery does with a corrupt batch (see `RecoveryPolicy`).
    public var recoveryPolicy: RecoveryPolicy = .truncate
    /// `remote.storage.enable`: offload closed segments to the remote store (KIP-405). Default false.
    public var remoteStorageEnable = false
    /// `local.retention.ms`: with remote storage, how long uploaded segments also stay on local
    /// disk; -2 means `retention.ms`. Default -2.
    public var localRetentionMs: Int64 = -2
    /// `local.retention.bytes`: with remote storage, the most local bytes kept once uploaded;
    /// -2 means `retention.bytes`. Default -2.
    public var localRetentionBytes: Int64 = -2
    /// `producer.id.expiration.ms` (a broker setting in Kafka, not a topic config, so it is not in
    /// `names`): a producer without a batch for this long is forgotten, unless its transaction is
    /// open. Default 1 day.
    public var producerIdExpirationMs: Int64 = 86_400_000
    /// `strata.log.writeback.bytes` (a broker setting, not a topic config): once this many bytes
    /// have been appended to the active segment since the last time, the engine asks the kernel to
    /// start writing them to disk, without waiting. Dirty pages then never pile up behind the tail
    /// to be written all at once by a roll's fsync or the kernel's flusher, and a flush finds
    /// little left to do. 0 leaves writeback to the kernel alone. Default 1 MiB.
    public var writebackBytes: Int = 1 << 20
    /// `preallocate`: reserve a new segment's whole `segment.bytes` on disk with its first append,
    /// instead of `preallocateBytes` at a time (the file's size still grows with the appends, and
    /// a roll gives back what was not used). Default false, as in Kafka.
    public var preallocate = false
    /// `strata.log.preallocate.bytes` (a broker setting, not a topic config): the active
    /// segment's file is reserved on disk this many bytes at a time ahead of the appends
    /// (`fallocate` keeping the file's size; never past `segment.bytes`), so appends do not pay
    /// the file system's delayed allocation block by block; what a segment did not use is given
    /// back when it rolls or the log closes. 0 turns it off. Default 4 MiB.
    public var preallocateBytes: Int = 4 << 20
    /// `strata.log.page.cache.retain.bytes` (a broker setting, not a topic config): with
    /// writeback on, how much of the active segment behind its tail stays in the page cache;
    /// older pages leave it once written, so a steady stream of appends reuses memory instead of
    /// growing the cache (consumers reading further back read from disk). 0 keeps everything, as
    /// Kafka does. Default 0.
    public var pageCacheRetainBytes: Int = 0

    public init() {}

    /// `cleanup.policy` includes `delete`: retention by time and size applies.
    public var deletesByRetention: Bool { cleanupPolicy.split(separator: ",").contains("delete") }
    /// `cleanup.policy` includes `compact`: the cleaner keeps the latest record per key.
    public var isCompacted: Bool { cleanupPolicy.split(separator: ",").contains("compact") }

    /// How long uploaded segments stay local: `local.retention.ms`, or `retention.ms` for -2.
    public var effectiveLocalRetentionMs: Int64 { localRetentionMs == -2 ? retentionMs : localRetentionMs }
    /// The most bytes kept local once uploaded: `local.retention.bytes`, or `retention.bytes` for -2.
    public var effectiveLocalRetentionBytes: Int64 { localRetentionBytes == -2 ? retentionBytes : localRetentionBytes }

    /// This config with local retention in place of total retention: what retention applies to the
    /// local copies of a tiered log.
    public var localRetention: LogConfig {
        var local = self
        local.retentionMs = effectiveLocalRetentionMs
        local.retentionBytes = effectiveLocalRetentionBytes
        return local
    }

    /// Kafka's cross-setting rules for tiered topics, checked once all settings are applied:
    /// compacted topics cannot be tiered, and local retention may not exceed total retention.
    public func validateTiering() throws(EngineError) {
        guard remoteStorageEnable else { return }
        if isCompacted {
            throw .invalidConfig(name: "remote.storage.enable", value: "true", reason: "compacted topics (cleanup.policy=\(cleanupPolicy)) cannot use remote storage")
        }
        if retentionMs != -1, effectiveLocalRetentionMs == -1 || effectiveLocalRetentionMs > retentionMs {
            throw .invalidConfig(name: "local.retention.ms", value: String(localRetentionMs), reason: "must not exceed retention.ms (\(retentionMs))")
        }
        if retentionBytes != -1, effectiveLocalRetentionBytes == -1 || effectiveLocalRetentionBytes > retentionBytes {
            throw .invalidConfig(name: "local.retention.bytes", value: String(localRetentionBytes), reason: "must not exceed retention.bytes (\(retentionBytes))")
        }
    }

    /// The value of a setting by its Kafka name, as DescribeConfigs reports it.
    public func value(of name: String) -> String? {
        switch name {
        case "segment.bytes": String(segmentBytes)
        case "segment.ms": String(segmentMs)
        case "segment.jitter.ms": String(segmentJitterMs)
        case "segment.index.bytes": String(segmentIndexBytes)
        case "index.interval.bytes": String(indexIntervalBytes)
        case "flush.messages": String(flushMessages)
        case "flush.ms": String(flushMs)
        case "max.message.bytes": String(maxMessageBytes)
        case "message.timestamp.type": messageTimestampType.rawValue
        case "retention.ms": String(retentionMs)
        case "retention.bytes": String(retentionBytes)
        case "cleanup.policy": cleanupPolicy
        case "delete.retention.ms": String(deleteRetentionMs)
        case "min.cleanable.dirty.ratio": String(minCleanableDirtyRatio)
        case "min.compaction.lag.ms": String(minCompactionLagMs)
        case "max.compaction.lag.ms": String(maxCompactionLagMs)
        case "file.delete.delay.ms": String(fileDeleteDelayMs)
        case "strata.recovery.policy": recoveryPolicy.rawValue
        case "remote.storage.enable": String(remoteStorageEnable)
        case "local.retention.ms": String(localRetentionMs)
        case "local.retention.bytes": String(localRetentionBytes)
        case "preallocate": String(preallocate)
        default: nil
        }
    }

    /// The config names this type understands, for validation and DescribeConfigs.
    public static let names: [String] = [
        "segment.bytes", "segment.ms", "segment.jitter.ms", "segment.index.bytes", "index.interval.bytes",
        "flush.messages", "flush.ms", "max.message.bytes", "message.timestamp.type", "retention.ms",
        "retention.bytes", "cleanup.policy", "delete.retention.ms", "min.cleanable.dirty.ratio",
        "min.compaction.lag.ms", "max.compaction.lag.ms", "file.delete.delay.ms", "strata.recovery.policy",
        "remote.storage.enable", "local.retention.ms", "local.retention.bytes", "preallocate",
    ]

    /// Applies topic-level overrides by Kafka name. Unknown names and bad values are refused with an
    /// error that names the setting.
    public init(overrides: [String: String], base: LogConfig = LogConfig()) throws(EngineError) {
        self = base
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            try set(name, value)
        }
        try validateTiering()
    }

    public mutating func set(_ name: String, _ value: String) throws(EngineError) {
        switch name {
        case "segment.bytes": segmentBytes = Int(try Self.integer(name, value, min: 14, max: Int64(Int32.max)))
        case "segment.ms": segmentMs = try Self.integer(name, value, min: 1)
        case "segment.jitter.ms": segmentJitterMs = try Self.integer(name, value, min: 0)
        case "segment.index.bytes": segmentIndexBytes = Int(try Self.integer(name, value, min: 4, max: Int64(Int32.max)))
        case "index.interval.bytes": indexIntervalBytes = Int(try Self.integer(name, value, min: 0, max: Int64(Int32.max)))
        case "flush.messages": flushMessages = try Self.integer(name, value, min: 1)
        case "flush.ms": flushMs = try Self.integer(name, value, min: 0)
        case "max.message.bytes": maxMessageBytes = Int(try Self.integer(name, value, min: 0, max: Int64(Int32.max)))
        case "message.timestamp.type":
            guard let type = TimestampType(rawValue: value) else {
                throw .invalidConfig(name: name, value: value, reason: "must be CreateTime or LogAppendTime")
            }
            messageTimestampType = type
        case "retention.ms": retentionMs = try Self.integer(name, value, min: -1)
        case "retention.bytes": retentionBytes = try Self.integer(name, value, min: -1)
        case "cleanup.policy":
            let parts = Set(value.split(separator: ",").map { $0.trimmedOfBlanks })
            guard !parts.isEmpty, parts.isSubset(of: ["delete", "compact"]) else {
                throw .invalidConfig(name: name, value: value, reason: "must be delete, compact or compact,delete")
            }
            cleanupPolicy = parts.sorted().joined(separator: ",")
        case "delete.retention.ms": deleteRetentionMs = try Self.integer(name, value, min: 0)
        case "min.cleanable.dirty.ratio":
            guard let ratio = Double(value.trimmedOfBlanks), ratio >= 0, ratio <= 1 else {
                throw .invalidConfig(name: name, value: value, reason: "must be a number between 0 and 1")
            }
            minCleanableDirtyRatio = ratio
        case "min.compaction.lag.ms": minCompactionLagMs = try Self.integer(name, value, min: 0)
        case "max.compaction.lag.ms": maxCompactionLagMs = try Self.integer(name, value, min: 1)
        case "file.delete.delay.ms": fileDeleteDelayMs = try Self.integer(name, value, min: 0)
        case "strata.recovery.policy":
            guard let policy = RecoveryPolicy(rawValue: value) else {
                throw .invalidConfig(name: name, value: value, reason: "must be one of \(RecoveryPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            recoveryPolicy = policy
        case "remote.storage.enable": remoteStorageEnable = try Self.boolean(name, value)
        case "preallocate": preallocate = try Self.boolean(name, value)
        case "local.retention.ms": localRetentionMs = try Self.integer(name, value, min: -2)
        case "local.retention.bytes": localRetentionBytes = try Self.integer(name, value, min: -2)
        default:
            throw .invalidConfig(name: name, value: value, reason: "unknown topic config")
        }
    }

    static func boolean(_ name: String, _ value: String) throws(EngineError) -> Bool {
        switch value.trimmedOfBlanks.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidConfig(name: name, value: value, reason: "must be true or false")
        }
    }

    static func integer(_ name: String, _ value: String, min: Int64, max: Int64 = .max) throws(EngineError) -> Int64 {
        guard let number = Int64(value.trimmedOfBlanks) else {
            throw .invalidConfig(name: name, value: value, reason: "not an integer")
        }
        guard number >= min, number <= max else {
            throw .invalidConfig(name: name, value: value, reason: "must be between \(min) and \(max)")
        }
        return number
    }
}

/// What recovery does when it meets a batch that fails validation (bad CRC, torn, misframed) in a
/// segment it scans after an unclean stop.
public enum RecoveryPolicy: String, Sendable, CaseIterable {
    /// Kafka's behaviour: keep everything before the bad batch, cut the segment there and delete
    /// the segments after it. Right for torn tails, where the bytes were never acknowledged as flushed.
    case truncate
    /// Refuse to open the partition, reporting the file and byte position, so an operator can
    /// inspect it with `strata dump --verify` before deciding.
    case fail
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs (the engine avoids Foundation).
    var trimmedOfBlanks: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
