#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything `S3RemoteStorage` needs to reach a bucket: where, as whom, and how patiently.
///
/// Built either field by field or from the broker's settings (`init(settings:environment:)`),
/// where unset values fall back to the standard AWS environment variables and then to defaults.
/// `description` never shows the secret key or the session token.
public struct S3StorageConfig: Sendable, Equatable, CustomStringConvertible {
    public static let minimumPartSize = 5 * 1024 * 1024
    public static let maximumPartSize = 5 * 1024 * 1024 * 1024
    public static let defaultPartSize = 25 * 1024 * 1024
    public static let defaultRegion = "us-east-1"
    public static let defaultMultipartConcurrency = 4

    public var bucket: String
    public var region: String
    /// `scheme://host[:port]`; nil means AWS's own `https://s3.<region>.amazonaws.com`.
    public var endpoint: String?
    /// `endpoint/bucket/key` when true, `bucket.endpoint/key` (virtual-hosted) when false.
    public var pathStyleAccess: Bool
    /// Files this large or larger go up as a multipart upload in parts of this size.
    public var partSize: Int
    /// Prepended verbatim to every key (include the trailing `/` if you want one).
    public var keyPrefix: String
    public var credentials: AWSCredentials
    /// The limit on one HTTP request, from connecting to the last byte of the answer.
    public var requestTimeoutMilliseconds: Int
    public var connectTimeoutMilliseconds: Int
    /// Retries after the first try of each request.
    public var maxRetries: Int
    public var retryBackoffMilliseconds: Int
    public var retryBackoffMaxMilliseconds: Int
    /// Keys per ListObjectsV2 page (1...1000).
    public var listMaxKeys: Int
    /// Parts of one multipart upload sent at once (each holds one part buffer in memory).
    public var multipartConcurrency: Int

    public init(
        bucket: String,
        credentials: AWSCredentials,
        region: String = S3StorageConfig.defaultRegion,
        endpoint: String? = nil,
        pathStyleAccess: Bool = false,
        partSize: Int = S3StorageConfig.defaultPartSize,
        keyPrefix: String = "",
        requestTimeoutMilliseconds: Int = 60_000,
        connectTimeoutMilliseconds: Int = 10_000,
        maxRetries: Int = 3,
        retryBackoffMilliseconds: Int = 100,
        retryBackoffMaxMilliseconds: Int = 10_000,
        listMaxKeys: Int = 1000,
        multipartConcurrency: Int = S3StorageConfig.defaultMultipartConcurrency
    ) {
        self.bucket = bucket
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.pathStyleAccess = pathStyleAccess
        self.partSize = partSize
        self.keyPrefix = keyPrefix
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.maxRetries = maxRetries
        self.retryBackoffMilliseconds = retryBackoffMilliseconds
        self.retryBackoffMaxMilliseconds = retryBackoffMaxMilliseconds
        self.listMaxKeys = listMaxKeys
        self.multipartConcurrency = multipartConcurrency
    }

    /// The endpoint requests go to: the configured one, or AWS's for the region.
    public var effectiveEndpoint: String {
        endpoint ?? "https://s3.\(region).amazonaws.com"
    }

    public var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxRetries + 1, baseDelayMilliseconds: retryBackoffMilliseconds, maxDelayMilliseconds: retryBackoffMaxMilliseconds)
    }

    public var description: String {
        "S3StorageConfig(bucket: \(bucket), region: \(region), endpoint: \(effectiveEndpoint), "
            + "addressing: \(pathStyleAccess ? "path-style" : "virtual-hosted"), part size: \(partSize), "
            + "key prefix: '\(keyPrefix)', credentials: \(credentials), request timeout: \(requestTimeoutMilliseconds) ms, "
            + "connect timeout: \(connectTimeoutMilliseconds) ms, retries: \(maxRetries), "
            + "backoff: \(retryBackoffMilliseconds)...\(retryBackoffMaxMilliseconds) ms, list page: \(listMaxKeys) keys)"
    }

    /// Checks the values against S3's rules and each other; throws naming the setting at fault.
    public func validate() throws(RemoteStorageError) {
        if bucket.isEmpty {
            throw .invalidConfig(name: Name.bucket, value: bucket, reason: "a bucket name is required")
        }
        if bucket.utf8.count > 255 || bucket.contains(where: { $0 == "/" || $0.isWhitespace || $0.isNewline }) {
            throw .invalidConfig(name: Name.bucket, value: bucket, reason: "must be a bucket name, without '/' or spaces")
        }
        if region.isEmpty || region.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw .invalidConfig(name: Name.region, value: region, reason: "must be a region name such as us-east-1")
        }
        let parsed = try S3Endpoint(url: effectiveEndpoint, settingName: Name.endpoint)
        if !pathStyleAccess {
            let dnsSafe = bucket.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
            if !dnsSafe {
                throw .invalidConfig(name: Name.pathStyle, value: "false", reason: "bucket '\(bucket)' is not a DNS name, so it needs path-style access")
            }
            if parsed.isIPAddress {
                throw .invalidConfig(name: Name.pathStyle, value: "false", reason: "endpoint \(parsed.host) is an IP address, so it needs path-style access")
            }
        }
        if partSize < Self.minimumPartSize || partSize > Self.maximumPartSize {
            throw .invalidConfig(name: Name.partSize, value: String(partSize), reason: "must be between \(Self.minimumPartSize) (5 MiB, S3's minimum) and \(Self.maximumPartSize) bytes")
        }
        if credentials.accessKeyId.isEmpty {
            throw .invalidConfig(name: Name.accessKeyId, value: "", reason: "no credentials: set \(Name.accessKeyId) and \(Name.secretAccessKey), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        if credentials.secretAccessKey.isEmpty {
            throw .invalidConfig(name: Name.secretAccessKey, value: "", reason: "an access key id without its secret key")
        }
        for (name, value, low, high) in [
            (Name.requestTimeout, requestTimeoutMilliseconds, 1, 3_600_000),
            (Name.connectTimeout, connectTimeoutMilliseconds, 1, 600_000),
            (Name.maxRetries, maxRetries, 0, 100),
            (Name.backoff, retryBackoffMilliseconds, 0, 3_600_000),
            (Name.backoffMax, retryBackoffMaxMilliseconds, 0, 3_600_000),
            (Name.listMaxKeys, listMaxKeys, 1, 1000),
            (Name.multipartConcurrency, multipartConcurrency, 1, 64),
        ] where value < low || value > high {
            throw .invalidConfig(name: name, value: String(value), reason: "must be between \(low) and \(high)")
        }
        if retryBackoffMaxMilliseconds < retryBackoffMilliseconds {
            throw .invalidConfig(name: Name.backoffMax, value: String(retryBackoffMaxMilliseconds), reason: "must not be below \(Name.backoff) (\(retryBackoffMilliseconds))")
        }
    }
}

