/// The access key pair (and, for temporary credentials, the session token) that signs S3 requests.
///
/// The secret and the token never leave this type in text form: `description`, `debugDescription`
/// and the reflection mirror (`dump`, `print`) show only the first four characters of the access
/// key id, which AWS itself prints in logs, and `<redacted>` for the rest.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The standard variables AWS tools read: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    /// AWS_SESSION_TOKEN; nil unless both the key id and the secret are set and not empty.
    public static func fromEnvironment(_ environment: [String: String]) -> AWSCredentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }

    /// The access key id cut to its first four characters ("AKIA****"), for messages.
    public var redactedAccessKeyId: String {
        String(accessKeyId.prefix(4)) + "****"
    }

    public var description: String {
        "AWSCredentials(accessKeyId: \(redactedAccessKeyId), secretAccessKey: <redacted>, sessionToken: \(sessionToken == nil ? "none" : "<redacted>"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "accessKeyId": redactedAccessKeyId,
            "secretAccessKey": "<redacted>",
            "sessionToken": sessionToken == nil ? "none" : "<redacted>",
        ])
    }
}
