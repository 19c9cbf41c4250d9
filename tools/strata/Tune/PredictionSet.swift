import Engine

/// The partitions a `strata tune analyze` or `simulate` run looks at, each with its config and
/// `PartitionPrediction`, all from files read without changing anything. A partition that cannot
/// be read (say a torn batch at the end of a segment a broker is writing) is reported in
/// `failures` and the others go on.
struct PredictionSet {
    let directory: DataDirectory
    let source: TopicConfigSource
    let now: Int64
    var predictions: [PartitionPrediction] = []
    var failures: [(partition: TopicPartition, message: String)] = []

    init(common: TuneCommonOptions, overrides: [(name: String, value: String)], output: TuneOutput) throws(TuneFailure) {
        directory = try DataDirectory.open(try common.directory)
        let selected = try directory.select(topic: common.topic)
        source = try TopicConfigSource(dataDirectory: directory.path, brokerConfigPath: common.brokerConfig, overrides: overrides)
        now = PartitionLog.systemClock()
        let cleanerOffsets = try directory.checkpoint(OffsetCheckpointFile.cleanerOffset)
        let logStarts = try directory.checkpoint(OffsetCheckpointFile.logStartOffset)
        var configs: [String: LogConfig] = [:]
        for partition in selected {
            let config: LogConfig
            if let known = configs[partition.topic] {
                config = known
            } else {
                config = source.effectiveConfigOrDefaults(for: partition.topic, warn: output.warn)
                configs[partition.topic] = config
            }
            do {
                predictions.append(try PartitionPrediction.make(
                    directory: directory, partition: partition, config: config, now: now,
                    cleanerOffsets: cleanerOffsets, logStarts: logStarts))
            } catch {
                failures.append((partition, "\(partition): \(error)"))
                output.warn("cannot analyse \(partition): \(error)")
            }
        }
    }

    /// Notes for the text output: interrupted work that opening the directory would finish first.
    func notes() -> [String] {
        var notes: [String] = []
        if !directory.hadCleanShutdown && !directory.partitions.isEmpty {
            notes.append("the directory was not closed cleanly (no \(LogManager.cleanShutdownFileName)): a broker may be running on it, or it stopped without closing; opening it (strata serve, strata tune apply) recovers it first, which may cut torn batches")
        }
        for prediction in predictions {
            let leftovers = directory.leftovers(of: prediction.topicPartition)
            if !leftovers.isEmpty {
                notes.append("\(prediction.topicPartition) holds \(leftovers.joined(separator: ", ")) from interrupted work, which opening the directory finishes or undoes first")
            }
        }
        for topic in Set(predictions.map(\.topicPartition.topic)).sorted() where source.files.deleting.contains(topic) {
            notes.append("topic \(topic) is being deleted (\(topic)\(".deleting") in the topic files): the broker removes it at its next start")
        }
        return notes
    }
}
