import Engine
import KafkaProtocol

/// ListOffsets: latest (-1: the high watermark, or the last stable offset for read_committed),
/// earliest (-2: the remote log start for tiered partitions), earliest-local (-4: the local log
/// start offset), max timestamp (-3), latest-tiered (-5: the last offset in the remote store), or
/// the first offset at or after a timestamp, searched remotely first. v0 answers in
/// its old offsets array. Runs on an I/O thread (timestamp lookups read segments).
struct ListOffsetsHandler: Sendable {
    let registry: TopicRegistry
    let leadership: any PartitionLeadership

    static let latest: Int64 = -1
    static let earliest: Int64 = -2
    static let maxTimestamp: Int64 = -3
    static let earliestLocal: Int64 = -4
    static let latestTiered: Int64 = -5

    func handle(_ request: ListOffsetsRequest, version: Int16) -> ListOffsetsResponse {
        var response = ListOffsetsResponse()
        let committed = version >= 2 && request.isolationLevel == 1
        for requested in request.topics {
            var topicResult = ListOffsetsResponse.ListOffsetsTopicResponse(name: requested.name)
            let topic = registry.topic(named: requested.name)
            for partition in requested.partitions {
                var result = ListOffsetsResponse.ListOffsetsPartitionResponse()
                result.partitionIndex = partition.partitionIndex
                if let log = topic?.log(partition.partitionIndex) {
                    answer(partition, log: log, committed: committed, into: &result, version: version)
                } else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                }
                topicResult.partitions.append(result)
            }
            response.topics.append(topicResult)
        }
        return response
    }

    private func answer(_ partition: ListOffsetsRequest.ListOffsetsPartition, log: PartitionLog, committed: Bool,
                        into result: inout ListOffsetsResponse.ListOffsetsPartitionResponse, version: Int16) {
        let leader = leadership.leader(of: log.topicPartition)
        if version >= 4, partition.currentLeaderEpoch >= 0, partition.currentLeaderEpoch != leader.leaderEpoch {
            result.errorCode = (partition.currentLeaderEpoch < leader.leaderEpoch ? KafkaErrorCode.fencedLeaderEpoch : .unknownLeaderEpoch).rawValue
            return
        }
        var found: (timestamp: Int64, offset: Int64)?
        do {
            switch partition.timestamp {
            case Self.latest:
                found = (-1, committed ? log.lastStableOffset : log.highWatermark)
            case Self.earliest:
                found = (-1, registry.logStartOffset(of: log))
            case Self.earliestLocal:
                found = (-1, log.logStartOffset)
            case Self.maxTimestamp:
                if let top = try log.maxTimestampRecord() { found = (top.timestamp, top.offset) }
            case Self.latestTiered:
                found = registry.highestRemoteOffset(of: log).map { (-1, $0) }
            case let timestamp where timestamp >= 0:
                if let hit = try registry.remoteOffset(forTimestamp: timestamp, of: log) {
                    found = hit
                } else if let hit = try log.offset(forTimestamp: timestamp) {
                    // Never point past what the client may read.
                    let bound = committed ? log.lastStableOffset : log.highWatermark
                    if hit.offset < bound { found = (hit.timestamp, hit.offset) }
                }
            default:
                result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                return
            }
        } catch {
            result.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
            return
        }
        if version == 0 {
            result.oldStyleOffsets = found.map { [$0.offset] } ?? []
            return
        }
        if let found {
            result.timestamp = found.timestamp
            result.offset = found.offset
            if version >= 4 { result.leaderEpoch = leader.leaderEpoch }
        }
    }
}
