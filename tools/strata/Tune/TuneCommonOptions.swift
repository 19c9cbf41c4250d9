import ArgumentParser

/// What every `strata tune` subcommand takes: the data directory, a topic, the broker's
/// server.properties for its defaults, and the output format.
struct TuneCommonOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The data directory (a log.dirs entry): the directory that holds the <topic>-<partition> directories (not with apply --bootstrap-server).",
        valueName: "dir"))
    var directoryArgument: String?

    /// The data directory, which every subcommand needs except `apply --bootstrap-server`.
    var directory: String {
        get throws(TuneFailure) {
            guard let directoryArgument else { throw TuneFailure("give the data directory (DIR)") }
            return directoryArgument
        }
    }

    @Option(help: ArgumentHelp("Only this topic's partitions (default: every partition of the directory).", valueName: "topic"))
    var topic: String?

    @Option(name: .customLong("broker-config"), help: ArgumentHelp(
        "The broker's server.properties, for its log.* topic defaults (log.retention.hours, log.cleanup.policy, log.cleaner.min.cleanable.ratio, ...).",
        discussion: "Without it, Kafka's defaults stand in for the broker's. Each topic's own overrides are read from the broker's topic files in <dir>/strata-topics either way.",
        valueName: "file"))
    var brokerConfig: String?

    @Flag(help: "Print one JSON document instead of a table, for scripts (raw numbers: bytes, milliseconds since the epoch, ratios from 0 to 1).")
    var json = false

    func validate() throws {
        if let topic, topic.isEmpty { throw ValidationError("--topic needs a topic name") }
        if directoryArgument?.isEmpty == true { throw ValidationError("the data directory is empty") }
    }
}