// MARK: Settings by name

extension S3StorageConfig {
    /// The setting names, as `S3StorageConfig.settings` documents them.
    public enum Name {
        public static let bucket = "storage.s3.bucket.name"
        public static let region = "storage.s3.region"
        public static let endpoint = "storage.s3.endpoint.url"
        public static let pathStyle = "storage.s3.path.style.access.enabled"
        public static let partSize = "storage.s3.multipart.upload.part.size"
        public static let keyPrefix = "storage.s3.key.prefix"
        public static let accessKeyId = "storage.aws.access.key.id"
        public static let secretAccessKey = "storage.aws.secret.access.key"
        public static let sessionToken = "storage.aws.session.token"
        public static let requestTimeout = "storage.s3.api.call.timeout"
        public static let connectTimeout = "storage.s3.connect.timeout"
        public static let maxRetries = "storage.s3.max.retries"
        public static let backoff = "storage.s3.retry.backoff.ms"
        public static let backoffMax = "storage.s3.retry.backoff.max.ms"
        public static let listMaxKeys = "storage.s3.list.max.keys"
        public static let multipartConcurrency = "storage.s3.multipart.upload.concurrency"
    }

    /// Every setting `init(settings:environment:)` reads, with its default and meaning.
    public static let settings: [S3Setting] = [
        S3Setting(name: Name.bucket, defaultValue: "(required)", description: "The bucket that holds the offloaded segments."),
        S3Setting(name: Name.region, defaultValue: "AWS_REGION, else AWS_DEFAULT_REGION, else \(defaultRegion)", description: "The region requests are signed for."),
        S3Setting(name: Name.endpoint, defaultValue: "AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else https://s3.<region>.amazonaws.com", description: "scheme://host[:port] of an S3-compatible store (MinIO, Ceph, moto)."),
        S3Setting(name: Name.pathStyle, defaultValue: "false", description: "true: endpoint/bucket/key; false: virtual-hosted bucket.endpoint/key."),
        S3Setting(name: Name.partSize, defaultValue: String(defaultPartSize), description: "Bytes per multipart-upload part (at least 5242880); smaller files go up in one PUT."),
        S3Setting(name: Name.keyPrefix, defaultValue: "(empty)", description: "Prepended verbatim to every object key, e.g. tiered/."),
        S3Setting(name: Name.accessKeyId, defaultValue: "AWS_ACCESS_KEY_ID", description: "The access key id that signs requests."),
        S3Setting(name: Name.secretAccessKey, defaultValue: "AWS_SECRET_ACCESS_KEY", description: "The secret access key (never printed).", isSecret: true),
        S3Setting(name: Name.sessionToken, defaultValue: "AWS_SESSION_TOKEN (with the environment's keys only)", description: "Session token of temporary credentials (never printed).", isSecret: true),
        S3Setting(name: Name.requestTimeout, defaultValue: "60000", description: "Milliseconds one HTTP request (one part of a multipart upload) may take in all."),
        S3Setting(name: Name.connectTimeout, defaultValue: "10000", description: "Milliseconds to establish a connection."),
        S3Setting(name: Name.maxRetries, defaultValue: "3", description: "Retries of a request after a 5xx, 429, SlowDown, timeout or connection failure."),
        S3Setting(name: Name.backoff, defaultValue: "100", description: "Base of the exponential backoff between retries, in milliseconds (full jitter)."),
        S3Setting(name: Name.backoffMax, defaultValue: "10000", description: "Longest backoff between retries, in milliseconds."),
        S3Setting(name: Name.listMaxKeys, defaultValue: "1000", description: "Keys per ListObjectsV2 page (1 to 1000)."),
        S3Setting(name: Name.multipartConcurrency, defaultValue: String(defaultMultipartConcurrency), description: "Parts of one multipart upload sent at once (1 to 64); each holds a part in memory."),
    ]

