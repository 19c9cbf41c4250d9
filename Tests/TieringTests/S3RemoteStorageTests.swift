import Foundation
import TestSupport
import Tiering
import XCTest

/// S3RemoteStorage against a real S3 server (moto), through the fault proxy with no fault set.
final class S3RemoteStorageTests: XCTestCase {
    nonisolated(unsafe) private static var servers: MotoServer?

    override func setUpWithError() throws {
        if Self.servers == nil { Self.servers = try MotoServer.start() }
        try Self.servers!.clearFault()
    }

    override class func tearDown() {
        servers?.stop()
        servers = nil
        super.tearDown()
    }

    private var servers: MotoServer { Self.servers! }

    private func temporaryFile(_ bytes: [UInt8]) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("s3-source-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func assertError(_ expected: RemoteStorageError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? RemoteStorageError, expected, file: file, line: line)
        }
    }

    func testPutGetRangesAndMissingKeys() throws {
        let store = try servers.makeStore()
        var random = SeededRandom(seed: 1)
        let bytes = random.bytes(100_000)
        try store.put(key: "orders-0/00000000000000000000-a.log", bytes: bytes)
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: nil), bytes)
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 10..<20), Array(bytes[10..<20]))
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 0..<1), [bytes[0]])
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 99_990..<200_000), Array(bytes[99_990...]))
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 500..<500), [])
        assertError(.invalidRange(key: "orders-0/00000000000000000000-a.log", range: 100_000..<100_001, size: 100_000)) {
            _ = try store.get(key: "orders-0/00000000000000000000-a.log", range: 100_000..<100_001)
        }
        assertError(.invalidRange(key: "orders-0/00000000000000000000-a.log", range: -1..<3, size: nil)) {
            _ = try store.get(key: "orders-0/00000000000000000000-a.log", range: -1..<3)
        }
        assertError(.notFound(key: "orders-0/missing")) { _ = try store.get(key: "orders-0/missing", range: nil) }
        assertError(.notFound(key: "orders-0/missing")) { _ = try store.get(key: "orders-0/missing", range: 0..<10) }

        // Empty objects, and overwriting.
        try store.put(key: "empty", bytes: [])
        XCTAssertEqual(try store.get(key: "empty", range: nil), [])
        try store.put(key: "orders-0/00000000000000000000-a.log", bytes: [7, 8, 9])
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: nil), [7, 8, 9])
    }

    func testKeysWithSpacesUnicodeAndReservedCharacters() throws {
        let store = try servers.makeStore()
        let keys = ["dir with spaces/seg ment.log", "unicode/日本語-é/ü.idx", "reserved/a+b=c&d;e,f:g@h$i!j'k(l)m*n~o.log", "percent/100%25.log",
                    "dots/../x", "dots/./y"]
        for (index, key) in keys.enumerated() {
            try store.put(key: key, bytes: [UInt8(index)])
        }
        for (index, key) in keys.enumerated() {
            XCTAssertEqual(try store.get(key: key, range: nil), [UInt8(index)], key)
        }
        XCTAssertEqual(try store.list(prefix: "").map(\.key), keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(try store.list(prefix: "unicode/日本語").map(\.key), ["unicode/日本語-é/ü.idx"])
    }

    func testPutFileSinglePutAndMultipart() throws {
        let store = try servers.makeStore()
        var random = SeededRandom(seed: 2)
        // Below the 5 MiB part size: one PUT.
        let small = random.bytes(1_000_000)
        var before = try servers.stats()
        try store.put(key: "t-0/small.log", fileAt: temporaryFile(small))
        var after = try servers.stats()
        XCTAssertEqual(after.forwardedByMethod["PUT", default: 0] - before.forwardedByMethod["PUT", default: 0], 1)
        XCTAssertEqual(after.forwardedByMethod["POST", default: 0], before.forwardedByMethod["POST", default: 0])
        XCTAssertEqual(try store.get(key: "t-0/small.log", range: nil), small)

        // ~12 MiB at a 5 MiB part size: create, 3 parts, complete.
        let large = random.bytes(12 * 1024 * 1024 + 12_345)
        before = try servers.stats()
        try store.put(key: "t-0/large.log", fileAt: temporaryFile(large))
        after = try servers.stats()
        XCTAssertEqual(after.forwardedByMethod["PUT", default: 0] - before.forwardedByMethod["PUT", default: 0], 3, "UploadPart requests")
        XCTAssertEqual(after.forwardedByMethod["POST", default: 0] - before.forwardedByMethod["POST", default: 0], 2, "create and complete")
        XCTAssertEqual(try store.get(key: "t-0/large.log", range: nil), large)
        let acrossParts: Range<Int64> = 5 * 1024 * 1024 - 100..<5 * 1024 * 1024 + 100
        XCTAssertEqual(try store.get(key: "t-0/large.log", range: acrossParts), Array(large[Int(acrossParts.lowerBound)..<Int(acrossParts.upperBound)]))
        XCTAssertEqual(try store.list(prefix: "t-0/"), [RemoteObject(key: "t-0/large.log", size: Int64(large.count)), RemoteObject(key: "t-0/small.log", size: 1_000_000)])

        // Exactly one part size goes multipart too (the rule is "at or above").
        let exact = random.bytes(S3StorageConfig.minimumPartSize)
        before = try servers.stats()
        try store.put(key: "t-0/exact.log", bytes: exact)
        after = try servers.stats()
        XCTAssertEqual(after.forwardedByMethod["POST", default: 0] - before.forwardedByMethod["POST", default: 0], 2)
        XCTAssertEqual(try store.get(key: "t-0/exact.log", range: nil), exact)

        XCTAssertThrowsError(try store.put(key: "t-0/none.log", fileAt: "/nonexistent/file")) { error in
            XCTAssertEqual(error as? RemoteStorageError, .io(operation: "open", path: "/nonexistent/file", errno: ENOENT))
        }
    }

    func testMultipartETagHasPartCountSuffix() throws {
        // Read past the store: moto's ETag for a multipart object is md5-of-md5s "-N".
        let store = try servers.makeStore(bucket: "etag-check")
        var random = SeededRandom(seed: 3)
        try store.put(key: "m", bytes: random.bytes(11 * 1024 * 1024))
        let (status, _, headers) = try rawRequest(method: "HEAD", path: "/etag-check/m")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(headers["etag"]?.hasSuffix("-3\"") ?? false, "\(headers)")
    }

    func testListPagesAndPrefixes() throws {
        let store = try servers.makeStore { $0.listMaxKeys = 2 }
        for index in 0..<5 { try store.put(key: "p-0/\(index).log", bytes: Array(repeating: 1, count: index)) }
        try store.put(key: "p-1/0.log", bytes: [1])
        let before = try servers.stats()
        let listed = try store.list(prefix: "p-0/")
        let after = try servers.stats()
        XCTAssertEqual(listed, (0..<5).map { RemoteObject(key: "p-0/\($0).log", size: Int64($0)) })
        XCTAssertEqual(after.forwardedByMethod["GET", default: 0] - before.forwardedByMethod["GET", default: 0], 3, "5 keys at 2 a page")
        XCTAssertEqual(try store.list(prefix: "p-").count, 6)
        XCTAssertEqual(try store.list(prefix: "nothing/"), [])
    }

    func testDeleteIsIdempotent() throws {
        let store = try servers.makeStore()
        try store.put(key: "d/k", bytes: [1])
        try store.delete(key: "d/k")
        try store.delete(key: "d/k")
        try store.delete(key: "d/never-there")
        XCTAssertThrowsError(try store.get(key: "d/k", range: nil)) { XCTAssertEqual($0 as? RemoteStorageError, .notFound(key: "d/k")) }
        XCTAssertEqual(try store.list(prefix: "d/"), [])
    }

    func testKeyPrefixIsolatesStores() throws {
        let bucket = "shared-\(UUID().uuidString.prefix(8).lowercased())"
        let a = try servers.makeStore(bucket: bucket) { $0.keyPrefix = "cluster-a/" }
        let b = try servers.makeStore(bucket: bucket) { $0.keyPrefix = "cluster-b/" }
        let whole = try servers.makeStore(bucket: bucket)
        try a.put(key: "t-0/seg", bytes: [1])
        try b.put(key: "t-0/seg", bytes: [2, 2])
        XCTAssertEqual(try a.get(key: "t-0/seg", range: nil), [1])
        XCTAssertEqual(try b.get(key: "t-0/seg", range: nil), [2, 2])
        XCTAssertEqual(try a.list(prefix: ""), [RemoteObject(key: "t-0/seg", size: 1)])
        XCTAssertEqual(try whole.list(prefix: "").map(\.key), ["cluster-a/t-0/seg", "cluster-b/t-0/seg"])
        try a.delete(key: "t-0/seg")
        XCTAssertEqual(try b.get(key: "t-0/seg", range: nil), [2, 2])
        XCTAssertEqual(try whole.list(prefix: "").map(\.key), ["cluster-b/t-0/seg"])
    }

    func testMissingBucketIsNotAMissingKey() throws {
        let store = try servers.makeStore()
        let other = try S3RemoteStorage(config: {
            var config = store.config
            config.bucket = "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())"
            return config
        }())
        XCTAssertThrowsError(try other.get(key: "k", range: nil)) { error in
            guard case let .server(operation, key, status, code, _, retryable)? = error as? RemoteStorageError else { return XCTFail("\(error)") }
            XCTAssertEqual([operation, key, code], ["GET", "k", "NoSuchBucket"])
            XCTAssertEqual(status, 404)
            XCTAssertFalse(retryable)
        }
    }

    func testVirtualHostedAddressing() throws {
        // curl resolves every *.localhost name to the loopback address itself, so the bucket can
        // sit in the host name with no DNS set up: http://bucket.localhost:PORT/key.
        let bucket = "vhost-\(UUID().uuidString.prefix(8).lowercased())"
        let store = try servers.makeStore(bucket: bucket, endpoint: "http://localhost:\(servers.proxyPort)", pathStyle: false)
        try store.put(key: "v/k", bytes: [4, 5, 6])
        XCTAssertEqual(try store.get(key: "v/k", range: 1..<3), [5, 6])
        XCTAssertEqual(try store.list(prefix: "v/"), [RemoteObject(key: "v/k", size: 3)])
        // The object really is in that bucket: a path-style store sees it.
        let pathStyle = try servers.makeStore(bucket: bucket)
        XCTAssertEqual(try pathStyle.get(key: "v/k", range: nil), [4, 5, 6])
        try store.delete(key: "v/k")
        XCTAssertEqual(try pathStyle.list(prefix: ""), [])
    }

    func testConnectionsAreReused() throws {
        let store = try servers.makeStore()
        try servers.setFault(["mode": "none", "reset_stats": true])
        for index in 0..<20 {
            try store.put(key: "reuse/\(index)", bytes: [UInt8(index)])
            XCTAssertEqual(try store.get(key: "reuse/\(index)", range: nil), [UInt8(index)])
        }
        let stats = try servers.stats()
        XCTAssertEqual(stats.forwarded, 40)
        // One connection for the 40 requests, plus one for each stats/fault control request.
        XCTAssertLessThanOrEqual(stats.connections, 3, "\(stats.connections) connections for 40 requests")
    }

    func testConcurrentUse() throws {
        let store = try servers.makeStore()
        let errors = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                let bytes = Array(repeating: UInt8(index), count: 10_000 + index)
                try store.put(key: "c/\(index)", bytes: bytes)
                let back = try store.get(key: "c/\(index)", range: nil)
                if back != bytes { throw SupportError("object \(index) came back different") }
            } catch {
                errors.lock()
                failures.append("\(index): \(error)")
                errors.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertEqual(try store.list(prefix: "c/").count, 16)
    }

    /// A request straight to moto (which does not check signatures), for what the store does not expose.
    private func rawRequest(method: String, path: String) throws -> (Int, Data, [String: String]) {
        let authorization = "Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
        let (status, headers, body) = try MotoServer.httpWithHeaders(port: servers.motoPort, method: method, path: path, body: Data(), headers: [authorization])
        return (status, body, headers)
    }
}
