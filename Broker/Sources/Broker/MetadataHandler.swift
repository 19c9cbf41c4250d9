import Engine
import KafkaProtocol
import NIOConcurrencyHelpers

/// Metadata: this broker, the cluster id, the controller (this node), and the requested topics,
/// creating unknown ones when `auto.create.topics.enable` and the request allow it. Runs on an
/// I/O thread because creating a topic writes files.
struct MetadataHandler: Sendable {
    let registry: TopicRegistry
    let config: BrokerConfig
    let leadership: any PartitionLeadership
    let endpoints: NIOLockedValueBox<AdvertisedEndpoints>

    func handle(_ request: MetadataRequest, context: RequestContext) -> MetadataResponse {
        let version = context.apiVersion
        let (host, port) = endpoints.withLockedValue { $0.endpoint(listenerName: context.listenerName, localAddress: context.localAddress) }
        var response = MetadataResponse()
        response.brokers = [MetadataResponse.MetadataResponseBroker(nodeId: leadership.localNodeId, host: host, port: port, rack: nil)]
        if version >= 2 { response.clusterId = registry.clusterId }
        if version >= 1 { response.controllerId = leadership.localNodeId }

        // v0: an empty list means every topic; v1+: null means every topic, empty means none.
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        if wantsAll {
            response.topics = registry.allTopics.map { describe($0, version: version) }
            return response
        }
        let allowCreate = config.autoCreateTopicsEnable && (version < 4 || request.allowAutoTopicCreation)
        for requested in request.topics ?? [] {
            if let name = requested.name {
                response.topics.append(lookup(name: name, allowCreate: allowCreate, version: version))
            } else if let topic = registry.topic(id: requested.topicId) {
                response.topics.append(describe(topic, version: version))
            } else {
                var missing = MetadataResponse.MetadataResponseTopic()
                missing.errorCode = KafkaErrorCode.unknownTopicId.rawValue
                missing.name = nil
                missing.topicId = requested.topicId
                response.topics.append(missing)
            }
        }
        return response
    }

    private func lookup(name: String, allowCreate: Bool, version: Int16) -> MetadataResponse.MetadataResponseTopic {
        if let topic = registry.topic(named: name) { return describe(topic, version: version) }
        var missing = MetadataResponse.MetadataResponseTopic()
        missing.name = name
        if TopicName.invalidReason(name) != nil {
            missing.errorCode = KafkaErrorCode.invalidTopicException.rawValue
            return missing
        }
        guard allowCreate else {
            missing.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
            return missing
        }
        // __consumer_offsets is created as the group coordinator creates it (compacted, its own
        // partition count), as Kafka's createInternalTopic does.
        let isOffsetsTopic = name == OffsetsTopic.name
        let partitions = isOffsetsTopic ? config.groupCoordinator.offsetsTopicPartitions : config.numPartitions
        let configs = isOffsetsTopic ? OffsetsTopic.configs(config.groupCoordinator) : [:]
        switch registry.createTopic(name: name, partitions: partitions, replicationFactor: config.defaultReplicationFactor, configs: configs) {
        case .success(let topic):
            return describe(topic, version: version)
        case .failure(let error) where error.code == .topicAlreadyExists:
            if let topic = registry.topic(named: name) { return describe(topic, version: version) }
            missing.errorCode = KafkaErrorCode.leaderNotAvailable.rawValue
            return missing
        case .failure(let error):
            missing.errorCode = (error.code == .invalidTopicException ? error.code : .leaderNotAvailable).rawValue
            return missing
        }
    }

    private func describe(_ topic: TopicRegistry.Topic, version: Int16) -> MetadataResponse.MetadataResponseTopic {
        var result = MetadataResponse.MetadataResponseTopic()
        result.name = topic.name
        if version >= 1 { result.isInternal = InternalTopics.isInternal(topic.name) }
        if version >= 10 { result.topicId = topic.id }
        result.partitions = (0..<topic.metadata.partitionCount).map { index in
            let leader = leadership.leader(of: TopicPartition(topic: topic.name, partition: index))
            var partition = MetadataResponse.MetadataResponsePartition()
            partition.partitionIndex = index
            partition.leaderId = leader.leaderId
            if version >= 7 { partition.leaderEpoch = leader.leaderEpoch }
            partition.replicaNodes = leader.replicas
            partition.isrNodes = leader.inSyncReplicas
            return partition
        }
        return result
    }
}
