/// Every failure a remote store reports, with what an operator needs to act on it. Credentials
/// never appear in these messages.
public enum RemoteStorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No object under this key.
    case notFound(key: String)
    /// The range starts at or beyond the end of the object.
    case invalidRange(key: String, range: Range<Int64>, size: Int64?)
    /// The store answered with an error status; `code` is the S3 error code when it gave one.
    /// `retryable` tells whether backing off and trying again may succeed (5xx, throttling).
    case server(operation: String, key: String, status: Int, code: String, message: String, retryable: Bool)
    /// The request did not get an answer: connection refused, reset, timed out.
    case transport(operation: String, key: String, reason: String)
    /// A local file could not be read or written.
    case io(operation: String, path: String, errno: Int32)
    /// The store's settings are wrong (missing bucket, bad endpoint, bad part size).
    case invalidConfig(name: String, value: String, reason: String)

    /// Whether the failure may go away by itself, so the caller should retry later.
    public var isRetryable: Bool {
        switch self {
        case .transport: return true
        case let .server(_, _, _, _, _, retryable): return retryable
        case .notFound, .invalidRange, .io, .invalidConfig: return false
        }
    }

    public var description: String {
        switch self {
        case let .notFound(key):
            return "remote object \(key) does not exist"
        case let .invalidRange(key, range, size):
            let sizeText = size.map { " of \($0) bytes" } ?? ""
            return "byte range \(range.lowerBound)..<\(range.upperBound) is outside remote object \(key)\(sizeText)"
        case let .server(operation, key, status, code, message, _):
            let detail = [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
            return "\(operation) \(key) failed with HTTP \(status)\(detail.isEmpty ? "" : " (\(detail))")"
        case let .transport(operation, key, reason):
            return "\(operation) \(key) failed: \(reason)"
        case let .io(operation, path, errno):
            return "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case let .invalidConfig(name, value, reason):
            return "invalid value '\(value)' for \(name): \(reason)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
