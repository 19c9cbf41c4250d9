import Engine
import KafkaProtocol

/// CreateTopics: partition count and replication factor (or the broker defaults for -1), an
/// explicit assignment naming only this node, topic configs validated by the engine's
/// `LogConfig`; TOPIC_ALREADY_EXISTS, INVALID_CONFIG, INVALID_PARTITIONS,
/// INVALID_REPLICATION_FACTOR, and `validateOnly`. Runs on an I/O thread.
struct CreateTopicsHandler: Sendable {
    let registry: TopicRegistry
    let config: BrokerConfig

    /// Kafka's `ConfigSource` values used in the v5+ response.
    enum ConfigSource: Int8 {
        case dynamicTopicConfig = 1
        case staticBrokerConfig = 4
        case defaultConfig = 5
    }

    func handle(_ request: CreateTopicsRequest, version: Int16) -> CreateTopicsResponse {
        var response = CreateTopicsResponse()
        var counts: [String: Int] = [:]
        for topic in request.topics { counts[topic.name, default: 0] += 1 }
        for topic in request.topics {
            var result = CreateTopicsResponse.CreatableTopicResult()
            result.name = topic.name
            result.errorMessage = nil
            if counts[topic.name]! > 1 {
                fail(&result, .invalidRequest, "topic '\(topic.name)' appears more than once in the request", version: version)
            } else {
                create(topic, validateOnly: version >= 1 && request.validateOnly, into: &result, version: version)
            }
            response.topics.append(result)
        }
        return response
    }

    private func create(_ topic: CreateTopicsRequest.CreatableTopic, validateOnly: Bool, into result: inout CreateTopicsResponse.CreatableTopicResult, version: Int16) {
        var partitions = topic.numPartitions
        var replication = topic.replicationFactor
        if !topic.assignments.isEmpty {
            guard partitions == -1, replication == -1 else {
                return fail(&result, .invalidRequest, "both numPartitions or replicationFactor and replicasAssignments were set", version: version)
            }
            let indexes = topic.assignments.map(\.partitionIndex).sorted()
            guard indexes == Array(0..<Int32(indexes.count)) else {
                return fail(&result, .invalidReplicaAssignment, "partitions must be numbered 0 to \(indexes.count - 1) without gaps", version: version)
            }
            for assignment in topic.assignments where assignment.brokerIds != [config.nodeId] {
                return fail(&result, .invalidReplicaAssignment,
                            "partition \(assignment.partitionIndex) is assigned to brokers \(assignment.brokerIds); the only broker is \(config.nodeId)",
                            version: version)
            }
            partitions = Int32(indexes.count)
            replication = 1
        }
        if partitions == -1 { partitions = config.numPartitions }
        if replication == -1 { replication = config.defaultReplicationFactor }
        var overrides: [String: String] = [:]
        for entry in topic.configs {
            guard let value = entry.value else { continue }
            overrides[entry.name] = value
        }
        switch registry.createTopic(name: topic.name, partitions: partitions, replicationFactor: replication, configs: overrides, validateOnly: validateOnly) {
        case .failure(let error):
            fail(&result, error.code, error.message, version: version)
        case .success(let created):
            if version >= 7 && !validateOnly { result.topicId = created.id }
            if version >= 5 {
                result.numPartitions = partitions
                result.replicationFactor = replication
                result.configs = describeConfigs(created)
            }
        }
    }

    private func describeConfigs(_ topic: TopicRegistry.Topic) -> [CreateTopicsResponse.CreatableTopicConfigs] {
        var values = TopicConfigs.describe(topic.logConfig)
        for (name, value) in topic.metadata.configs { values[name] = value }
        return values.keys.sorted().map { name in
            let source: ConfigSource = topic.metadata.configs[name] != nil ? .dynamicTopicConfig
                : config.topicConfigDefaults[name] != nil ? .staticBrokerConfig : .defaultConfig
            return CreateTopicsResponse.CreatableTopicConfigs(
                name: name, value: values[name], readOnly: false, configSource: source.rawValue, isSensitive: false)
        }
    }

    private func fail(_ result: inout CreateTopicsResponse.CreatableTopicResult, _ code: KafkaErrorCode, _ message: String, version: Int16) {
        result.errorCode = code.rawValue
        if version >= 1 { result.errorMessage = message }
        if version >= 5 { result.configs = nil }
    }
}
