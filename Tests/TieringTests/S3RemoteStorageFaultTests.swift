import Foundation
import Logging
import TestSupport
import Tiering
import XCTest

/// Retries, timeouts and error reporting, with faults injected by `Tests/tiering/s3_fault_proxy.py`
/// between the store and moto. Every store here retries with 10...100 ms backoff, so each test's
/// time is bounded by a few seconds and asserted.
final class S3RemoteStorageFaultTests: XCTestCase {
    nonisolated(unsafe) private static var servers: MotoServer?

    override func setUpWithError() throws {
        if Self.servers == nil { Self.servers = try MotoServer.start() }
        try Self.servers!.setFault(["mode": "none", "reset_stats": true])
    }

    override func tearDownWithError() throws {
        try Self.servers?.clearFault()
    }

    override class func tearDown() {
        servers?.stop()
        servers = nil
        super.tearDown()
    }

    private var servers: MotoServer { Self.servers! }

    func testThreeServerErrorsThenSuccess() throws {
        let store = try servers.makeStore { $0.maxRetries = 3 }
        try servers.setFault(["mode": "error", "status": 500, "count": 3, "reset_stats": true])
        let start = Date()
        try store.put(key: "r/k", bytes: [1, 2, 3])
        let seconds = Date().timeIntervalSince(start)
        let stats = try servers.stats()
        XCTAssertEqual(stats.faulted, 3)
        XCTAssertEqual(stats.forwardedByMethod["PUT"], 1)
        XCTAssertEqual(try store.get(key: "r/k", range: nil), [1, 2, 3])
        XCTAssertLessThan(seconds, 5)
    }

    func testSlowDownIsRetriedThenReported() throws {
        let store = try servers.makeStore { $0.maxRetries = 2 }
        try store.put(key: "s/k", bytes: [9])
        try servers.setFault(["mode": "error", "status": 503, "code": "SlowDown", "count": 2, "reset_stats": true])
        XCTAssertEqual(try store.get(key: "s/k", range: nil), [9])
        XCTAssertEqual(try servers.stats().faulted, 2)

        // More throttling than attempts: a retryable error that names S3's code.
        try servers.setFault(["mode": "error", "status": 503, "code": "SlowDown", "message": "Please reduce your request rate.", "reset_stats": true])
        XCTAssertThrowsError(try store.get(key: "s/k", range: nil)) { error in
            guard case let .server(operation, key, status, code, message, retryable)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
            XCTAssertEqual([operation, key, code], ["GET", "s/k", "SlowDown"])
            XCTAssertEqual(status, 503)
            XCTAssertTrue(retryable)
            XCTAssertTrue(message.contains("Please reduce your request rate.") && message.contains("after 3 attempts"), message)
            XCTAssertTrue((error as? RemoteStorageError)?.isRetryable ?? false)
        }
        XCTAssertEqual(try servers.stats().faulted, 3)
    }

    func testSecretsStayOutOfErrorsAndLogs() throws {
        let secret = "SECRET-wJalrXUtnFEMI-K7MDENG"
        let token = "TOKEN-FQoGZXIvYXdzEJr"
        let logs = CapturingLogHandler.Store()
        let base = try servers.makeStore()
        var config = base.config
        config.credentials = AWSCredentials(accessKeyId: "AKIDSTRATATEST", secretAccessKey: secret, sessionToken: token)
        config.maxRetries = 2
        let store = try S3RemoteStorage(config: config, logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })

        var errors: [Error] = []
        try servers.setFault(["mode": "error", "status": 500, "count": 3])
        XCTAssertThrowsError(try store.put(key: "secret/k", bytes: [1])) { errors.append($0) }
        try servers.setFault(["mode": "error", "status": 403, "count": 1])
        XCTAssertThrowsError(try store.get(key: "secret/k", range: nil)) { errors.append($0) }
        // (Unlimited: libcurl itself resends once when a reused connection closes unanswered.)
        try servers.setFault(["mode": "down"])
        XCTAssertThrowsError(try store.list(prefix: "secret/")) { errors.append($0) }
        try servers.setFault(["mode": "error", "status": 500, "method": "PUT", "path_regex": "partNumber=1&"])
        XCTAssertThrowsError(try store.put(key: "secret/big", bytes: Array(repeating: 1, count: S3StorageConfig.minimumPartSize))) { errors.append($0) }

