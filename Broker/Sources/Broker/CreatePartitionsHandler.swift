import Engine
import KafkaProtocol

/// CreatePartitions: grows topics (never shrinks them: INVALID_PARTITIONS), with an optional
/// assignment that may name only this node (INVALID_REPLICA_ASSIGNMENT), and `validateOnly`.
/// Runs on an I/O thread.
struct CreatePartitionsHandler: Sendable {
    let registry: TopicRegistry
    let config: BrokerConfig

    func handle(_ request: CreatePartitionsRequest, version: Int16) -> CreatePartitionsResponse {
        var counts: [String: Int] = [:]
        for topic in request.topics { counts[topic.name, default: 0] += 1 }
        var response = CreatePartitionsResponse()
        response.results = request.topics.map { topic in
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult(name: topic.name, errorCode: 0, errorMessage: nil)
            if let error = check(topic, duplicated: counts[topic.name]! > 1) {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
                return result
            }
            if case .failure(let error) = registry.createPartitions(name: topic.name, count: topic.count, validateOnly: request.validateOnly) {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
            }
            return result
        }
        return response
    }

    private func check(_ topic: CreatePartitionsRequest.CreatePartitionsTopic, duplicated: Bool) -> TopicAdminError? {
        if duplicated { return TopicAdminError(.invalidRequest, "Duplicate topic in request.") }
        guard let assignments = topic.assignments, let existing = registry.topic(named: topic.name) else { return nil }
        let added = Int(topic.count) - Int(existing.metadata.partitionCount)
        guard added > 0 else { return nil }  // the registry reports it
        guard assignments.count == added else {
            return TopicAdminError(.invalidReplicaAssignment,
                                   "Increasing the number of partitions by \(added) but \(assignments.count) assignments provided.")
        }
        for assignment in assignments where assignment.brokerIds != [config.nodeId] {
            return TopicAdminError(.invalidReplicaAssignment,
                                   "replica assignment \(assignment.brokerIds) names brokers other than the only one, \(config.nodeId)")
        }
        return nil
    }
}

/// DeleteRecords: moves each partition's log start offset up to the given offset (-1: the high
/// watermark), durably (`LogManager.deleteRecords` writes the log-start checkpoint), deleting the
/// segments wholly below it. OFFSET_OUT_OF_RANGE above the high watermark or below zero;
/// POLICY_VIOLATION on a topic without `delete` in `cleanup.policy`, as Kafka. Runs on an I/O thread.
struct DeleteRecordsHandler: Sendable {
    let registry: TopicRegistry

    static let highWatermark: Int64 = -1

    func handle(_ request: DeleteRecordsRequest, version: Int16) -> DeleteRecordsResponse {
        var response = DeleteRecordsResponse()
        response.topics = request.topics.map { topic in
            DeleteRecordsResponse.DeleteRecordsTopicResult(name: topic.name, partitions: topic.partitions.map { partition in
                let (lowWatermark, error) = delete(topic: topic.name, partition: partition.partitionIndex, before: partition.offset)
                return DeleteRecordsResponse.DeleteRecordsPartitionResult(
                    partitionIndex: partition.partitionIndex, lowWatermark: lowWatermark, errorCode: error.rawValue)
            })
        }
        return response
    }

    private func delete(topic name: String, partition: Int32, before requested: Int64) -> (Int64, KafkaErrorCode) {
        guard let log = registry.topic(named: name)?.log(partition) else { return (-1, .unknownTopicOrPartition) }
        guard log.config.deletesByRetention else { return (-1, .policyViolation) }
        let offset = requested == Self.highWatermark ? log.highWatermark : requested
        guard offset >= 0 else { return (-1, .offsetOutOfRange) }
        do {
            return (try registry.deleteRecords(of: log, before: offset), .none)
        } catch {
            switch error {
            case .offsetOutOfRange: return (-1, .offsetOutOfRange)
            case .invalidArgument: return (-1, .unknownTopicOrPartition)
            default: return (-1, .kafkaStorageError)
            }
        }
    }
}
