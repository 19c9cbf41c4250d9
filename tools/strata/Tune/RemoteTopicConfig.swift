import Broker
import Engine
import KafkaProtocol

/// `strata tune apply --bootstrap-server HOST:PORT --topic T --<config> V ...`: sets topic configs
/// on a running broker. Values are checked locally first (the same `LogConfig` rules the broker
/// applies), then sent with IncrementalAlterConfigs (SET each name, leaving the topic's other
/// overrides alone), or AlterConfigs when the broker is older (which replaces the overrides).
enum RemoteTopicConfig {
    static let topicResource: Int8 = 2

    static func apply(_ overrides: [(name: String, value: String)], topic: String, bootstrapServer: String, output: TuneOutput) throws {
        guard !overrides.isEmpty else { throw ClientError("give at least one --<config> setting to apply to \(topic)") }
        do {
            _ = try LogConfig(overrides: Dictionary(overrides.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
        } catch {
            throw ClientError("\(error)")
        }
        let connection = try KafkaConnection(bootstrapServer: bootstrapServer)
        let settings = overrides.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        let (code, message, api): (Int16, String?, String)
        if let version = connection.version(of: IncrementalAlterConfigsRequest.self) {
            let request = IncrementalAlterConfigsRequest(resources: [.init(
                resourceType: topicResource, resourceName: topic,
                configs: overrides.map { .init(name: $0.name, configOperation: 0, value: $0.value) })])
            let response = try connection.send(request, version: version)
            guard let result = response.responses.first(where: { $0.resourceName == topic }) else {
                throw ClientError("\(bootstrapServer) answered without a result for topic \(topic)")
            }
            (code, message, api) = (result.errorCode, result.errorMessage, "IncrementalAlterConfigs v\(version)")
        } else if let version = connection.version(of: AlterConfigsRequest.self) {
            let request = AlterConfigsRequest(resources: [.init(
                resourceType: topicResource, resourceName: topic, configs: overrides.map { .init(name: $0.name, value: $0.value) })])
            let response = try connection.send(request, version: version)
            guard let result = response.responses.first(where: { $0.resourceName == topic }) else {
                throw ClientError("\(bootstrapServer) answered without a result for topic \(topic)")
            }
            (code, message, api) = (result.errorCode, result.errorMessage, "AlterConfigs v\(version)")
        } else {
            throw ClientError("\(bootstrapServer) does not support AlterConfigs or IncrementalAlterConfigs")
        }
        guard code == 0 else {
            let name = KafkaErrorCode(rawValue: code).map { "\($0)" } ?? "error \(code)"
            throw ClientError("\(bootstrapServer) refused \(settings) for topic \(topic): \(name)\(message.map { ": \($0)" } ?? "")")
        }
        if output.json {
            output.document(Result(bootstrapServer: bootstrapServer, topic: topic, api: api, settings: Dictionary(overrides.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })))
        } else {
            output.line("Set \(settings) on topic \(topic) at \(bootstrapServer) (\(api)); the broker applies them now and keeps them")
        }
        output.flush()
    }

    struct Result: Encodable {
        var bootstrapServer: String
        var topic: String
        var api: String
        var settings: [String: String]
    }
}
