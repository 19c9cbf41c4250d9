import ArgumentParser
import Engine

/// `strata tune simulate DIR [--topic T] --<config> V ... [--json]`: what retention and then
/// compaction would delete under the given topic configs, and the size after, changing no file.
struct TuneSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Show what retention and compaction would delete under other topic configs, and the size after, touching no file.",
        discussion: """
            Every Kafka topic config Strata applies can be given as --<name> <value> (or --config \
            name=value); each is checked as the broker checks it, and an unknown name or a bad value \
            is refused naming it. The settings given replace, for every selected partition, the \
            topic's own (from <dir>/strata-topics/<topic>.topic over the broker defaults); the \
            others stay as they are.

            For each partition: what retention would delete (whole segments from the oldest, with \
            the rule that chose them: retention.ms, retention.bytes, log start offset); for \
            compacted topics, whether the broker's cleaner would pick the partition (its dirty \
            ratio against min.cleanable.dirty.ratio, or dirty data older than \
            max.compaction.lag.ms) and what a cleaning pass would remove from what retention \
            leaves; and the size, segments and records after both. This is what `strata tune \
            apply` with the same settings does, except that apply compacts every compacted \
            partition whatever its dirty ratio.

            Nothing is written, locked or recovered; it can run next to a broker.

            Exit status: 0, or 1 when a partition could not be read or the directory is wrong, 64 \
            for a usage error (including a bad config value).

            Examples:
              strata tune simulate /var/lib/strata --topic orders --retention.ms 86400000
              strata tune simulate /var/lib/strata --topic users --cleanup.policy compact --min.cleanable.dirty.ratio 0.1
              strata tune simulate /var/lib/strata --retention.bytes 1073741824 --json | jq .totals.sizeAfter
            """
    )

    @OptionGroup var common: TuneCommonOptions
    @OptionGroup(title: "Topic configs") var configs: TopicConfigFlags

    func run() throws {
        let output = TuneOutput(subcommand: "simulate", json: common.json)
        let overrides = try configs.overrides()
        let set: PredictionSet
        do {
            set = try PredictionSet(common: common, overrides: overrides, output: output)
        } catch {
            output.warn(error.message)
            throw ExitCode(1)
        }
        var notes = set.notes()
        if set.predictions.contains(where: { $0.compaction?.hasDirtyData == true && $0.compaction?.cleanerPicks == false }) {
            notes.append("strata tune apply compacts every compacted partition it is given, also those the broker's cleaner would leave for now (CLEANER: waits)")
        }
        for prediction in set.predictions where prediction.rollsActive {
            notes.append("\(prediction.topicPartition): every segment is past retention, so the active segment rolls first and one empty segment remains")
        }
        for prediction in set.predictions where (prediction.compaction?.heldBackByMinLag ?? 0) > 0 {
            notes.append("\(prediction.topicPartition): min.compaction.lag.ms holds back \(TuneFormat.counted(Int64(prediction.compaction!.heldBackByMinLag), "segment", "segments")) from cleaning")
        }
        if common.json {
            output.document(SimulateReport(
                directory: set.directory.path, now: set.now, nowDate: TuneFormat.isoDate(ms: set.now),
                brokerConfig: set.source.brokerConfigPath, topicFiles: set.source.files.exists ? set.source.files.directory : nil,
                overrides: Dictionary(overrides, uniquingKeysWith: { $1 }),
                partitions: set.predictions.map { SimulatedPartition($0, settings: set.source.settings(for: $0.topicPartition.topic)) },
                failures: set.failures.map { TuneFailureFacts(partition: $0.partition.directoryName, message: $0.message) },
                totals: TuneTotals(set.predictions), notes: notes))
        } else {
            printText(set, overrides: overrides, notes: notes, output: output)
        }
        output.flush()
        if !set.failures.isEmpty { throw ExitCode(1) }
    }

    private func printText(_ set: PredictionSet, overrides: [(name: String, value: String)], notes: [String], output: TuneOutput) {
        output.line("Simulation on \(set.directory.path) at \(TuneFormat.date(ms: set.now)) UTC; no file is changed")
        if overrides.isEmpty {
            output.line("No settings given: each topic's own configs")
        }
        output.line("Configs: \(set.source.summary)")
        TuneText.settings(set, output: output)
        output.line()
        var table = TextTable([
            ("PARTITION", .left), ("POLICY", .left), ("SIZE", .right), ("RETENTION DELETES", .right), ("WHY", .left),
            ("CLEANER", .left), ("COMPACTION REMOVES", .right), ("SIZE AFTER", .right), ("SEGS AFTER", .right),
        ])
        for prediction in set.predictions {
            let retention = RetentionFacts(prediction)
            var cleaner = "-"
            var removes = "-"
            if let compaction = prediction.compaction {
                cleaner = compaction.verdict
                removes = CompactionFacts(compaction, config: prediction.config).text
            }
            table.add([
                prediction.topicPartition.directoryName, prediction.config.cleanupPolicy, TuneFormat.bytes(prediction.analysis.size),
                retention.text, retention.reasons.isEmpty ? "-" : retention.reasons.joined(separator: ", "),
                cleaner, removes, TuneFormat.bytes(prediction.sizeAfter), String(prediction.segmentsAfter),
            ])
        }
        let totals = TuneTotals(set.predictions)
        table.totals = [
            "TOTAL", "", TuneFormat.bytes(totals.size),
            totals.retentionSegments == 0 ? "-" : TuneFormat.counted(Int64(totals.retentionSegments), "segment", "segments") + ", " + TuneFormat.bytes(totals.retentionBytes),
            "", "", totals.compactionRecords == 0 ? "-" : TuneFormat.counted(totals.compactionRecords, "record", "records") + ", " + TuneFormat.bytes(totals.compactionBytes),
            TuneFormat.bytes(totals.sizeAfter), String(totals.segmentsAfter),
        ]
        for line in table.render() { output.line(line) }
        output.line()
        let reclaimed = totals.size - totals.sizeAfter
        output.line("Would reclaim \(TuneFormat.bytes(reclaimed)) of \(TuneFormat.bytes(totals.size))"
            + (totals.size > 0 ? " (\(TuneFormat.percent((Double(reclaimed) / Double(totals.size) * 1000).rounded() / 1000)))" : "")
            + ": \(TuneFormat.counted(totals.retentionRecords + totals.compactionRecords, "record", "records")) removed")
        TuneText.notes(notes + set.failures.map { "not analysed: \($0.message)" }, output: output)
    }
}
