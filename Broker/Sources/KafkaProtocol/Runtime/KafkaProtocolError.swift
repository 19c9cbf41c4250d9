/// An error raised while decoding or encoding a Kafka protocol message.
///
/// Every error names the message (`FetchRequest`), the field inside it
/// (`FetchPartition.fetchOffset`, or empty for message-level problems) and a
/// human-readable reason.
public struct KafkaProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The buffer ended before the field was complete.
        case truncated
        /// A length or element count was negative (other than the null marker) or larger than the bytes left.
        case invalidLength
        /// A varint ran past its maximum encoded size.
        case invalidVarint
        /// A null was read or written where the version does not allow it.
        case unexpectedNull
        /// The API version is outside the message's valid versions.
        case unsupportedVersion
        /// A field holding a non-default value can't be carried by the target version.
        case unsupportedField
        /// A value is too large for its wire encoding.
        case valueTooLarge
        /// The request's API key is not known.
        case unknownApiKey
        /// Bytes were left over after a message that should have consumed everything.
        case trailingBytes
    }

    public var kind: Kind
    /// The message (top-level schema) name, e.g. `FetchRequest`.
    public var message: String
    /// The field path inside the message, e.g. `FetchPartition.fetchOffset`; empty for message-level errors.
    public var field: String
    /// What went wrong.
    public var reason: String

    public init(kind: Kind, message: String, field: String, reason: String) {
        self.kind = kind
        self.message = message
        self.field = field
        self.reason = reason
    }

    /// Builds an error from a `Message.Struct.field` path as used by the generated code.
    public init(_ kind: Kind, _ path: StaticString, _ reason: String) {
        let p = path.description
        if let dot = p.firstIndex(of: ".") {
            self.init(kind: kind, message: String(p[..<dot]), field: String(p[p.index(after: dot)...]), reason: reason)
        } else {
            self.init(kind: kind, message: p, field: "", reason: reason)
        }
    }

    public var description: String {
        let location = field.isEmpty ? message : "\(message).\(field)"
        return "KafkaProtocolError(\(kind.rawValue)) \(location): \(reason)"
    }

    // MARK: - Constructors used by the runtime and the generated code

    static func truncated(_ path: StaticString, need: Int, have: Int) -> KafkaProtocolError {
        KafkaProtocolError(.truncated, path, "needs \(need) more byte(s) but only \(have) remain")
    }

    static func unexpectedNull(_ path: StaticString, version: Int16? = nil) -> KafkaProtocolError {
        if let version {
            return KafkaProtocolError(.unexpectedNull, path, "non-nullable field was null (version \(version))")
        }
        return KafkaProtocolError(.unexpectedNull, path, "non-nullable field was serialized as null")
    }

    /// A non-default value in a field that `version` cannot carry.
    public static func unsupportedField(_ path: StaticString, _ version: Int16) -> KafkaProtocolError {
        KafkaProtocolError(.unsupportedField, path, "attempted to write a non-default value at version \(version), which does not have this field")
    }

    public static func unsupportedVersion(_ path: StaticString, _ version: Int16, _ valid: ClosedRange<Int16>) -> KafkaProtocolError {
        KafkaProtocolError(.unsupportedVersion, path, "version \(version) is outside the valid versions \(valid.lowerBound)-\(valid.upperBound)")
    }
}
