import Tiering
import XCTest

final class S3StorageConfigTests: XCTestCase {
    private let keys = ["storage.aws.access.key.id": "AKIAEXAMPLEKEYID", "storage.aws.secret.access.key": "very/secret+KEY"]

    private func settings(_ extra: [String: String]) -> [String: String] {
        keys.merging(["storage.s3.bucket.name": "tiered"]) { a, _ in a }.merging(extra) { _, b in b }
    }

    private func assertInvalid(_ settings: [String: String], environment: [String: String] = [:], name: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try S3StorageConfig(settings: settings, environment: environment), file: file, line: line) { error in
            guard case let .invalidConfig(reportedName, _, reason)? = error as? RemoteStorageError else {
                return XCTFail("not an invalidConfig: \(error)", file: file, line: line)
            }
            XCTAssertEqual(reportedName, name, reason, file: file, line: line)
            XCTAssertFalse("\(error)".contains("very/secret+KEY"), file: file, line: line)
        }
    }

    func testDefaults() throws {
        let config = try S3StorageConfig(settings: settings([:]), environment: [:])
        XCTAssertEqual(config.bucket, "tiered")
        XCTAssertEqual(config.region, "us-east-1")
        XCTAssertNil(config.endpoint)
        XCTAssertEqual(config.effectiveEndpoint, "https://s3.us-east-1.amazonaws.com")
        XCTAssertFalse(config.pathStyleAccess)
        XCTAssertEqual(config.partSize, 25 * 1024 * 1024)
        XCTAssertEqual(config.keyPrefix, "")
        XCTAssertEqual(config.credentials, AWSCredentials(accessKeyId: "AKIAEXAMPLEKEYID", secretAccessKey: "very/secret+KEY"))
        XCTAssertEqual(config.requestTimeoutMilliseconds, 60_000)
        XCTAssertEqual(config.connectTimeoutMilliseconds, 10_000)
        XCTAssertEqual(config.retryPolicy, RetryPolicy(maxAttempts: 4, baseDelayMilliseconds: 100, maxDelayMilliseconds: 10_000))
        XCTAssertEqual(config.listMaxKeys, 1000)
        XCTAssertEqual(try S3StorageConfig(settings: settings(["storage.s3.region": "eu-west-3"]), environment: [:]).effectiveEndpoint,
                       "https://s3.eu-west-3.amazonaws.com")
    }

    func testEverySettingIsRead() throws {
        let config = try S3StorageConfig(settings: settings([
            "storage.s3.region": "eu-central-1",
            "storage.s3.endpoint.url": "http://minio.local:9000",
            "storage.s3.path.style.access.enabled": "TRUE",
            "storage.s3.multipart.upload.part.size": "5242880",
            "storage.s3.key.prefix": "cluster-a/",
            "storage.aws.session.token": "token-value",
            "storage.s3.api.call.timeout": "1500",
            "storage.s3.connect.timeout": "250",
            "storage.s3.max.retries": "0",
            "storage.s3.retry.backoff.ms": "5",
            "storage.s3.retry.backoff.max.ms": "50",
            "storage.s3.list.max.keys": "2",
            "storage.s3.multipart.upload.concurrency": "3",
            "rsm.other.plugin.setting": "ignored",
        ]), environment: [:])
        XCTAssertEqual(config, S3StorageConfig(
            bucket: "tiered",
            credentials: AWSCredentials(accessKeyId: "AKIAEXAMPLEKEYID", secretAccessKey: "very/secret+KEY", sessionToken: "token-value"),
            region: "eu-central-1", endpoint: "http://minio.local:9000", pathStyleAccess: true, partSize: 5_242_880,
            keyPrefix: "cluster-a/", requestTimeoutMilliseconds: 1500, connectTimeoutMilliseconds: 250, maxRetries: 0,
            retryBackoffMilliseconds: 5, retryBackoffMaxMilliseconds: 50, listMaxKeys: 2, multipartConcurrency: 3))
        XCTAssertEqual(Set(S3StorageConfig.settings.map(\.name)).count, 16)
        XCTAssertEqual(S3StorageConfig.settings.filter(\.isSecret).map(\.name), ["storage.aws.secret.access.key", "storage.aws.session.token"])
    }

    func testEnvironmentFallbacks() throws {
        let environment = [
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_DEFAULT_REGION": "ap-south-1", "AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_S3": "http://s3only:2",
        ]
        let config = try S3StorageConfig(settings: ["storage.s3.bucket.name": "b", "storage.s3.path.style.access.enabled": "true"], environment: environment)
        XCTAssertEqual(config.credentials, AWSCredentials(accessKeyId: "ENVKEY", secretAccessKey: "env-secret", sessionToken: "env-token"))
        XCTAssertEqual(config.region, "ap-south-1")
        XCTAssertEqual(config.endpoint, "http://s3only:2")
        var withRegion = environment
        withRegion["AWS_REGION"] = "sa-east-1"
        withRegion["AWS_ENDPOINT_URL_S3"] = nil
        let second = try S3StorageConfig(settings: ["storage.s3.bucket.name": "b", "storage.s3.path.style.access.enabled": "true"], environment: withRegion)
        XCTAssertEqual(second.region, "sa-east-1")
        XCTAssertEqual(second.endpoint, "http://generic:1")
        // Settings win over the environment, and the environment's token never pairs with configured keys.
        let third = try S3StorageConfig(settings: settings(["storage.s3.region": "us-west-2"]), environment: environment)
        XCTAssertEqual(third.region, "us-west-2")
        XCTAssertEqual(third.credentials.accessKeyId, "AKIAEXAMPLEKEYID")
        XCTAssertNil(third.credentials.sessionToken)
    }

    func testBadValuesAreNamed() {
        assertInvalid(["storage.s3.region": "x"].merging(keys) { a, _ in a }, name: "storage.s3.bucket.name")
        assertInvalid(settings(["storage.s3.bucket.name": "  "]), name: "storage.s3.bucket.name")
        assertInvalid(settings(["storage.s3.multipart.upload.part.size": "5242879"]), name: "storage.s3.multipart.upload.part.size")
        assertInvalid(settings(["storage.s3.multipart.upload.part.size": "25MB"]), name: "storage.s3.multipart.upload.part.size")
        assertInvalid(settings(["storage.s3.path.style.access.enabled": "yes"]), name: "storage.s3.path.style.access.enabled")
        assertInvalid(settings(["storage.s3.endpoint.url": "minio:9000"]), name: "storage.s3.endpoint.url")
        assertInvalid(settings(["storage.s3.api.call.timeout": "0"]), name: "storage.s3.api.call.timeout")
        assertInvalid(settings(["storage.s3.connect.timeout": "-1"]), name: "storage.s3.connect.timeout")
        assertInvalid(settings(["storage.s3.max.retries": "many"]), name: "storage.s3.max.retries")
        assertInvalid(settings(["storage.s3.retry.backoff.ms": "500", "storage.s3.retry.backoff.max.ms": "100"]), name: "storage.s3.retry.backoff.max.ms")
        assertInvalid(settings(["storage.s3.list.max.keys": "1001"]), name: "storage.s3.list.max.keys")
        assertInvalid(settings(["storage.s3.region": "us east"]), name: "storage.s3.region")
        // Virtual-hosted addressing needs a DNS-style bucket and a host name.
        assertInvalid(settings(["storage.s3.bucket.name": "Upper_Case"]), name: "storage.s3.path.style.access.enabled")
        assertInvalid(settings(["storage.s3.endpoint.url": "http://10.0.0.1:9000"]), name: "storage.s3.path.style.access.enabled")
    }

    func testUnknownNamesAndMissingCredentials() {
        assertInvalid(settings(["storage.s3.bucket": "typo"]), name: "storage.s3.bucket")
        assertInvalid(settings(["storage.aws.secret.key": "very/secret+KEY"]), name: "storage.aws.secret.key")
        assertInvalid(["storage.s3.bucket.name": "b"], name: "storage.aws.access.key.id")
        assertInvalid(["storage.s3.bucket.name": "b", "storage.aws.access.key.id": "id"], name: "storage.aws.secret.access.key")
        assertInvalid(["storage.s3.bucket.name": "b", "storage.aws.secret.access.key": "very/secret+KEY"], name: "storage.aws.access.key.id")
        assertInvalid(["storage.s3.bucket.name": "b", "storage.aws.session.token": "t"],
                      environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"], name: "storage.aws.session.token")
    }

    func testSecretsAreRedacted() throws {
        let config = try S3StorageConfig(settings: settings(["storage.aws.session.token": "SESSION-TOKEN-VALUE"]), environment: [:])
        var dumped = ""
        dump(config, to: &dumped)
        for text in [config.description, "\(config)", String(reflecting: config), dumped, "\(config.credentials)",
                     String(reflecting: config.credentials)] {
            XCTAssertFalse(text.contains("very/secret+KEY"), text)
            XCTAssertFalse(text.contains("SESSION-TOKEN-VALUE"), text)
            XCTAssertFalse(text.contains("AKIAEXAMPLEKEYID"), text)
        }
        XCTAssertTrue(config.description.contains("AKIA****"), config.description)
        XCTAssertTrue(config.description.contains("bucket: tiered"), config.description)
        XCTAssertTrue(dumped.contains("<redacted>"), dumped)
    }

    func testReadmeShowsTheGeneratedSettingsTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tiering/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let table = S3Setting.markdownTable(S3StorageConfig.settings)
        XCTAssertTrue(text.contains(table), "Tiering/README.md is out of date; its settings table should read:\n\(table)")
    }
}
