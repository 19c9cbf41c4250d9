import ArgumentParser
import Engine

/// The topic configs `strata tune simulate` and `apply` take, one `--<name> <value>` flag per
/// Kafka topic config the engine understands (`LogConfig.names`), plus `--config name=value` for
/// any of them. Values are checked by `LogConfig`: an unknown name or a bad value is refused with
/// a message naming it.
struct TopicConfigFlags: ParsableArguments {
    @Option(name: .customLong("retention.ms"), parsing: .unconditional, help: ArgumentHelp(
        "Delete segments whose newest record is older than this; -1 for no time limit (Kafka's default: 604800000, 7 days).", valueName: "ms"))
    var retentionMs: String?

    @Option(name: .customLong("retention.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "Delete the oldest segments while the partition stays at or above this size; -1 for no limit (default: -1).", valueName: "bytes"))
    var retentionBytes: String?

    @Option(name: .customLong("cleanup.policy"), parsing: .unconditional, help: ArgumentHelp(
        "delete (retention by time and size), compact (keep the latest record per key) or compact,delete (default: delete).", valueName: "policy"))
    var cleanupPolicy: String?

    @Option(name: .customLong("min.cleanable.dirty.ratio"), parsing: .unconditional, help: ArgumentHelp(
        "The broker's cleaner picks a compacted partition once dirty bytes / cleanable bytes reach this, 0 to 1 (default: 0.5).", valueName: "ratio"))
    var minCleanableDirtyRatio: String?

    @Option(name: .customLong("delete.retention.ms"), parsing: .unconditional, help: ArgumentHelp(
        "How long tombstones and transaction markers survive after the cleaner first saw them (default: 86400000, 1 day).", valueName: "ms"))
    var deleteRetentionMs: String?

    @Option(name: .customLong("min.compaction.lag.ms"), parsing: .unconditional, help: ArgumentHelp(
        "Segments holding a record younger than this are not compacted yet (default: 0).", valueName: "ms"))
    var minCompactionLagMs: String?

    @Option(name: .customLong("max.compaction.lag.ms"), parsing: .unconditional, help: ArgumentHelp(
        "The cleaner picks a partition whose oldest dirty record is older than this, whatever its dirty ratio (default: 9223372036854775807, never).", valueName: "ms"))
    var maxCompactionLagMs: String?

    @Option(name: .customLong("segment.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "Segment size limit; the cleaner also merges consecutive cleaned segments up to this size (default: 1073741824).", valueName: "bytes"))
    var segmentBytes: String?

    @Option(name: .customLong("segment.ms"), parsing: .unconditional, help: ArgumentHelp(
        "Roll a segment this long after its first record (default: 604800000). Affects appends, not this command.", valueName: "ms"))
    var segmentMs: String?

    @Option(name: .customLong("segment.jitter.ms"), parsing: .unconditional, help: ArgumentHelp(
        "Bring segment rolls forward by up to this much (default: 0). Affects appends, not this command.", valueName: "ms"))
    var segmentJitterMs: String?

    @Option(name: .customLong("segment.index.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "Preallocated index size (default: 10485760); cleaned segments are written with it.", valueName: "bytes"))
    var segmentIndexBytes: String?

    @Option(name: .customLong("index.interval.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "Bytes of log between offset-index entries (default: 4096); cleaned segments are indexed with it.", valueName: "bytes"))
    var indexIntervalBytes: String?

    @Option(name: .customLong("flush.messages"), parsing: .unconditional, help: ArgumentHelp(
        "fsync after this many messages (default: never). Affects appends, not this command.", valueName: "count"))
    var flushMessages: String?

    @Option(name: .customLong("flush.ms"), parsing: .unconditional, help: ArgumentHelp(
        "fsync when unflushed data is this old (default: never). Affects appends, not this command.", valueName: "ms"))
    var flushMs: String?

    @Option(name: .customLong("max.message.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "The largest record batch accepted (default: 1048588). Affects appends, not this command.", valueName: "bytes"))
    var maxMessageBytes: String?

    @Option(name: .customLong("message.timestamp.type"), parsing: .unconditional, help: ArgumentHelp(
        "CreateTime or LogAppendTime (default: CreateTime). Affects appends, not this command.", valueName: "type"))
    var messageTimestampType: String?

    @Option(name: .customLong("file.delete.delay.ms"), parsing: .unconditional, help: ArgumentHelp(
        "How long the broker keeps deleted segments as .deleted files (default: 60000). apply removes them at once: no reader is open offline.", valueName: "ms"))
    var fileDeleteDelayMs: String?

    @Option(name: .customLong("strata.recovery.policy"), parsing: .unconditional, help: ArgumentHelp(
        "What recovery does with a corrupt batch followed by more data: truncate or fail (default: truncate).", valueName: "policy"))
    var recoveryPolicy: String?

    @Option(name: .customLong("remote.storage.enable"), parsing: .unconditional, help: ArgumentHelp(
        "true to offload closed segments to the remote store (default: false); needs remote.log.storage.system.enable on the broker.", valueName: "bool"))
    var remoteStorageEnable: String?

    @Option(name: .customLong("local.retention.ms"), parsing: .unconditional, help: ArgumentHelp(
        "With remote storage: how long uploaded segments also stay local (default: -2, meaning retention.ms).", valueName: "ms"))
    var localRetentionMs: String?

    @Option(name: .customLong("local.retention.bytes"), parsing: .unconditional, help: ArgumentHelp(
        "With remote storage: the most local bytes kept once uploaded (default: -2, meaning retention.bytes).", valueName: "bytes"))
    var localRetentionBytes: String?

    @Option(name: .customLong("preallocate"), parsing: .unconditional, help: ArgumentHelp(
        "true to reserve a new segment's whole segment.bytes on disk with its first append (default: false). Affects appends, not this command.", valueName: "bool"))
    var preallocate: String?

    @Option(name: .customLong("config"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Any topic config as name=value (repeatable), the same as --<name> <value>.", valueName: "name=value"))
    var configs: [String] = []

    /// The flags above by Kafka name; a test checks this covers `LogConfig.names`.
    var named: [(String, String?)] {
        [
            ("retention.ms", retentionMs), ("retention.bytes", retentionBytes), ("cleanup.policy", cleanupPolicy),
            ("min.cleanable.dirty.ratio", minCleanableDirtyRatio), ("delete.retention.ms", deleteRetentionMs),
            ("min.compaction.lag.ms", minCompactionLagMs), ("max.compaction.lag.ms", maxCompactionLagMs),
            ("segment.bytes", segmentBytes), ("segment.ms", segmentMs), ("segment.jitter.ms", segmentJitterMs),
            ("segment.index.bytes", segmentIndexBytes), ("index.interval.bytes", indexIntervalBytes),
            ("flush.messages", flushMessages), ("flush.ms", flushMs), ("max.message.bytes", maxMessageBytes),
            ("message.timestamp.type", messageTimestampType), ("file.delete.delay.ms", fileDeleteDelayMs),
            ("strata.recovery.policy", recoveryPolicy), ("remote.storage.enable", remoteStorageEnable),
            ("local.retention.ms", localRetentionMs), ("local.retention.bytes", localRetentionBytes),
            ("preallocate", preallocate),
        ]
    }

    /// The settings given, in a stable order (the named flags, then each --config).
    func overrides() throws -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = named.compactMap { name, value in value.map { (name, $0) } }
        for entry in configs {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--config needs name=value, got '\(entry)'")
            }
            let name = String(entry[..<equals])
            let value = String(entry[entry.index(after: equals)...])
            guard !result.contains(where: { $0.name == name }) else {
                throw ValidationError("\(name) is given twice (once as --config); give it once")
            }
            result.append((name, value))
        }
        return result
    }

    func validate() throws {
        let settings = try overrides()
        var config = LogConfig()
        for (name, value) in settings {
            do {
                try config.set(name, value)
            } catch {
                if case .invalidConfig(_, _, let reason) = error, reason == "unknown topic config" {
                    throw ValidationError("unknown topic config '\(name)' (known: \(LogConfig.names.joined(separator: ", ")))")
                }
                throw ValidationError("\(error)")
            }
        }
    }
}
