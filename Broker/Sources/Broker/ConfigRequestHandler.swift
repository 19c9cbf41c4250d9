import Engine
import KafkaProtocol

/// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for TOPIC resources (every topic
/// config, with sources, synonyms, types and documentation; changes validated by the engine's
/// `LogConfig`, persisted in the topic file and applied live) and BROKER resources (described,
/// read-only). Runs on an I/O thread.
struct ConfigRequestHandler: Sendable {
    let registry: TopicRegistry
    let config: BrokerConfig

    /// Kafka's `ConfigResource.Type`.
    enum ResourceType: Int8 {
        case topic = 2
        case broker = 4
        case brokerLogger = 8
    }

    /// IncrementalAlterConfigs operations (`AlterConfigOp.OpType`).
    enum Operation: Int8 {
        case set = 0
        case delete = 1
        case append = 2
        case subtract = 3
    }

    struct Failure: Error {
        var code: KafkaErrorCode
        var message: String
        init(_ code: KafkaErrorCode, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    // MARK: DescribeConfigs

    func describeConfigs(_ request: DescribeConfigsRequest, version: Int16) -> DescribeConfigsResponse {
        var response = DescribeConfigsResponse()
        response.results = request.resources.map { resource in
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName)
            do {
                let configs = try describe(resource)
                result.configs = configs.map { entry(for: $0, request: request, version: version) }
            } catch let failure as Failure {
                result.errorCode = failure.code.rawValue
                result.errorMessage = failure.message
            } catch {
                result.errorCode = KafkaErrorCode.unknownServerError.rawValue
                result.errorMessage = "\(error)"
            }
            return result
        }
        return response
    }

    private func describe(_ resource: DescribeConfigsRequest.DescribeConfigsResource) throws -> [DescribedConfig] {
        // Null or empty: every config (Kafka's ConfigHelper treats both alike).
        let keys = resource.configurationKeys.flatMap { $0.isEmpty ? nil : $0 }
        switch ResourceType(rawValue: resource.resourceType) {
        case .topic:
            let topic = try existingTopic(resource.resourceName)
            return TopicConfigCatalog.describe(topic, broker: config, keys: keys)
        case .broker:
            try checkBroker(resource.resourceName)
            // The empty name stands for the cluster-wide dynamic defaults: there are none.
            if resource.resourceName.isEmpty { return [] }
            return config.describeSettings(keys: keys)
        case .brokerLogger:
            throw Failure(.invalidRequest, "broker loggers cannot be described or changed in Strata")
        case .none:
            throw Failure(.invalidRequest, "unsupported resource type \(resource.resourceType)")
        }
    }

    private func entry(for described: DescribedConfig, request: DescribeConfigsRequest, version: Int16)
        -> DescribeConfigsResponse.DescribeConfigsResourceResult {
        var entry = DescribeConfigsResponse.DescribeConfigsResourceResult()
        entry.name = described.name
        entry.value = described.value
        entry.readOnly = described.readOnly
        entry.isSensitive = false
        if version == 0 {
            entry.isDefault = described.source == .defaultConfig
        } else {
            entry.configSource = described.source.rawValue
            if request.includeSynonyms {
                entry.synonyms = described.synonyms.map {
                    DescribeConfigsResponse.DescribeConfigsSynonym(name: $0.name, value: $0.value, source: $0.source.rawValue)
                }
            }
        }
        if version >= 3 {
            entry.configType = described.type.rawValue
            entry.documentation = request.includeDocumentation ? described.documentation : nil
        }
        return entry
    }

    // MARK: AlterConfigs (the whole set of overrides)

    func alterConfigs(_ request: AlterConfigsRequest, version: Int16) -> AlterConfigsResponse {
        var response = AlterConfigsResponse()
        let duplicates = Self.duplicateResources(request.resources.map { ($0.resourceType, $0.resourceName) })
        response.responses = request.resources.map { resource in
            let outcome = Self.attempt {
                try alter(type: resource.resourceType, name: resource.resourceName, configNames: resource.configs.map(\.name),
                          duplicates: duplicates, validateOnly: request.validateOnly) { _ in
                    var overrides: [String: String] = [:]
                    for entry in resource.configs {
                        guard let value = entry.value else { throw Failure(.invalidRequest, "null value not supported for topic config \(entry.name)") }
                        overrides[entry.name] = value
                    }
                    return overrides
                }
            }
            return Self.alterResult(outcome, type: resource.resourceType, name: resource.resourceName,
                                    as: AlterConfigsResponse.AlterConfigsResourceResponse.self)
        }
        return response
    }

    // MARK: IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT)

    func incrementalAlterConfigs(_ request: IncrementalAlterConfigsRequest, version: Int16) -> IncrementalAlterConfigsResponse {
        var response = IncrementalAlterConfigsResponse()
        let duplicates = Self.duplicateResources(request.resources.map { ($0.resourceType, $0.resourceName) })
        response.responses = request.resources.map { resource in
            let outcome = Self.attempt {
                try alter(type: resource.resourceType, name: resource.resourceName, configNames: resource.configs.map(\.name),
                          duplicates: duplicates, validateOnly: request.validateOnly) { topic in
                    var overrides = topic.metadata.configs
                    for change in resource.configs { try Self.applyOperation(change, to: &overrides) }
                    return overrides
                }
            }
            return Self.alterResult(outcome, type: resource.resourceType, name: resource.resourceName,
                                    as: IncrementalAlterConfigsResponse.AlterConfigsResourceResponse.self)
        }
        return response
    }

