import Foundation
import KafkaProtocol

/// Finds a topic's partitions through Metadata, creating the topic first when asked:
/// with CreateTopics for a given partition count, else by the broker's auto-creation.
enum PerfTopics {
    static func partitions(of topic: String, on connection: PerfConnection, create: Bool, partitions: Int?) throws -> [Int32] {
        if let partitions {
            let version = try connection.version(of: CreateTopicsRequest.self)
            let request = CreateTopicsRequest(topics: [CreateTopicsRequest.CreatableTopic(name: topic, numPartitions: Int32(partitions), replicationFactor: -1)], timeoutMs: 30000)
            let response = try connection.request(request, version: version)
            for result in response.topics where result.errorCode != 0 && result.errorCode != 36 {
                throw ClientError("\(connection.address) refused to create topic \(topic): \(result.errorMessage ?? "error \(result.errorCode)")")
            }
        }
        let version = try connection.version(of: MetadataRequest.self)
        var lastError: Int16 = 0
        for _ in 0..<50 {
            var request = MetadataRequest()
            request.topics = [MetadataRequest.MetadataRequestTopic(name: topic)]
            request.allowAutoTopicCreation = create
            let response = try connection.request(request, version: version)
            guard let found = response.topics.first(where: { $0.name == topic }) else {
                throw ClientError("\(connection.address) returned no metadata for topic \(topic)")
            }
            lastError = found.errorCode
            if found.errorCode == 0, !found.partitions.isEmpty {
                return found.partitions.map(\.partitionIndex).sorted()
            }
            if found.errorCode == 3, !create {
                throw ClientError("topic \(topic) does not exist on \(connection.address)")
            }
            // 5 LEADER_NOT_AVAILABLE and 3 UNKNOWN_TOPIC_OR_PARTITION while a new topic is created.
            guard found.errorCode == 5 || found.errorCode == 3 || found.errorCode == 0 else { break }
            usleep(100_000)
        }
        throw ClientError("topic \(topic) is not available on \(connection.address) (error \(lastError))")
    }
}
