/// Text sections the `strata tune` subcommands share.
enum TuneText {
    /// One line per topic with its settings that differ from Kafka's defaults and where each came from.
    static func settings(_ set: PredictionSet, output: TuneOutput) {
        for topic in Set(set.predictions.map(\.topicPartition.topic)).sorted() {
            output.line("  \(topic): " + describe(set.source.settings(for: topic)))
        }
    }

    /// `cleanup.policy=compact (topic file), retention.ms=1000 (command line)` or `Kafka defaults`.
    static func describe(_ settings: [TopicConfigSource.Setting]) -> String {
        guard !settings.isEmpty else { return "Kafka's defaults" }
        return settings.map { "\($0.name)=\($0.value) (\($0.source))" }.joined(separator: ", ")
    }

    static func notes(_ notes: [String], output: TuneOutput) {
        guard !notes.isEmpty else { return }
        output.line()
        output.line("Notes:")
        for note in notes { output.line("  - \(note)") }
    }
}
