import KafkaProtocol

/// The APIs and versions this broker implements, exactly as ApiVersions advertises them.
///
/// Produce starts at v3 and Fetch at v4, the first versions that carry RecordBatch v2 (magic 2),
/// the only format the engine stores; older clients negotiate up to these.
public enum SupportedApis {
    public static let versions: [ApiKey: ClosedRange<Int16>] = [
        .produce: 3...11,
        .fetch: 4...17,
        .listOffsets: 0...10,
        .metadata: 0...12,
        .apiVersions: 0...4,
        .createTopics: 0...7,
        .deleteTopics: 0...6,
        .initProducerId: 0...5,
        .findCoordinator: 0...6,
        .joinGroup: 0...9,
        .syncGroup: 0...5,
        .heartbeat: 0...4,
        .leaveGroup: 0...5,
        .offsetCommit: 0...9,
        .offsetFetch: 0...9,
        .offsetDelete: 0...0,
        .listGroups: 0...5,
        .describeGroups: 0...5,
        .deleteGroups: 0...2,
        .createPartitions: 0...3,
        .deleteRecords: 0...2,
        .describeConfigs: 0...4,
        .alterConfigs: 0...2,
        .incrementalAlterConfigs: 0...1,
    ]

    public static func supports(_ key: ApiKey, version: Int16) -> Bool {
        versions[key]?.contains(version) ?? false
    }

    /// The ApiVersions response's list, sorted by key.
    public static var apiVersionList: [ApiVersionsResponse.ApiVersion] {
        versions.keys.sorted { $0.rawValue < $1.rawValue }.map {
            ApiVersionsResponse.ApiVersion(apiKey: $0.rawValue, minVersion: versions[$0]!.lowerBound, maxVersion: versions[$0]!.upperBound)
        }
    }
}
