import KafkaProtocol

/// ApiVersions: the APIs and version ranges of `SupportedApis`.
struct ApiVersionsHandler: Sendable {
    func handle(_ request: ApiVersionsRequest, version: Int16) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: KafkaErrorCode.none.rawValue, apiKeys: SupportedApis.apiVersionList)
    }

    /// The answer to an ApiVersions request of a version this broker does not know: Kafka answers
    /// UNSUPPORTED_VERSION with its own list, encoded as version 0 so any client can read it.
    static func unsupportedVersionResponse() -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: KafkaErrorCode.unsupportedVersion.rawValue, apiKeys: SupportedApis.apiVersionList)
    }
}
