import ArgumentParser
import Broker
import Foundation
import Tiering

/// How the tools reach an S3-compatible store: the same settings as the broker's
/// (`rsm.config.storage.s3.*`, read from `--broker-config`), flags over them, and the standard
/// AWS environment variables for whatever is left (credentials are never taken as flags, so they
/// stay out of shell history and process lists).
struct RemoteStoreOptions: ParsableArguments {
    @Option(name: .customLong("s3-endpoint"), help: ArgumentHelp(
        "The S3 endpoint URL, e.g. http://127.0.0.1:9000 (default: rsm.config.storage.s3.endpoint.url, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS).",
        valueName: "url"))
    var endpoint: String?

    @Option(name: .customLong("s3-region"), help: ArgumentHelp(
        "The bucket's region (default: rsm.config.storage.s3.region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1).", valueName: "region"))
    var region: String?

    @Flag(name: .customLong("s3-path-style"), help: "Address the bucket in the path (http://endpoint/bucket/key), as MinIO and moto want, instead of the host name.")
    var pathStyle = false

    @Option(name: .customLong("s3-part-size"), help: ArgumentHelp(
        "Uploads at or above this many bytes go as multipart uploads of parts this size (at least 5242880; default 26214400).", valueName: "bytes"))
    var partSize: Int?

    @Option(name: .customLong("broker-config"), help: ArgumentHelp(
        "A server.properties whose rsm.config.storage.s3.* and rsm.config.storage.aws.* settings to use (flags win over it).", valueName: "file"))
    var brokerConfig: String?

    /// The store for `bucket`, with keys taken as given (no prefix added).
    func store(bucket: String) throws -> S3RemoteStorage {
        var settings: [String: String] = [:]
        if let brokerConfig {
            let text: String
            do { text = try String(contentsOfFile: brokerConfig, encoding: .utf8) } catch {
                throw RemoteCommandError("cannot read --broker-config \(brokerConfig): \(error.localizedDescription)")
            }
            for (name, value) in JavaProperties.parse(text) where name.hasPrefix("rsm.config.storage.s3.") || name.hasPrefix("rsm.config.storage.aws.") {
                settings[String(name.dropFirst("rsm.config.".count))] = value
            }
        }
        settings[S3StorageConfig.Name.bucket] = bucket
        settings[S3StorageConfig.Name.keyPrefix] = ""
        if let endpoint { settings[S3StorageConfig.Name.endpoint] = endpoint }
        if let region { settings[S3StorageConfig.Name.region] = region }
        if pathStyle { settings[S3StorageConfig.Name.pathStyle] = "true" }
        if let partSize { settings[S3StorageConfig.Name.partSize] = String(partSize) }
        do {
            return try S3RemoteStorage(settings: settings)
        } catch {
            throw RemoteCommandError("\(error)")
        }
    }
}