    /// What both alter APIs do with one resource: refuse duplicates and unknown resource types,
    /// refuse broker changes (read-only here), and for a topic apply the overrides that
    /// `newOverrides` computes from the topic's current state.
    private func alter(
        type: Int8, name: String, configNames: [String], duplicates: Set<String>, validateOnly: Bool,
        newOverrides: (TopicRegistry.Topic) throws -> [String: String]
    ) throws {
        if duplicates.contains(Self.key(type, name)) {
            throw Failure(.invalidRequest, "resource \(name) appears more than once in the request")
        }
        try checkDuplicateNames(configNames)
        switch ResourceType(rawValue: type) {
        case .topic:
            let topic = try existingTopic(name)
            try apply(topic.name, try newOverrides(topic), validateOnly: validateOnly)
        case .broker:
            try alterBroker(name, names: configNames)
        default:
            throw Failure(.invalidRequest, "unsupported resource type \(type)")
        }
    }

    /// One operation on a topic's overrides (Kafka's `prepareIncrementalConfigs`). APPEND and
    /// SUBTRACT work on list configs, starting from the override or Kafka's topic default.
    static func applyOperation(_ change: IncrementalAlterConfigsRequest.AlterableConfig, to overrides: inout [String: String]) throws {
        guard let operation = Operation(rawValue: change.configOperation) else {
            throw Failure(.invalidRequest, "unknown config operation \(change.configOperation) for \(change.name)")
        }
        guard TopicConfigCatalog.isKnown(change.name) else { throw Failure(.invalidConfig, "unknown topic config \(change.name)") }
        switch operation {
        case .set:
            guard let value = change.value else { throw Failure(.invalidRequest, "null value not supported for \(change.name)") }
            overrides[change.name] = value
        case .delete:
            overrides[change.name] = nil
        case .append, .subtract:
            guard TopicConfigCatalog.entry(change.name).type == .list else {
                let verb = operation == .append ? "append" : "subtract"
                throw Failure(.invalidConfig, "Config value \(verb) is not allowed for config key: \(change.name)")
            }
            let current = (overrides[change.name] ?? TopicConfigCatalog.kafkaDefault(change.name) ?? "")
                .split(separator: ",").map { String($0).trimmingBlanks }.filter { !$0.isEmpty }
            let values = (change.value ?? "").split(separator: ",").map { String($0).trimmingBlanks }.filter { !$0.isEmpty }
            let updated = operation == .append ? current + values.filter { !current.contains($0) } : current.filter { !values.contains($0) }
            overrides[change.name] = updated.joined(separator: ",")
        }
    }

    // MARK: Helpers

    private func apply(_ name: String, _ overrides: [String: String], validateOnly: Bool) throws {
        for key in overrides.keys where !TopicConfigCatalog.isKnown(key) {
            throw Failure(.invalidConfig, "unknown topic config \(key)")
        }
        if case .failure(let error) = registry.alterConfigs(name: name, overrides: overrides, validateOnly: validateOnly) {
            throw Failure(error.code, error.message)
        }
    }

    private func existingTopic(_ name: String) throws -> TopicRegistry.Topic {
        if let topic = registry.topic(named: name) { return topic }
        if let reason = TopicName.invalidReason(name) { throw Failure(.invalidTopicException, reason) }
        throw Failure(.unknownTopicOrPartition, "topic '\(name)' does not exist")
    }

    /// A BROKER resource names this broker's id, or is empty for the cluster-wide defaults.
    private func checkBroker(_ name: String) throws {
        guard !name.isEmpty else { return }
        guard let id = Int32(name) else { throw Failure(.invalidRequest, "broker id must be an integer, but it is: \(name)") }
        guard id == config.nodeId else {
            throw Failure(.invalidRequest, "unexpected broker id, expected \(config.nodeId) or empty string, but received \(name)")
        }
    }

    private func alterBroker(_ name: String, names: [String]) throws {
        try checkBroker(name)
        guard names.isEmpty else {
            throw Failure(.invalidRequest, "cannot update these configs dynamically: \(names.sorted().joined(separator: ", ")) "
                          + "(Strata reads broker settings at start only)")
        }
    }

    private func checkDuplicateNames(_ names: [String]) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw Failure(.invalidRequest, "error due to duplicate config keys: \(name)")
        }
    }

    private static func key(_ type: Int8, _ name: String) -> String { "\(type):\(name)" }

    private static func duplicateResources(_ resources: [(Int8, String)]) -> Set<String> {
        var counts: [String: Int] = [:]
        for (type, name) in resources { counts[key(type, name), default: 0] += 1 }
        return Set(counts.filter { $0.value > 1 }.keys)
    }

    /// Runs one resource's change; nil when it succeeded.
    private static func attempt(_ body: () throws -> Void) -> Failure? {
        do {
            try body()
            return nil
        } catch let failure as Failure {
            return failure
        } catch {
            return Failure(.unknownServerError, "\(error)")
        }
    }

    private static func alterResult<R: AlterResultInit>(_ failure: Failure?, type: Int8, name: String, as _: R.Type) -> R {
        R(errorCode: failure?.code.rawValue ?? 0, errorMessage: failure?.message, resourceType: type, resourceName: name)
    }
}

/// The two alter responses' per-resource results share their shape.
protocol AlterResultInit {
    init(errorCode: Int16, errorMessage: String?, resourceType: Int8, resourceName: String)
}

extension AlterConfigsResponse.AlterConfigsResourceResponse: AlterResultInit {}
extension IncrementalAlterConfigsResponse.AlterConfigsResourceResponse: AlterResultInit {}
