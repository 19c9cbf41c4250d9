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

extension S3Setting {
    /// A Markdown table of `settings` (name, default, meaning), as `Tiering/README.md` shows it.
    public static func markdownTable(_ settings: [S3Setting]) -> String {
        var lines = ["| setting | default | meaning |", "| --- | --- | --- |"]
        for setting in settings {
            let cells = [
                "`\(setting.name)`",
                setting.defaultValue,
                setting.description,
            ].map(markdownEscaped)
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// `|` would end a cell and `<region>` would read as an HTML tag.
    private static func markdownEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }
}
