import ArgumentParser
import Engine

/// `strata tune analyze DIR [--topic T] [--json]`: what each partition holds and what its own
/// retention and compaction settings would reclaim, read without changing any file.
struct TuneAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show each partition's size, segments, age range, distinct keys, dirty ratio, tombstones and reclaimable bytes.",
        discussion: """
            Reads the data directory's segment and checkpoint files directly and changes nothing: it \
            takes no lock, runs no recovery and can run next to a broker (a partition whose active \
            segment ends in a half-written batch is then reported and skipped).

            Each partition is analysed under its own config: the broker's topic file \
            (<dir>/strata-topics/<topic>.topic) over the broker defaults (--broker-config, else \
            Kafka's defaults).

            Columns: SIZE of all local segments; REMOTE, for tiered partitions, the bytes and \
            segments in the remote store (from the partition's remote-log-manifest.json, without \
            contacting the store); SEGS, local segments; OLDEST and NEWEST record timestamps (UTC) and their \
            age; ~KEYS, a HyperLogLog estimate of distinct keys (about 1% error); TOMBSTONES, \
            records with a null value; DIRTY, for compacted topics, the bytes written since the \
            last cleaning as a share of the bytes the cleaner may clean ('due' when it reaches \
            min.cleanable.dirty.ratio or the oldest dirty data is past max.compaction.lag.ms, so \
            the broker's cleaner would pick the partition); COMPACTABLE, what a cleaning pass would \
            remove now (superseded records, tombstones past delete.retention.ms, aborted \
            transactions); RETENTION DUE, what retention.ms, retention.bytes and the log start \
            offset would delete now. The last row sums the columns.

            Exit status: 0 when every partition was read, 1 when one could not be or the directory \
            is wrong (missing, not a data directory), 64 for a usage error.

            Examples:
              strata tune analyze /var/lib/strata
              strata tune analyze /var/lib/strata --topic orders --json | jq '.partitions[].compaction.dirtyRatio'
            """
    )

    @OptionGroup var common: TuneCommonOptions

    func run() throws {
        let output = TuneOutput(subcommand: "analyze", json: common.json)
        let set: PredictionSet
        do {
            set = try PredictionSet(common: common, overrides: [], output: output)
        } catch {
            output.warn(error.message)
            throw ExitCode(1)
        }
        let notes = set.notes()
        if common.json {
            output.document(AnalyzeReport(
                directory: set.directory.path, now: set.now, nowDate: TuneFormat.isoDate(ms: set.now),
                brokerConfig: set.source.brokerConfigPath, topicFiles: set.source.files.exists ? set.source.files.directory : nil,
                partitions: set.predictions.map {
                    AnalyzedPartition($0, settings: set.source.settings(for: $0.topicPartition.topic), leftovers: set.directory.leftovers(of: $0.topicPartition))
                },
                failures: set.failures.map { TuneFailureFacts(partition: $0.partition.directoryName, message: $0.message) },
                totals: TuneTotals(set.predictions), notes: notes))
        } else {
            printText(set, notes: notes, output: output)
        }
        output.flush()
        if !set.failures.isEmpty { throw ExitCode(1) }
    }

    private func printText(_ set: PredictionSet, notes: [String], output: TuneOutput) {
        let topics = Set(set.predictions.map(\.topicPartition.topic)).count
        output.line("Data directory \(set.directory.path): \(TuneFormat.counted(Int64(set.predictions.count), "partition", "partitions")) of \(TuneFormat.counted(Int64(topics), "topic", "topics")), at \(TuneFormat.date(ms: set.now)) UTC")
        output.line("Configs: \(set.source.summary)")
        TuneText.settings(set, output: output)
        output.line()
        var table = TextTable([
            ("PARTITION", .left), ("POLICY", .left), ("SIZE", .right), ("REMOTE", .right), ("SEGS", .right), ("OLDEST", .left), ("NEWEST", .left),
            ("~KEYS", .right), ("TOMBSTONES", .right), ("DIRTY", .right), ("COMPACTABLE", .right), ("RETENTION DUE", .right),
        ])
        for prediction in set.predictions {
            let analysis = prediction.analysis
            let retention = RetentionFacts(prediction)
            var dirty = "-"
            var compactable = "-"
            if let compaction = prediction.compaction {
                dirty = TuneFormat.percent(compaction.dirtyRatio) + (compaction.cleanerPicks ? " due" : "")
                compactable = compaction.hasDirtyData ? TuneFormat.bytes(compaction.bytes) : "0 B"
            }
            table.add([
                analysis.topicPartition.directoryName, prediction.config.cleanupPolicy, TuneFormat.bytes(analysis.size),
                prediction.remote.map { "\(TuneFormat.bytes($0.size)) in \($0.segments)" } ?? "-", String(analysis.segments.count), TuneFormat.timestamp(analysis.minTimestamp, now: set.now),
                TuneFormat.timestamp(analysis.maxTimestamp, now: set.now), String(analysis.distinctKeys), String(analysis.tombstones),
                dirty, compactable, retention.segments == 0 ? "-" : TuneFormat.bytes(retention.bytes),
            ])
        }
        let totals = TuneTotals(set.predictions)
        table.totals = [
            "TOTAL", "", TuneFormat.bytes(totals.size), TuneFormat.bytes(set.predictions.reduce(0) { $0 + ($1.remote?.size ?? 0) }), String(totals.segments), "", "", String(totals.distinctKeys),
            String(totals.tombstones), totals.cleanBytes + totals.dirtyBytes == 0 ? "-" : TuneFormat.percent(totals.dirtyRatio),
            TuneFormat.bytes(totals.compactionBytes), TuneFormat.bytes(totals.retentionBytes),
        ]
        for line in table.render() { output.line(line) }
        for prediction in set.predictions where prediction.retentionSegments > 0 {
            output.line("Retention due: \(prediction.topicPartition) \(RetentionFacts(prediction).text) (\(prediction.retentionReasons.joined(separator: ", ")))")
        }
        TuneText.notes(notes + set.failures.map { "not analysed: \($0.message)" }, output: output)
    }
}
