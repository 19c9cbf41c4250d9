import KafkaProtocol

/// DeleteTopics: by name (v0-5) or by name or topic id (v6+). UNKNOWN_TOPIC_OR_PARTITION,
/// UNKNOWN_TOPIC_ID, TOPIC_DELETION_DISABLED when `delete.topic.enable=false`. Runs on an I/O thread.
struct DeleteTopicsHandler: Sendable {
    let registry: TopicRegistry
    let config: BrokerConfig

    func handle(_ request: DeleteTopicsRequest, version: Int16) -> DeleteTopicsResponse {
        var response = DeleteTopicsResponse()
        let targets: [(name: String?, id: KafkaUUID)] = version >= 6
            ? request.topics.map { ($0.name, $0.topicId) }
            : request.topicNames.map { ($0, KafkaUUID.zero) }
        for target in targets {
            var result = DeleteTopicsResponse.DeletableTopicResult()
            result.name = target.name
            if version >= 6 { result.topicId = target.id }
            let name: String?
            if let given = target.name {
                name = given
            } else {
                name = registry.topic(id: target.id)?.name
                result.name = name
            }
            if !config.deleteTopicEnable {
                fail(&result, .topicDeletionDisabled, "topic deletion is disabled (delete.topic.enable=false)", version: version)
            } else if let name {
                if target.name != nil, target.id != .zero, let topic = registry.topic(named: name), topic.id != target.id {
                    fail(&result, .inconsistentTopicId, "topic '\(name)' has id \(topic.id), not \(target.id)", version: version)
                } else {
                    switch registry.deleteTopic(named: name) {
                    case .success(let metadata): if version >= 6 { result.topicId = metadata.id }
                    case .failure(let error): fail(&result, error.code, error.message, version: version)
                    }
                }
            } else {
                fail(&result, .unknownTopicId, "no topic has id \(target.id)", version: version)
            }
            response.responses.append(result)
        }
        return response
    }

    private func fail(_ result: inout DeleteTopicsResponse.DeletableTopicResult, _ code: KafkaErrorCode, _ message: String, version: Int16) {
        result.errorCode = code.rawValue
        if version >= 5 { result.errorMessage = message }
    }
}
