import Engine
import KafkaProtocol
import NIOCore

/// OffsetCommit, OffsetFetch and OffsetDelete on the wire.
extension GroupRequestHandler {
    /// Whether the partition exists (Kafka answers UNKNOWN_TOPIC_OR_PARTITION before the coordinator sees it).
    func exists(_ partition: TopicPartition) -> Bool {
        registry.topic(named: partition.topic)?.log(partition.partition) != nil
    }

    // MARK: OffsetCommit

    func offsetCommit(_ request: OffsetCommitRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var entries: [OffsetCommitCall.Entry] = []
        for topic in request.topics {
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                let metadata = partition.committedMetadata ?? ""
                if !exists(key) {
                    errors[key] = .unknownTopicOrPartition
                } else if metadata.utf8.count > coordinator.config.offsetMetadataMaxBytes {
                    errors[key] = .offsetMetadataTooLarge
                } else {
                    entries.append(OffsetCommitCall.Entry(
                        partition: key, offset: partition.committedOffset,
                        leaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1, metadata: metadata,
                        commitTimestamp: version == 1 && partition.commitTimestamp != -1 ? partition.commitTimestamp : nil))
                }
            }
        }
        let call = OffsetCommitCall(
            groupId: request.groupId, generationId: version >= 1 ? request.generationIdOrMemberEpoch : -1,
            memberId: version >= 1 ? request.memberId : "", groupInstanceId: version >= 7 ? request.groupInstanceId : nil,
            retentionTimeMs: (2...4).contains(version) ? request.retentionTimeMs : -1, entries: entries)
        let partitionErrors = errors
        let respond: @Sendable (KafkaErrorCode) -> KafkaResponse = { error in
            .message(Self.commitResponse(request, errors: partitionErrors, otherwise: error))
        }
        guard !entries.isEmpty else { return context.eventLoop.makeSucceededFuture(respond(.none)) }
        return coordinator.submit(on: context.eventLoop) { .commitOffsets($0, call) }
            .map { reply in
                guard case .commit(let outcome) = reply else { return respond(.unknownServerError) }
                return respond(outcome.error)
            }
            .recover { _ in respond(.coordinatorNotAvailable) }
    }

    static func commitResponse(_ request: OffsetCommitRequest, errors: [TopicPartition: KafkaErrorCode], otherwise: KafkaErrorCode) -> OffsetCommitResponse {
        var response = OffsetCommitResponse()
        response.topics = request.topics.map { topic in
            OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: topic.partitions.map { partition in
                let error = errors[TopicPartition(topic: topic.name, partition: partition.partitionIndex)] ?? otherwise
                return OffsetCommitResponse.OffsetCommitResponsePartition(partitionIndex: partition.partitionIndex, errorCode: error.rawValue)
            })
        }
        return response
    }

    // MARK: OffsetFetch

    /// Committed offsets per partition (-1 and no metadata for partitions without a commit). There
    /// are no pending transactional offsets yet, so `require_stable` never waits.
    func offsetFetch(_ request: OffsetFetchRequest, version: Int16) -> OffsetFetchResponse {
        var response = OffsetFetchResponse()
        if version >= 8 {
            response.groups = request.groups.map { group in
                let requested = group.topics.map { topics in
                    topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic: topic.name, partition: $0) } }
                }
                let offsets = coordinator.read { $0.committedOffsets(groupId: group.groupId, partitions: requested) }
                var result = OffsetFetchResponse.OffsetFetchResponseGroup(groupId: group.groupId)
                for (name, entries) in Self.byTopic(offsets) {
                    result.topics.append(OffsetFetchResponse.OffsetFetchResponseTopics(name: name, partitions: entries.map { entry in
                        OffsetFetchResponse.OffsetFetchResponsePartitions(
                            partitionIndex: entry.partition.partition, committedOffset: entry.offset?.offset ?? -1,
                            committedLeaderEpoch: entry.offset?.leaderEpoch ?? -1, metadata: entry.offset?.metadata ?? "", errorCode: 0)
                    }))
                }
                return result
            }
            return response
        }
        // v0-1 always name the partitions; v2+ may ask for all with a null list.
        let requested = request.topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic: topic.name, partition: $0) } }
        }
        let offsets = coordinator.read { $0.committedOffsets(groupId: request.groupId, partitions: requested) }
        for (name, entries) in Self.byTopic(offsets) {
            response.topics.append(OffsetFetchResponse.OffsetFetchResponseTopic(name: name, partitions: entries.map { entry in
                OffsetFetchResponse.OffsetFetchResponsePartition(
                    partitionIndex: entry.partition.partition, committedOffset: entry.offset?.offset ?? -1,
                    committedLeaderEpoch: version >= 5 ? entry.offset?.leaderEpoch ?? -1 : -1, metadata: entry.offset?.metadata ?? "",
                    errorCode: 0)
            }))
        }
        return response
    }

    /// Groups entries by topic, keeping the order in which topics first appear.
    private static func byTopic(_ offsets: [(partition: TopicPartition, offset: CommittedOffset?)]) -> [(String, [(partition: TopicPartition, offset: CommittedOffset?)])] {
        var order: [String] = []
        var grouped: [String: [(partition: TopicPartition, offset: CommittedOffset?)]] = [:]
        for entry in offsets {
            if grouped[entry.partition.topic] == nil { order.append(entry.partition.topic) }
            grouped[entry.partition.topic, default: []].append(entry)
        }
        return order.map { ($0, grouped[$0]!) }
    }

    // MARK: OffsetDelete

    func offsetDelete(_ request: OffsetDeleteRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        var unknown: Set<TopicPartition> = []
        var partitions: [TopicPartition] = []
        for topic in request.topics {
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                if exists(key) { partitions.append(key) } else { unknown.insert(key) }
            }
        }
        let call = OffsetDeleteCall(groupId: request.groupId, partitions: partitions)
        let unknownPartitions = unknown
        let respond: @Sendable (OffsetDeleteOutcome) -> KafkaResponse = { outcome in
            var response = OffsetDeleteResponse(errorCode: outcome.error.rawValue)
            guard outcome.error == .none else { return .message(response) }
            response.topics = request.topics.map { topic in
                OffsetDeleteResponse.OffsetDeleteResponseTopic(name: topic.name, partitions: topic.partitions.map { partition in
                    let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                    let error = unknownPartitions.contains(key) ? .unknownTopicOrPartition : outcome.partitions[key] ?? KafkaErrorCode.none
                    return OffsetDeleteResponse.OffsetDeleteResponsePartition(partitionIndex: partition.partitionIndex, errorCode: error.rawValue)
                })
            }
            return .message(response)
        }
        return coordinator.submit(on: context.eventLoop) { .deleteOffsets($0, call) }
            .map { reply in
                guard case .deleteOffsets(let outcome) = reply else { return respond(OffsetDeleteOutcome(error: .unknownServerError)) }
                return respond(outcome)
            }
            .recover { _ in respond(OffsetDeleteOutcome(error: .coordinatorNotAvailable)) }
    }
}
