import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `RemoteStorage` in an S3 bucket (AWS S3 or any S3-compatible store: MinIO, Ceph, moto),
/// spoken to over libcurl with AWS Signature Version 4.
///
/// - Objects live under `config.keyPrefix`; keys given to and returned by this type exclude it.
/// - Files below `config.partSize` go up in one PUT, larger ones as a multipart upload read part
///   by part with `pread` (one part in memory at a time), aborted if any part fails.
/// - Every request is retried on 5xx, 429, `SlowDown`, timeouts and connection failures, with
///   exponential backoff and full jitter (`RetryPolicy`); other 4xx answers fail at once.
/// - Each HTTP request is bounded by the connect and request timeouts, so a hung store cannot
///   hold a tiering thread for longer than `maxAttempts * (timeout + maxDelay)`.
///
/// Thread-safe: the type holds only immutable state and a locked pool of curl handles, so any
/// number of tiering threads may call it at once.
public final class S3RemoteStorage: RemoteStorage, CustomStringConvertible {
    public let config: S3StorageConfig
    let endpoint: S3Endpoint
    let signer: AWSSignatureV4
    let logger: Logger
    let handles = CurlHandlePool()

    public init(config: S3StorageConfig, logger: Logger = Logger(label: "strata.tiering.s3")) throws(RemoteStorageError) {
        try config.validate()
        self.config = config
        self.endpoint = try S3Endpoint(url: config.effectiveEndpoint, settingName: S3StorageConfig.Name.endpoint)
        self.signer = AWSSignatureV4(credentials: config.credentials, region: config.region)
        self.logger = logger
    }

    /// A store from the broker's `storage.s3.*` / `storage.aws.*` settings.
    public convenience init(settings: [String: String], logger: Logger = Logger(label: "strata.tiering.s3")) throws(RemoteStorageError) {
        try self.init(config: S3StorageConfig(settings: settings), logger: logger)
    }

    public var description: String {
        "S3RemoteStorage(s3://\(config.bucket)/\(config.keyPrefix) at \(config.effectiveEndpoint), \(config.region))"
    }

    // MARK: RemoteStorage

    public func put(key: String, bytes: [UInt8]) throws(RemoteStorageError) {
        if bytes.count < config.partSize {
            try putObject(key: key, body: bytes, count: bytes.count)
        } else {
            try multipartUpload(key: key, size: Int64(bytes.count), sourceName: "memory") { (offset, count, buffer) throws(RemoteStorageError) in
                buffer.withUnsafeMutableBytes { target in
                    bytes.withUnsafeBytes { source in
                        target.baseAddress!.copyMemory(from: source.baseAddress! + Int(offset), byteCount: count)
                    }
                }
            }
        }
    }

    public func put(key: String, fileAt path: String) throws(RemoteStorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        let size = Int64(st.st_size)
        let read = { @Sendable (offset: Int64, count: Int, buffer: inout [UInt8]) throws(RemoteStorageError) in
            try Self.readFully(fd: fd, path: path, offset: offset, count: count, into: &buffer)
        }
        if size < Int64(config.partSize) {
            var buffer = [UInt8](repeating: 0, count: Int(size))
            try read(0, Int(size), &buffer)
            try putObject(key: key, body: buffer, count: buffer.count)
        } else {
            try multipartUpload(key: key, size: size, sourceName: path, read: read)
        }
    }

    public func get(key: String, range: Range<Int64>?) throws(RemoteStorageError) -> [UInt8] {
        var request = S3Request(method: "GET", key: config.keyPrefix + key)
        if let range {
            guard range.lowerBound >= 0 else { throw .invalidRange(key: key, range: range, size: nil) }
            // HTTP ranges are inclusive and cannot be empty: an empty range asks for one byte, so
            // that the store still says whether the start lies inside the object.
            request.headers.append((name: "range", value: "bytes=\(range.lowerBound)-\(max(range.lowerBound, range.upperBound - 1))"))
        }
        let response = try send(request, operation: "GET", key: key)
        switch response.status {
        case 200:
            // A store that ignores Range sends the whole object; cut it here.
            guard let range else { return response.body }
            let size = Int64(response.body.count)
            guard range.lowerBound < size else { throw .invalidRange(key: key, range: range, size: size) }
            return Array(response.body[Int(range.lowerBound)..<Int(min(range.upperBound, size))])
        case 206:
            guard let range else { return response.body }
            return Array(response.body.prefix(Int(range.upperBound - range.lowerBound)))
        case 404 where Self.isMissingKey(response):
            throw .notFound(key: key)
        case 416:
            throw .invalidRange(key: key, range: range ?? 0..<0, size: Self.objectSize(of416: response))
        default:
            throw failure(response, operation: "GET", key: key)
        }
    }

    public func delete(key: String) throws(RemoteStorageError) {
        let response = try send(S3Request(method: "DELETE", key: config.keyPrefix + key), operation: "DELETE", key: key)
        guard (200..<300).contains(response.status) || (response.status == 404 && Self.isMissingKey(response)) else {
            throw failure(response, operation: "DELETE", key: key)
        }
    }

