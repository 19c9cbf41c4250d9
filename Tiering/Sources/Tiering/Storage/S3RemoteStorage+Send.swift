#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Signing, sending and retrying one S3 request.
extension S3RemoteStorage {
    /// Sends `request`, retrying what `RetryPolicy` deems transient, and returns the final
    /// answer, whatever its status (callers map 404, 416 and the rest). Throws `.transport` when
    /// the last attempt got no answer, `.server(retryable: true)` when it got a retryable error
    /// status, and `.invalidConfig` when the endpoint cannot work at all (a malformed URL, a TLS
    /// certificate that does not verify).
    func send(_ request: S3Request, operation: String, key: String) throws(RemoteStorageError) -> HTTPResponse {
        let policy = config.retryPolicy
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            let lastError: RemoteStorageError
            let outcome = handles.withHandle { handle in
                let result = handle.perform(self.httpRequest(for: request))
                if case .failure = result { return (result, reusable: false) }
                return (result, reusable: true)
            }
            switch outcome {
            case nil:
                throw .transport(operation: operation, key: key, reason: "libcurl could not create a request handle")
            case let .success(response)?:
                var response = response
                if (200..<300).contains(response.status) {
                    // An `<Error>` in a 200 answer: treat it as the 500 it stands for.
                    guard request.errorMayComeWith200, S3ErrorBody(response.body) != nil else { return response }
                    response.status = 500
                }
                let code = S3ErrorBody(response.body)?.code ?? ""
                guard RetryPolicy.isRetryable(status: response.status, code: code) else { return response }
                lastError = failure(response, operation: operation, key: key)
            case let .failure(curlFailure)?:
                if curlFailure.isConfigurationProblem {
                    throw .invalidConfig(name: S3StorageConfig.Name.endpoint, value: config.effectiveEndpoint, reason: curlFailure.message)
                }
                var reason = curlFailure.message
                if curlFailure.isTimeout {
                    reason = "timed out (\(S3StorageConfig.Name.requestTimeout) \(config.requestTimeoutMilliseconds) ms, "
                        + "\(S3StorageConfig.Name.connectTimeout) \(config.connectTimeoutMilliseconds) ms): \(curlFailure.message)"
                }
                lastError = .transport(operation: operation, key: key, reason: reason)
                guard curlFailure.isTransient else { throw Self.givenUp(lastError, attempts: attempt) }
            }
            guard attempt < policy.maxAttempts else { throw Self.givenUp(lastError, attempts: attempt) }
            let delay = policy.delay(beforeRetry: attempt, using: &random)
            logger.warning("S3 request failed, retrying", metadata: [
                "operation": "\(operation)", "key": "\(key)", "attempt": "\(attempt)", "maxAttempts": "\(policy.maxAttempts)",
                "delayMs": "\(delay)", "error": "\(lastError)",
            ])
            Self.sleep(milliseconds: delay)
            attempt += 1
        }
    }

    /// `error` with "(gave up after N attempts)" added when there was more than one.
    static func givenUp(_ error: RemoteStorageError, attempts: Int) -> RemoteStorageError {
        guard attempts > 1 else { return error }
        let note = "(gave up after \(attempts) attempts)"
        switch error {
        case let .server(operation, key, status, code, message, retryable):
            return .server(operation: operation, key: key, status: status, code: code, message: message.isEmpty ? note : message + " " + note, retryable: retryable)
        case let .transport(operation, key, reason):
            return .transport(operation: operation, key: key, reason: reason + " " + note)
        default:
            return error
        }
    }

    /// The signed HTTP request for one attempt of `request`, dated now.
    func httpRequest(for request: S3Request) -> HTTPRequest {
        let address = endpoint.address(bucket: config.bucket, key: request.key, pathStyle: config.pathStyleAccess, query: request.query)
        let timestamp = AWSSignatureV4.Timestamp.now()
        var headers: [(name: String, value: String)] = [
            ("host", address.hostHeader),
            ("x-amz-content-sha256", request.payloadHash),
            ("x-amz-date", timestamp.dateTime),
        ]
        if let token = config.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        headers += request.headers
        let toSign = AWSSignatureV4.Request(
            method: request.method, encodedPath: address.encodedPath, query: request.query, headers: headers, payloadHash: request.payloadHash)
        headers.append(("authorization", signer.authorization(toSign, timestamp: timestamp)))
        return HTTPRequest(
            method: request.method, url: address.url, headers: headers, body: request.body, bodyCount: request.bodyCount,
            connectTimeoutMilliseconds: config.connectTimeoutMilliseconds, timeoutMilliseconds: config.requestTimeoutMilliseconds)
    }

    static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var remaining = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&remaining, &left) != 0 && errno == EINTR { remaining = left }
    }
}
