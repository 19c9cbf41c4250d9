import Broker
import Engine

/// Where each topic's config comes from, in the broker's order: Kafka's defaults, then the
/// broker's `log.*` defaults (`--broker-config server.properties`), then the topic's overrides in
/// the broker's topic file, then the settings given on the command line (simulate and apply).
struct TopicConfigSource {
    /// One setting that differs from Kafka's default, and who set it.
    struct Setting: Encodable, Equatable {
        var name: String
        var value: String
        var source: String
    }

    static let commandLine = "command line"
    static let topicFile = "topic file"
    static let brokerConfig = "broker config"

    let brokerDefaults: LogConfig
    let brokerConfigPath: String?
    let files: BrokerTopicFiles
    /// Command-line settings, in the order given (later ones win).
    let overrides: [(name: String, value: String)]

    /// Reads `--broker-config` and the topic files, and checks the command-line settings.
    init(dataDirectory: String, brokerConfigPath: String?, overrides: [(name: String, value: String)]) throws(TuneFailure) {
        self.brokerConfigPath = brokerConfigPath
        if let brokerConfigPath {
            let text: String
            do {
                text = String(decoding: try FileSystem.readFile(brokerConfigPath), as: UTF8.self)
            } catch {
                throw TuneFailure("cannot read --broker-config \(brokerConfigPath): \(error)")
            }
            do {
                brokerDefaults = try BrokerConfig(settings: JavaProperties.parse(text)).defaultLogConfig
            } catch {
                throw TuneFailure("--broker-config \(brokerConfigPath): \(error)")
            }
        } else {
            brokerDefaults = LogConfig()
        }
        files = BrokerTopicFiles(dataDirectory: dataDirectory)
        self.overrides = overrides
        do {
            _ = try LogConfig(overrides: Dictionary(overrides, uniquingKeysWith: { $1 }), base: LogConfig())
        } catch {
            throw TuneFailure("\(error)")
        }
    }

    /// The config the broker gives `topic`: its topic file's overrides over the broker defaults.
    /// A topic without a file gets the broker defaults, as the broker adopts it.
    func brokerConfig(for topic: String) throws(TuneFailure) -> LogConfig {
        if let problem = files.problems[topic] { throw TuneFailure("cannot read the broker's topic file: \(problem)") }
        guard let entry = files.topics[topic] else { return brokerDefaults }
        do {
            return try TopicConfigs.logConfig(overrides: entry.configs, base: brokerDefaults)
        } catch {
            throw TuneFailure("\(entry.path): \(error)")
        }
    }

    /// The broker's config with the command-line settings on top.
    func effectiveConfig(for topic: String) throws(TuneFailure) -> LogConfig {
        var config = try brokerConfig(for: topic)
        for (name, value) in overrides {
            do {
                try config.set(name, value)
            } catch {
                throw TuneFailure("\(error)")
            }
        }
        return config
    }

    /// The same, falling back to the command-line settings over the broker defaults when the
    /// topic file cannot be used (analyze and simulate warn and go on).
    func effectiveConfigOrDefaults(for topic: String, warn: (String) -> Void) -> LogConfig {
        do {
            return try effectiveConfig(for: topic)
        } catch {
            warn("\(error.message); analysing topic \(topic) with the broker defaults instead")
            var config = brokerDefaults
            for (name, value) in overrides { try? config.set(name, value) }
            return config
        }
    }

    /// Every setting of `topic` that differs from Kafka's default or was given explicitly, with its source.
    func settings(for topic: String) -> [Setting] {
        let defaults = LogConfig()
        let config = (try? effectiveConfig(for: topic)) ?? brokerDefaults
        let fromFile = files.topics[topic]?.configs ?? [:]
        let fromCommandLine = Set(overrides.map(\.name))
        var result: [Setting] = []
        for name in LogConfig.names {
            guard let value = config.value(of: name) else { continue }
            let source: String
            if fromCommandLine.contains(name) {
                source = Self.commandLine
            } else if fromFile[name] != nil {
                source = Self.topicFile
            } else if value != defaults.value(of: name) {
                source = Self.brokerConfig
            } else {
                continue
            }
            result.append(Setting(name: name, value: value, source: source))
        }
        return result
    }

    /// Where the configs come from, for the heading of the text output.
    var summary: String {
        var parts: [String] = []
        if !overrides.isEmpty {
            parts.append("command line (" + overrides.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")")
        }
        parts.append(files.exists ? "the broker's topic files (\(files.directory))" : "no broker topic files (\(files.directory) is absent)")
        parts.append(brokerConfigPath.map { "broker defaults from \($0)" } ?? "Kafka's defaults (no --broker-config)")
        return parts.joined(separator: ", then ")
    }
}
