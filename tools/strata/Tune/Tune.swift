import ArgumentParser

/// `strata tune`: see what retention and compaction would do to a data directory, try settings
/// without touching a file, and apply them offline.
struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Analyse, simulate and apply retention and compaction settings on a data directory.",
        discussion: """
            analyze and simulate only read files (no lock, no recovery) and can run next to a \
            broker; apply opens the directory as the broker does and is refused while a broker or \
            any other process holds it. Tables are for people; --json prints one JSON document for scripts.

            Examples:
              strata tune analyze /var/lib/strata
              strata tune simulate /var/lib/strata --topic orders --retention.ms 86400000
              strata tune apply /var/lib/strata --topic orders --retention.ms 86400000
            """,
        subcommands: [TuneAnalyze.self, TuneSimulate.self, TuneApply.self]
    )
}
