import ArgumentParser
import Broker
import Dispatch
import Engine
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `strata serve`: the Kafka-protocol broker, started like Kafka's `kafka-server-start.sh`.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the broker: serve the Kafka protocol over the storage engine.",
        discussion: """
            Reads settings from FILE (Java properties, like Kafka's server.properties) and then from \
            each --override, later ones winning; with neither it serves ./data on port 9092. \
            Settings use Kafka's names and defaults, e.g. listeners (PLAINTEXT://:9092), \
            advertised.listeners, log.dirs (./data), node.id, num.partitions, \
            auto.create.topics.enable, message.max.bytes, socket.request.max.bytes, \
            connections.max.idle.ms, max.connections, and the log.* topic defaults \
            (log.segment.bytes, log.roll.ms, log.retention.ms, log.flush.interval.messages, ...). \
            An unknown setting or a bad value stops the start with a message naming it.

            Tiered storage (KIP-405): remote.log.storage.system.enable=true, then the store under \
            rsm.config.* (rsm.config.storage.backend=s3 with rsm.config.storage.s3.bucket.name, \
            .region, .endpoint.url, ...; or filesystem with rsm.config.storage.root), and \
            remote.storage.enable=true on the topics to tier. strata.metrics.listener=HOST:PORT \
            serves /metrics; strata.log.writeback.bytes (1048576) starts writeback of every this \
            many appended bytes (0: the kernel's flusher alone); strata.log.preallocate.bytes \
            (4194304) reserves the active segment's disk space that many bytes ahead of the appends \
            (0: off); strata.log.page.cache.retain.bytes (0: keep all) drops written pages that \
            far behind a segment's tail from the page cache. README.md lists every setting with \
            its default.

            SIGTERM or SIGINT stops the broker cleanly: it stops accepting connections, finishes \
            the requests in flight and closes the logs, so the next start needs no recovery. After \
            a crash or SIGKILL the next start recovers the logs.

            Examples:
              strata serve
              strata serve config/server.properties
              strata serve --override listeners=PLAINTEXT://127.0.0.1:9092 --override log.dirs=/var/lib/strata
            """
    )

    @Argument(help: ArgumentHelp("A server.properties file.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("override"), parsing: .singleValue,
            help: ArgumentHelp("A setting that overrides the file, as name=value (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        var settings: [(key: String, value: String)] = []
        if let file {
            do {
                let bytes = try FileSystem.readFile(file)
                settings += JavaProperties.parse(String(decoding: bytes, as: UTF8.self))
            } catch {
                fail("cannot read \(file): \(error)")
            }
        }
        for entry in overrides {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--override needs name=value, got '\(entry)'")
            }
            settings.append((String(entry[..<equals]), String(entry[entry.index(after: equals)...])))
        }
        let config: BrokerConfig
        do {
            config = try BrokerConfig(settings: settings)
        } catch {
            fail("\(error)")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "strata.broker")
        for name in config.ignoredSettings {
            logger.notice("setting \(name) is accepted but has no effect in Strata yet")
        }

        let server = KafkaServer(config: config, logger: logger)
        do {
            try server.start()
        } catch {
            fail("cannot start: \(error)")
        }

        // Wait for SIGTERM or SIGINT, then shut down cleanly.
        let stop = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        stop.wait()
        server.shutdown()
        for source in sources { source.cancel() }
    }

    /// Prints `strata serve: MESSAGE` on standard error and exits with status 1.
    private func fail(_ message: String) -> Never {
        let line = Array("strata serve: \(message)\n".utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
        _exit(1)
    }
}