        let texts = errors.map { "\($0)" } + errors.map { String(reflecting: $0) } + logs.all + [store.description, "\(store.config)"]
        XCTAssertEqual(errors.count, 4)
        XCTAssertGreaterThan(logs.all.count, 4, "retries and the abort were logged")
        for text in texts {
            XCTAssertFalse(text.contains(secret), text)
            XCTAssertFalse(text.contains(token), text)
        }
    }

    func testProxyRefusesBadCommands() throws {
        for command: [String: Any] in [["mode": "bogus"], ["mode": "error"], ["mode": "error", "status": 200], ["mode": "slow"],
                                       ["mode": "down", "path_regex": "("], ["mode": "lost", "then": ["mode": "none"]]] {
            XCTAssertThrowsError(try servers.setFault(command), "\(command)")
        }
        XCTAssertEqual(try servers.stats().requests, 0, "control requests are not counted")
    }

    func testThrottling429IsRetried() throws {
        let store = try servers.makeStore { $0.maxRetries = 1 }
        try servers.setFault(["mode": "error", "status": 429, "count": 1, "reset_stats": true])
        try store.delete(key: "whatever")
        XCTAssertEqual(try servers.stats().faulted, 1)
        XCTAssertEqual(try servers.stats().forwardedByMethod["DELETE"], 1)
    }

    func testForbiddenFailsAtOnce() throws {
        // moto accepts any signature, so the proxy plays the part of a store that refuses the key.
        let store = try servers.makeStore { $0.maxRetries = 5 }
        try servers.setFault(["mode": "error", "status": 403, "code": "SignatureDoesNotMatch",
                              "message": "The request signature we calculated does not match the signature you provided.", "reset_stats": true])
        XCTAssertThrowsError(try store.put(key: "f/k", bytes: [1])) { error in
            XCTAssertEqual(error as? RemoteStorageError, .server(
                operation: "PUT", key: "f/k", status: 403, code: "SignatureDoesNotMatch",
                message: "The request signature we calculated does not match the signature you provided. (request id fault-proxy)", retryable: false))
        }
        XCTAssertEqual(try servers.stats().faulted, 1, "a 403 is not retried")
    }

    func testServerDownGivesTransportErrorAfterAllAttempts() throws {
        let store = try servers.makeStore { $0.maxRetries = 3 }
        try servers.setFault(["mode": "down", "reset_stats": true])
        let start = Date()
        do {
            XCTAssertThrowsError(try store.get(key: "d/k", range: nil)) { error in
                guard case let .transport(operation, key, reason)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
                XCTAssertEqual([operation, key], ["GET", "d/k"])
                XCTAssertTrue(reason.contains("after 4 attempts"), reason)
                XCTAssertTrue((error as? RemoteStorageError)?.isRetryable ?? false)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        // Four attempts of ours; libcurl may resend once on its own when a reused connection
        // closes unanswered, so the proxy saw between four and eight requests.
        XCTAssertTrue((4...8).contains(try servers.stats().faulted))
        XCTAssertLessThan(seconds, 5)
    }

    func testNothingListeningGivesTransportErrorQuickly() throws {
        let port = try MotoServer.freePort()
        let store = try S3RemoteStorage(config: S3StorageConfig(
            bucket: "b", credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"),
            endpoint: "http://127.0.0.1:\(port)", pathStyleAccess: true, connectTimeoutMilliseconds: 1000,
            maxRetries: 2, retryBackoffMilliseconds: 10, retryBackoffMaxMilliseconds: 50))
        let start = Date()
        do {
            XCTAssertThrowsError(try store.put(key: "k", bytes: [1])) { error in
                guard case let .transport(_, _, reason)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("\(port)") && reason.contains("after 3 attempts"), reason)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertLessThan(seconds, 5)
    }

    func testSlowAnswerTimesOut() throws {
        let store = try servers.makeStore { config in
            config.requestTimeoutMilliseconds = 500
            config.maxRetries = 0
        }
        try store.put(key: "t/k", bytes: [5])
        try servers.setFault(["mode": "slow", "delay_ms": 3000, "count": 1])
        let start = Date()
        do {
            XCTAssertThrowsError(try store.get(key: "t/k", range: nil)) { error in
                guard case let .transport(operation, _, reason)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
                XCTAssertEqual(operation, "GET")
                XCTAssertTrue(reason.contains("timed out") && reason.contains("storage.s3.api.call.timeout 500 ms"), reason)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(seconds, 0.45)
        XCTAssertLessThan(seconds, 2.5)

        // With a retry left, the second try (not delayed) succeeds.
        let patient = try servers.makeStore(bucket: store.config.bucket) { config in
            config.requestTimeoutMilliseconds = 500
            config.maxRetries = 1
        }
        try servers.setFault(["mode": "slow", "delay_ms": 3000, "count": 1])
        XCTAssertEqual(try patient.get(key: "t/k", range: nil), [5])
    }

    func testFailedMultipartUploadIsAborted() throws {
        let store = try servers.makeStore { $0.maxRetries = 1 }
        var random = SeededRandom(seed: 7)
        let bytes = random.bytes(11 * 1024 * 1024)
        // Part 2 fails on every try: the upload gives up and aborts.
        try servers.setFault(["mode": "error", "status": 500, "method": "PUT", "path_regex": "partNumber=2&", "reset_stats": true])
        XCTAssertThrowsError(try store.put(key: "mp/seg.log", bytes: bytes)) { error in
            guard case let .server(operation, key, status, _, _, retryable)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
            XCTAssertEqual([operation, key], ["UPLOAD PART 2", "mp/seg.log"])
            XCTAssertEqual(status, 500)
            XCTAssertTrue(retryable)
        }
        let stats = try servers.stats()
        XCTAssertEqual(stats.faulted, 2)
        XCTAssertEqual(stats.forwardedByMethod["DELETE"], 1, "AbortMultipartUpload")
        try servers.clearFault()
        XCTAssertEqual(try store.list(prefix: "mp/"), [])
        let (status, body) = try MotoServer.http(
            port: servers.motoPort, method: "GET", path: "/\(store.config.bucket)?uploads", body: Data(),
            headers: ["Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"])
        XCTAssertEqual(status, 200)
        XCTAssertFalse(String(decoding: body, as: UTF8.self).contains("<UploadId>"), String(decoding: body, as: UTF8.self))

        // A part that fails once is retried on its own and the upload completes.
        try servers.setFault(["mode": "error", "status": 500, "method": "PUT", "path_regex": "partNumber=2&", "count": 1, "reset_stats": true])
        try store.put(key: "mp/seg.log", bytes: bytes)
        XCTAssertEqual(try servers.stats().forwardedByMethod["PUT"], 3)
        XCTAssertEqual(try store.get(key: "mp/seg.log", range: nil), bytes)
    }

    func testPartsAreSentConcurrently() throws {
        var random = SeededRandom(seed: 9)
        let bytes = random.bytes(20 * 1024 * 1024)  // four 5 MiB parts
        try servers.setFault(["mode": "slow", "delay_ms": 600, "method": "PUT", "path_regex": "partNumber="])
        defer { try? servers.clearFault() }
        func timedPut(concurrency: Int) throws -> Double {
            let store = try servers.makeStore { $0.multipartConcurrency = concurrency }
            let started = Date()
            try store.put(key: "mp/concurrent-\(concurrency).log", bytes: bytes)
            let seconds = Date().timeIntervalSince(started)
            XCTAssertEqual(try store.get(key: "mp/concurrent-\(concurrency).log", range: nil), bytes)
            return seconds
        }
        let serial = try timedPut(concurrency: 1)
        let concurrent = try timedPut(concurrency: 4)
        XCTAssertGreaterThanOrEqual(serial, 2.4, "four parts one after another wait 4 x 600 ms")
        XCTAssertLessThan(concurrent, 1.8, "four parts at once wait about 600 ms (serial took \(serial) s)")
    }

    func testLostAnswersAreRetriedSafely() throws {
        let store = try servers.makeStore { $0.maxRetries = 2 }
        // A PUT that S3 stored but whose answer was lost is simply sent again.
        try servers.setFault(["mode": "lost", "method": "PUT", "count": 1, "reset_stats": true])
        try store.put(key: "l/small", bytes: [1, 2])
        XCTAssertEqual(try servers.stats().faulted, 1)
        XCTAssertEqual(try store.get(key: "l/small", range: nil), [1, 2])

        // A CompleteMultipartUpload whose answer was lost is sent again.
        var random = SeededRandom(seed: 11)
        let bytes = random.bytes(6 * 1024 * 1024)
        try servers.setFault(["mode": "lost", "method": "POST", "path_regex": "uploadId=", "count": 1, "reset_stats": true])
        try store.put(key: "l/large", bytes: bytes)
        XCTAssertEqual(try servers.stats().faulted, 1)
        XCTAssertEqual(try store.get(key: "l/large", range: nil), bytes)

        // moto accepts the repeated Complete; S3 may instead answer NoSuchUpload, and then the
        // store checks that the object is there, complete (size and a "-2" ETag).
        let other = random.bytes(6 * 1024 * 1024 + 1)
        try servers.setFault([
            "mode": "lost", "method": "POST", "path_regex": "uploadId=", "count": 1, "reset_stats": true,
            "then": ["mode": "error", "status": 404, "code": "NoSuchUpload", "method": "POST", "path_regex": "uploadId=", "count": 1],
        ])
        try store.put(key: "l/other", bytes: other)
        XCTAssertEqual(try servers.stats().faulted, 2)
        XCTAssertEqual(try servers.stats().forwardedByMethod["HEAD"], 1)
        XCTAssertEqual(try store.get(key: "l/other", range: nil), other)

        // But a NoSuchUpload with no such object behind it is an error.
        try servers.setFault(["mode": "error", "status": 404, "code": "NoSuchUpload", "method": "POST", "path_regex": "uploadId=", "count": 1])
        XCTAssertThrowsError(try store.put(key: "l/never", bytes: other)) { error in
            guard case let .server(operation, _, status, code, _, retryable)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
            XCTAssertEqual([operation, code], ["COMPLETE MULTIPART UPLOAD", "NoSuchUpload"])
            XCTAssertEqual(status, 404)
            XCTAssertFalse(retryable)
        }
        XCTAssertThrowsError(try store.get(key: "l/never", range: nil))
    }
}
