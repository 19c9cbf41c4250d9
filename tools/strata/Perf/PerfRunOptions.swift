import ArgumentParser

/// What both `strata perf` commands take: the broker, the topic, and when to stop.
struct PerfRunOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: ArgumentHelp("The broker to talk to.", valueName: "host:port"))
    var bootstrapServer: String

    @Option(help: ArgumentHelp("The topic to produce to (created if missing) or consume from (must exist).", valueName: "topic"))
    var topic: String

    @Option(name: .customLong("num-records"), help: ArgumentHelp("Stop after this many records (give this or --duration).", valueName: "n"))
    var numRecords: Int?

    @Option(help: ArgumentHelp("Stop after this many seconds (give this or --num-records).", valueName: "seconds"))
    var duration: Double?

    func validate() throws {
        guard (numRecords == nil) != (duration == nil) else { throw ValidationError("give either --num-records N or --duration SECONDS") }
        if let numRecords, numRecords < 1 { throw ValidationError("--num-records must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
    }
}
