/// An `s3://bucket/key` argument.
struct RemoteObjectURL: CustomStringConvertible {
    var bucket: String
    var key: String

    static let scheme = "s3://"

    static func isRemote(_ argument: String) -> Bool { argument.hasPrefix(scheme) }

    /// Nil with a reason when the argument is not `s3://bucket[/key]`.
    static func parse(_ argument: String) -> Result<RemoteObjectURL, RemoteCommandError> {
        guard argument.hasPrefix(scheme) else {
            return .failure(RemoteCommandError("\(argument) is not an s3://bucket/key URL"))
        }
        let rest = argument.dropFirst(scheme.count)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return .failure(RemoteCommandError("\(argument) names no bucket (s3://bucket/key)")) }
        return .success(RemoteObjectURL(bucket: String(bucket), key: String(rest.dropFirst(bucket.count + 1))))
    }

    var description: String { "\(Self.scheme)\(bucket)/\(key)" }
}

/// A failure of a `strata remote` command or of reading a remote object, for the user.
struct RemoteCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
