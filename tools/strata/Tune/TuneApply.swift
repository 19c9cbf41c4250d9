import ArgumentParser
import Broker
import Dispatch
import Engine

/// `strata tune apply DIR [--topic T] --<config> V ... [--json]`: runs retention and then
/// compaction now, offline, on a data directory no broker holds, and prints what changed.
struct TuneApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run retention and compaction now on a data directory that no broker holds, with the given topic configs.",
        discussion: """
            Opens the data directory as the broker does: it takes the directory lock (refused, \
            naming the process, while a broker or any other process holds it) and recovers the \
            directory first if it was not closed cleanly. Then, for every selected partition, it \
            applies retention (retention.ms, retention.bytes, the log start offset; whole segments \
            from the oldest) and compacts every partition whose cleanup.policy includes compact, \
            whatever its dirty ratio (the broker's cleaner would wait for \
            min.cleanable.dirty.ratio; `strata tune simulate` shows both). Deleted files are \
            removed at once (file.delete.delay.ms does not apply offline: no reader is open). \
            Finally it closes the directory cleanly, so the broker starts without recovery.

            Configs: each partition runs with its topic's own configs (the broker's topic file \
            <dir>/strata-topics/<topic>.topic over the broker defaults, --broker-config or Kafka's \
            defaults) with the --<name> settings given here on top. Settings given here are \
            persisted: they are written into the broker's topic file of each selected topic, so \
            the broker keeps applying them from its next start. With --no-persist, or for a topic \
            without a topic file, they hold for this run only and the broker goes back to the \
            topic's own configs. The output says which happened.

            Progress goes to standard error: a bar on a terminal, else a line per step and at most \
            one line a second. The summary (standard output) gives, per partition, size, segments \
            and records before and after, what retention and compaction removed, the bytes \
            reclaimed, and the time taken.

            With --bootstrap-server HOST:PORT instead of DIR, the settings go to a running broker \
            as topic configs (IncrementalAlterConfigs, or AlterConfigs from older brokers) for the \
            topic given with --topic; they take effect at once and the broker keeps them. Nothing \
            runs offline then: the broker's own retention check and cleaner apply them.

            Exit status: 0 when done; 1 when the directory is held by another process, missing or \
            not a data directory, or a step failed (the directory is then left as it is, and the \
            next open recovers it); 64 for a usage error (including a bad config value).

            Examples:
              strata tune apply /var/lib/strata --topic orders --retention.ms 86400000
              strata tune apply /var/lib/strata --topic users --dedupe-buffer-size 512M --io-max-bytes-per-second 50M
              strata tune apply /var/lib/strata --topic orders --retention.bytes 1G --no-persist --json
            """
    )

    @OptionGroup var common: TuneCommonOptions
    @OptionGroup(title: "Topic configs") var configs: TopicConfigFlags

    @Option(name: .customLong("dedupe-buffer-size"), help: ArgumentHelp(
        "Memory for the cleaner's key map (log.cleaner.dedupe.buffer.size), in bytes or with K, M, G (default: 128M).",
        discussion: "24 bytes per key at a load factor of 0.9; a partition with more dirty keys than fit is cleaned in several passes.",
        valueName: "bytes"))
    var dedupeBufferSize = "128M"

    @Option(name: .customLong("io-max-bytes-per-second"), help: ArgumentHelp(
        "Throttle the cleaner's reads and writes to this rate (log.cleaner.io.max.bytes.per.second), in bytes or with K, M, G (default: unlimited).",
        valueName: "bytes"))
    var ioMaxBytesPerSecond: String?

    @Flag(name: .customLong("no-persist"), help: "Use the settings for this run only: do not write them into the broker's topic files.")
    var noPersist = false

    @Option(name: .customLong("bootstrap-server"), help: ArgumentHelp(
        "Apply the settings to this running broker's topic (--topic) instead of a data directory, through AlterConfigs.",
        valueName: "host:port"))
    var bootstrapServer: String?

    func validate() throws {
        if bootstrapServer != nil {
            guard common.directoryArgument == nil else { throw ValidationError("give either DIR or --bootstrap-server, not both") }
            guard common.topic != nil else { throw ValidationError("--bootstrap-server needs --topic: configs are set per topic") }
        } else if common.directoryArgument == nil {
            throw ValidationError("give the data directory (DIR), or --bootstrap-server HOST:PORT with --topic")
        }
        guard let bytes = TuneFormat.parseBytes(dedupeBufferSize), bytes >= 1024, bytes <= Int64(Int32.max) else {
            throw ValidationError("invalid value '\(dedupeBufferSize)' for --dedupe-buffer-size: give bytes from 1K to 2G, e.g. 134217728 or 128M")
        }
        if let ioMaxBytesPerSecond {
            guard let rate = TuneFormat.parseBytes(ioMaxBytesPerSecond), rate > 0 else {
                throw ValidationError("invalid value '\(ioMaxBytesPerSecond)' for --io-max-bytes-per-second: give a positive number of bytes, e.g. 52428800 or 50M")
            }
        }
    }

    func run() throws {
        let output = TuneOutput(subcommand: "apply", json: common.json)
        let overrides = try configs.overrides()
        if let bootstrapServer, let topic = common.topic {
            do {
                try RemoteTopicConfig.apply(overrides, topic: topic, bootstrapServer: bootstrapServer, output: output)
            } catch {
                output.warn("\(error)")
                throw ExitCode(1)
            }
            return
        }
        do {
            try execute(overrides: overrides, output: output)
        } catch let failure as TuneFailure {
            output.warn(failure.message)
            throw ExitCode(1)
        }
    }

    private func execute(overrides: [(name: String, value: String)], output: TuneOutput) throws {
        let directory = try DataDirectory.open(try common.directory)
        let selected = Set(try directory.select(topic: common.topic))
        let selectedTopics = Set(selected.map(\.topic))
        let source = try TopicConfigSource(dataDirectory: directory.path, brokerConfigPath: common.brokerConfig, overrides: overrides)
        var brokerConfigs: [String: LogConfig] = [:]
        var runConfigs: [String: LogConfig] = [:]
        for topic in Set(directory.partitions.map(\.topic)).sorted() {
            if selectedTopics.contains(topic) {
                brokerConfigs[topic] = try source.brokerConfig(for: topic)
                var run = try source.effectiveConfig(for: topic)
                run.fileDeleteDelayMs = 0
                runConfigs[topic] = run
            } else {
                do {
                    brokerConfigs[topic] = try source.brokerConfig(for: topic)
                } catch {
                    output.warn("\(error.message); opening topic \(topic) (not selected) with the broker defaults")
                }
            }
        }
        let cleaner = LogCleaner(config: CleanerConfig(
            dedupeBufferBytes: Int(TuneFormat.parseBytes(dedupeBufferSize) ?? 134_217_728),
            ioMaxBytesPerSecond: ioMaxBytesPerSecond.flatMap(TuneFormat.parseBytes).map(Double.init) ?? .infinity))

        let started = PartitionLog.systemClock()
        let clock = DispatchTime.now().uptimeNanoseconds
        let known = brokerConfigs
        let manager: LogManager
        let openReport: LogManager.OpenReport
        do {
            (manager, openReport) = try LogManager.open(
                directory: directory.path, defaultConfig: source.brokerDefaults, configFor: { known[$0.topic] })
        } catch {
            if case .directoryLocked = error {
                throw TuneFailure("cannot apply: \(error); stop the broker (or that process) first. `strata tune simulate` shows what apply would do without opening the directory")
            }
            throw TuneFailure("cannot open \(directory.path): \(error)")
        }
        let progress = ApplyProgress(output: output)
        if !openReport.hadCleanShutdown && !directory.partitions.isEmpty {
            let truncated = openReport.partitions.values.reduce(Int64(0)) { $0 + $1.truncatedBytes }
            progress.step("recovered \(directory.path) first (it had not been closed cleanly)" + (truncated > 0 ? "; \(TuneFormat.bytes(truncated)) of torn batches cut" : ""))
        }
        var applied: [AppliedPartition] = []
        var persisted: [TopicConfigPersister.Outcome] = []
        do {
            let logs = manager.allLogs.filter { selected.contains($0.topicPartition) }
            var before: [TopicPartition: LogState] = [:]
            for log in logs {
                // As the broker does when it opens the directory: a single replica leads its
                // partitions, so everything in the log is committed (a high watermark left behind
                // by an unclean stop would otherwise hold the cleaner back).
                SingleNodeLeadership(nodeId: 0).becameLeader(of: log)
                before[log.topicPartition] = try LogState(log)
                log.updateConfig(runConfigs[log.topicPartition.topic]!)
                // Tiered: local retention may delete what the remote store already holds.
                if let remote = try RemoteLogFacts.load(partitionPath: log.directory) { log.highestOffsetInRemoteStorage = remote.highestOffset }
            }
            progress.step("applying retention to \(TuneFormat.counted(Int64(logs.count), "partition", "partitions"))")
            var retention: [TopicPartition: RetentionResult] = [:]
            for log in logs { retention[log.topicPartition] = try log.applyRetention() }
            try manager.checkpoint()
            let compacted = logs.filter { $0.config.isCompacted }
            var cleaned: [TopicPartition: [CleanResult]] = [:]
            if !compacted.isEmpty {
                progress.step("compacting \(TuneFormat.counted(Int64(compacted.count), "partition", "partitions"))")
                cleaned = try manager.runCleaner(cleaner, only: Set(compacted.map(\.topicPartition)), force: true) { partition, done, total in
                    progress.update(partition, done: done, total: total, of: compacted.count)
                }
                progress.finishBar()
            }
            for log in logs {
                let partition = log.topicPartition
                applied.append(AppliedPartition(
                    topic: partition.topic, partition: partition.partition, name: partition.directoryName,
                    cleanupPolicy: log.config.cleanupPolicy, before: before[partition]!, after: try LogState(log),
                    retention: AppliedPartition.Retention(retention[partition], logStartOffset: log.logStartOffset),
                    compaction: log.config.isCompacted ? AppliedPartition.Compaction(cleaned[partition] ?? []) : nil))
            }
            if !overrides.isEmpty && !noPersist {
                persisted = TopicConfigPersister.persist(dataDirectory: directory.path, topics: selectedTopics.sorted(), overrides: overrides)
            }
            try manager.close()
        } catch {
            progress.finishBar()
            throw TuneFailure("applying to \(directory.path) failed: \(error). The directory was not closed cleanly; the next open recovers it")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
        if common.json {
            output.document(ApplyReport(
                directory: directory.path, topic: common.topic, started: started, startedDate: TuneFormat.isoDate(ms: started),
                seconds: (seconds * 1000).rounded() / 1000, overrides: Dictionary(overrides, uniquingKeysWith: { $1 }),
                recovered: !openReport.hadCleanShutdown && !directory.partitions.isEmpty, persisted: persisted,
                partitions: applied, totals: ApplyReport.Totals(applied)))
        } else {
            printText(applied, overrides: overrides, persisted: persisted, source: source, directory: directory, seconds: seconds, output: output)
        }
        output.flush()
    }

    private func printText(
        _ applied: [AppliedPartition], overrides: [(name: String, value: String)], persisted: [TopicConfigPersister.Outcome],
        source: TopicConfigSource, directory: DataDirectory, seconds: Double, output: TuneOutput
    ) {
        let scope = common.topic.map { "topic \($0)" } ?? "every topic"
        output.line("Applied retention and compaction to \(directory.path) (\(scope)) in \(String(format: "%.2f", seconds)) s")
        if overrides.isEmpty {
            output.line("Settings: each topic's own configs (no --<config> given)")
        } else {
            output.line("Settings: " + overrides.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + " on top of each topic's own configs")
            if noPersist {
                output.line("  used for this run only (--no-persist): the broker keeps each topic's own configs")
            }
            for outcome in persisted {
                if outcome.persisted {
                    output.line("  persisted to \(outcome.file ?? ""): the broker applies them to \(outcome.topic) from its next start")
                } else {
                    output.line("  NOT persisted for \(outcome.topic), used for this run only: \(outcome.reason ?? "")")
                }
            }
        }
        output.line()
        var table = TextTable([
            ("PARTITION", .left), ("POLICY", .left), ("SIZE BEFORE", .right), ("SIZE AFTER", .right), ("SEGMENTS", .right),
            ("RECORDS", .right), ("RETENTION DELETED", .right), ("COMPACTION REMOVED", .right), ("RECLAIMED", .right),
        ])
        for partition in applied {
            let retention = partition.retention.deletedSegments == 0 ? "-"
                : TuneFormat.counted(Int64(partition.retention.deletedSegments), "segment", "segments") + ", " + TuneFormat.bytes(partition.retention.deletedBytes)
                    + " (" + partition.retention.reasons.joined(separator: ", ") + ")"
            var compaction = "-"
            if let done = partition.compaction {
                compaction = done.passes == 0 || done.recordsRemoved == 0 && done.bytesRead == done.bytesWritten ? "nothing"
                    : TuneFormat.counted(done.recordsRemoved, "record", "records") + ", " + TuneFormat.bytes(done.bytesRead - done.bytesWritten)
            }
            table.add([
                partition.name, partition.cleanupPolicy, TuneFormat.bytes(partition.before.size), TuneFormat.bytes(partition.after.size),
                "\(partition.before.segments) → \(partition.after.segments)", "\(partition.before.records) → \(partition.after.records)",
                retention, compaction, TuneFormat.bytes(partition.reclaimedBytes),
            ])
        }
        let totals = ApplyReport.Totals(applied)
        table.totals = [
            "TOTAL", "", TuneFormat.bytes(totals.sizeBefore), TuneFormat.bytes(totals.sizeAfter),
            "\(totals.segmentsBefore) → \(totals.segmentsAfter)", "\(totals.recordsBefore) → \(totals.recordsAfter)", "", "",
            TuneFormat.bytes(totals.reclaimedBytes),
        ]
        for line in table.render() { output.line(line) }
        output.line()
        let share = totals.sizeBefore > 0 ? " (\(TuneFormat.percent((Double(totals.reclaimedBytes) / Double(totals.sizeBefore) * 1000).rounded() / 1000)))" : ""
        output.line("Reclaimed \(TuneFormat.bytes(totals.reclaimedBytes)) of \(TuneFormat.bytes(totals.sizeBefore))\(share); \(TuneFormat.counted(totals.recordsBefore - totals.recordsAfter, "record", "records")) removed; the directory was closed cleanly")
    }
}
