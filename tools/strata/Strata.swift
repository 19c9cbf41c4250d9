import ArgumentParser

/// The `strata` tool. Each subcommand lives in its own folder under `tools/strata/` and is listed
/// here; the root itself has no options.
@main
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Tools for Strata, a Kafka-compatible event streaming platform.",
        subcommands: [
            Dump.self,
            Perf.self,
            RemoteCommand.self,
            Serve.self,
            Tune.self,
        ]
    )
}