    /// A config from `storage.s3.*` / `storage.aws.*` settings, the `rsm.config.` prefix already
    /// removed. Other names (another plugin's) are ignored; an unknown name under these two
    /// prefixes is a typo and is refused, as is any value that does not parse or validate.
    /// `environment` defaults to the process's (AWS_* variables only).
    public init(settings: [String: String], environment: [String: String]? = nil) throws(RemoteStorageError) {
        let environment = environment ?? Self.awsEnvironment()
        let known = Set(Self.settings.map(\.name))
        for name in settings.keys.sorted() where (name.hasPrefix("storage.s3.") || name.hasPrefix("storage.aws.")) && !known.contains(name) {
            throw .invalidConfig(name: name, value: Self.redactedIfSecret(name, settings[name]!), reason: "unknown setting; known ones are \(Self.settings.map(\.name).joined(separator: ", "))")
        }
        func nonEmpty(_ value: String?) -> String? {
            guard let value, !value.trimmingSpaces.isEmpty else { return nil }
            return value.trimmingSpaces
        }
        func integer(_ name: String, _ fallback: Int) throws(RemoteStorageError) -> Int {
            guard let text = nonEmpty(settings[name]) else { return fallback }
            guard let value = Int(text) else { throw .invalidConfig(name: name, value: text, reason: "must be a whole number") }
            return value
        }

        guard let bucket = nonEmpty(settings[Name.bucket]) else {
            throw .invalidConfig(name: Name.bucket, value: settings[Name.bucket] ?? "", reason: "a bucket name is required")
        }
        let region = nonEmpty(settings[Name.region]) ?? nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? Self.defaultRegion
        let endpoint = nonEmpty(settings[Name.endpoint]) ?? nonEmpty(environment["AWS_ENDPOINT_URL_S3"]) ?? nonEmpty(environment["AWS_ENDPOINT_URL"])
        var pathStyle = false
        if let text = nonEmpty(settings[Name.pathStyle]) {
            switch text.lowercased() {
            case "true": pathStyle = true
            case "false": pathStyle = false
            default: throw .invalidConfig(name: Name.pathStyle, value: text, reason: "must be true or false")
            }
        }

        let credentials: AWSCredentials
        let configuredId = nonEmpty(settings[Name.accessKeyId])
        let configuredSecret = nonEmpty(settings[Name.secretAccessKey])
        if configuredId != nil || configuredSecret != nil {
            guard let id = configuredId else {
                throw .invalidConfig(name: Name.accessKeyId, value: "", reason: "\(Name.secretAccessKey) is set but the access key id is not")
            }
            guard let secret = configuredSecret else {
                throw .invalidConfig(name: Name.secretAccessKey, value: "", reason: "\(Name.accessKeyId) is set but the secret key is not")
            }
            credentials = AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: nonEmpty(settings[Name.sessionToken]))
        } else if let fromEnvironment = AWSCredentials.fromEnvironment(environment) {
            if settings[Name.sessionToken].flatMap(nonEmpty) != nil {
                throw .invalidConfig(name: Name.sessionToken, value: "<redacted>", reason: "a session token needs \(Name.accessKeyId) and \(Name.secretAccessKey) beside it")
            }
            credentials = fromEnvironment
        } else {
            throw .invalidConfig(name: Name.accessKeyId, value: "", reason: "no credentials: set \(Name.accessKeyId) and \(Name.secretAccessKey), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }

        self.init(
            bucket: bucket,
            credentials: credentials,
            region: region,
            endpoint: endpoint,
            pathStyleAccess: pathStyle,
            partSize: try integer(Name.partSize, Self.defaultPartSize),
            keyPrefix: settings[Name.keyPrefix] ?? "",
            requestTimeoutMilliseconds: try integer(Name.requestTimeout, 60_000),
            connectTimeoutMilliseconds: try integer(Name.connectTimeout, 10_000),
            maxRetries: try integer(Name.maxRetries, 3),
            retryBackoffMilliseconds: try integer(Name.backoff, 100),
            retryBackoffMaxMilliseconds: try integer(Name.backoffMax, 10_000),
            listMaxKeys: try integer(Name.listMaxKeys, 1000),
            multipartConcurrency: try integer(Name.multipartConcurrency, Self.defaultMultipartConcurrency)
        )
        try validate()
    }

    private static func redactedIfSecret(_ name: String, _ value: String) -> String {
        name.contains("secret") || name.contains("token") || name.contains("password") ? "<redacted>" : value
    }

    /// The AWS variables the settings fall back to, read from the process environment.
    public static func awsEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return environment
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