    public func list(prefix: String) throws(RemoteStorageError) -> [RemoteObject] {
        var objects: [RemoteObject] = []
        var continuation: String? = nil
        repeat {
            var query: [(name: String, value: String)] = [
                ("list-type", "2"), ("prefix", config.keyPrefix + prefix), ("max-keys", String(config.listMaxKeys)),
            ]
            if let continuation { query.append(("continuation-token", continuation)) }
            let response = try send(S3Request(method: "GET", key: nil, query: query), operation: "LIST", key: prefix)
            guard response.status == 200 else { throw failure(response, operation: "LIST", key: prefix) }
            guard let root = S3XML.parse(response.body), root.name == "ListBucketResult" else {
                throw unreadable(response, operation: "LIST", key: prefix, expected: "ListBucketResult")
            }
            for entry in root.children(named: "Contents") {
                guard let fullKey = entry["Key"], let size = entry["Size"].flatMap({ Int64($0) }) else {
                    throw unreadable(response, operation: "LIST", key: prefix, expected: "Contents with Key and Size")
                }
                guard fullKey.hasPrefix(config.keyPrefix) else { continue }
                objects.append(RemoteObject(key: String(fullKey.dropFirst(config.keyPrefix.count)), size: size))
            }
            continuation = nil
            if root["IsTruncated"] == "true" {
                guard let token = root["NextContinuationToken"], !token.isEmpty else {
                    throw unreadable(response, operation: "LIST", key: prefix, expected: "a NextContinuationToken on a truncated page")
                }
                continuation = token
            }
        } while continuation != nil
        return objects.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    // MARK: Bucket

    /// Creates the bucket (for tests and tools; brokers expect it to exist). An existing bucket
    /// owned by these credentials is not an error.
    public func createBucket() throws(RemoteStorageError) {
        var request = S3Request(method: "PUT", key: nil)
        if config.region != "us-east-1" {
            let body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(S3XML.escape(config.region))</LocationConstraint></CreateBucketConfiguration>"
            request.setBody(Array(body.utf8), count: body.utf8.count)
        }
        let response = try send(request, operation: "CREATE BUCKET", key: config.bucket)
        if (200..<300).contains(response.status) { return }
        if response.status == 409, S3ErrorBody(response.body)?.code == "BucketAlreadyOwnedByYou" { return }
        throw failure(response, operation: "CREATE BUCKET", key: config.bucket)
    }

    // MARK: Single PUT

    private func putObject(key: String, body: [UInt8], count: Int) throws(RemoteStorageError) {
        var request = S3Request(method: "PUT", key: config.keyPrefix + key)
        request.setBody(body, count: count)
        let response = try send(request, operation: "PUT", key: key)
        guard (200..<300).contains(response.status) else { throw failure(response, operation: "PUT", key: key) }
    }

    // MARK: Answers

    /// A 404 about the key rather than the bucket (NoSuchBucket is a configuration problem).
    static func isMissingKey(_ response: HTTPResponse) -> Bool {
        guard let error = S3ErrorBody(response.body) else { return true }
        return error.code == "NoSuchKey" || error.code.isEmpty
    }

    /// The object size a 416 answer gives, in `Content-Range: bytes */SIZE` or `<ActualObjectSize>`.
    static func objectSize(of416 response: HTTPResponse) -> Int64? {
        if let contentRange = response.headers["content-range"], let slash = contentRange.lastIndex(of: "/"),
           let size = Int64(contentRange[contentRange.index(after: slash)...]) {
            return size
        }
        return S3XML.parse(response.body)?["ActualObjectSize"].flatMap { Int64($0) }
    }

    /// The error for an answer the caller did not expect, with S3's code and message.
    func failure(_ response: HTTPResponse, operation: String, key: String) -> RemoteStorageError {
        let error = S3ErrorBody(response.body)
        let code = error?.code ?? ""
        var message = error?.message ?? ""
        if message.isEmpty, error == nil, !response.body.isEmpty {
            message = String(decoding: response.body.prefix(200), as: UTF8.self)
        }
        // S3 names the bucket's region when a request went to the wrong one.
        if let bucketRegion = response.headers["x-amz-bucket-region"], !bucketRegion.isEmpty, bucketRegion != config.region {
            message += (message.isEmpty ? "" : " ") + "(the bucket is in region \(bucketRegion), not \(config.region): set \(S3StorageConfig.Name.region))"
        }
        if let requestId = response.headers["x-amz-request-id"], !requestId.isEmpty {
            message += (message.isEmpty ? "" : " ") + "(request id \(requestId))"
        }
        let retryable = RetryPolicy.isRetryable(status: response.status, code: code)
        return .server(operation: operation, key: key, status: response.status, code: code, message: message, retryable: retryable)
    }

    func unreadable(_ response: HTTPResponse, operation: String, key: String, expected: String) -> RemoteStorageError {
        .server(operation: operation, key: key, status: response.status, code: "",
                message: "unreadable answer, expected \(expected): \(String(decoding: response.body.prefix(200), as: UTF8.self))", retryable: false)
    }

    // MARK: Files

    static func readFully(fd: Int32, path: String, offset: Int64, count: Int, into buffer: inout [UInt8]) throws(RemoteStorageError) {
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pread", path: path, errno: errno)
            }
            // The file shrank under us: an offloaded segment must not change while it goes up.
            if got == 0 { throw .io(operation: "pread (file shorter than when the upload began)", path: path, errno: EIO) }
            done += got
        }
    }
}
