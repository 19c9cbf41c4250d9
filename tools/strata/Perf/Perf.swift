import ArgumentParser

/// `strata perf`: load generators against a running broker, like Kafka's
/// kafka-producer-perf-test and kafka-consumer-perf-test.
struct Perf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure a running broker's throughput and latency with a producer or consumer load.",
        discussion: """
            produce sends generated records and reports records/s, MB/s and per-record latency \
            percentiles; consume reads a topic from its start and reports records/s and MB/s. \
            Both speak the Kafka protocol over TCP, so they also measure any Kafka broker. \
            A human summary line goes to standard output (progress to standard error); --json \
            prints one JSON document instead.

            Examples:
              strata perf produce --bootstrap-server 127.0.0.1:9092 --topic load --num-records 1000000 --record-size 100
              strata perf produce --bootstrap-server 127.0.0.1:9092 --topic load --duration 30 --throughput 50000 --acks -1
              strata perf consume --bootstrap-server 127.0.0.1:9092 --topic load --num-records 1000000 --json
            """,
        subcommands: [PerfProduce.self, PerfConsume.self]
    )
}
