/// One `storage.s3.*` / `storage.aws.*` setting the S3 store reads, for generated documentation
/// (`Tiering/README.md`, `--help`). The names follow Aiven's tiered-storage plugin, which Kafka
/// operators already know; the broker passes them on from its `rsm.config.` prefixed properties.
public struct S3Setting: Sendable, Equatable {
    public var name: String
    /// The value used when the setting is absent, in words ("required", "from AWS_REGION, else ...").
    public var defaultValue: String
    public var description: String
    /// Whether the value is a credential that must never be printed.
    public var isSecret: Bool

    public init(name: String, defaultValue: String, description: String, isSecret: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.description = description
        self.isSecret = isSecret
    }
}
