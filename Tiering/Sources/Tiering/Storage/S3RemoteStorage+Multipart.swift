import Dispatch
import Foundation

/// Multipart upload: CreateMultipartUpload, UploadPart for each part (up to
/// `storage.s3.multipart.upload.concurrency` at once, each worker with its own part buffer), then
/// CompleteMultipartUpload; AbortMultipartUpload if anything fails, so no orphaned parts are
/// left to be billed.
extension S3RemoteStorage {
    /// S3 takes at most this many parts; a larger object gets larger parts.
    static let maximumPartCount = 10_000

    /// Uploads `size` bytes that `read(offset, count, &buffer)` supplies part by part into the
    /// buffer's first `count` bytes (`sourceName`, a path, is for the log). Only one part's
    /// buffer is in memory at a time.
    func multipartUpload(
        key: String, size: Int64, sourceName: String,
        read: @Sendable (Int64, Int, inout [UInt8]) throws(RemoteStorageError) -> Void
    ) throws(RemoteStorageError) {
        let minimumForCount = (size + Int64(Self.maximumPartCount) - 1) / Int64(Self.maximumPartCount)
        let partSize = Int(max(Int64(config.partSize), minimumForCount))
        if partSize > config.partSize {
            logger.info("S3 part size raised to stay within \(Self.maximumPartCount) parts", metadata: ["key": "\(key)", "partSize": "\(partSize)"])
        }
        let partCount = Int((size + Int64(partSize) - 1) / Int64(partSize))
        let uploadId = try createMultipartUpload(key: key)
        logger.debug("S3 multipart upload started", metadata: [
            "key": "\(key)", "source": "\(sourceName)", "size": "\(size)", "parts": "\(partCount)", "partSize": "\(partSize)",
        ])
        do throws(RemoteStorageError) {
            let etags = try uploadParts(key: key, uploadId: uploadId, size: size, partSize: partSize, partCount: partCount, read: read)
            try completeMultipartUpload(key: key, uploadId: uploadId, etags: etags, size: size)
        } catch {
            abortMultipartUpload(key: key, uploadId: uploadId, cause: error)
            throw error
        }
    }

    /// Sends every part, `multipartConcurrency` at a time: each worker takes the next part
    /// number, reads it into its own buffer and uploads it. The first failure stops the workers
    /// from taking more parts and is what the caller sees. Returns the ETags in part order.
    private func uploadParts(
        key: String, uploadId: String, size: Int64, partSize: Int, partCount: Int,
        read: @Sendable (Int64, Int, inout [UInt8]) throws(RemoteStorageError) -> Void
    ) throws(RemoteStorageError) -> [String] {
        let workers = max(1, min(config.multipartConcurrency, partCount))
        let state = PartProgress(count: partCount)
        withoutActuallyEscaping(read) { read in
            let send = { @Sendable (worker: Int) in
                var buffer = [UInt8](repeating: 0, count: partSize)
                while let partNumber = state.next() {
                    let offset = Int64(partNumber - 1) * Int64(partSize)
                    let count = Int(min(Int64(partSize), size - offset))
                    do throws(RemoteStorageError) {
                        try read(offset, count, &buffer)
                        state.finish(partNumber, etag: try self.uploadPart(key: key, uploadId: uploadId, partNumber: partNumber, buffer: buffer, count: count))
                    } catch {
                        state.fail(error)
                    }
                }
            }
            if workers == 1 {
                send(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: workers, execute: send)
            }
        }
        return try state.result()
    }

    private func createMultipartUpload(key: String) throws(RemoteStorageError) -> String {
        let operation = "CREATE MULTIPART UPLOAD"
        let response = try send(S3Request(method: "POST", key: config.keyPrefix + key, query: [("uploads", "")]), operation: operation, key: key)
        guard response.status == 200 else { throw failure(response, operation: operation, key: key) }
        guard let uploadId = S3XML.parse(response.body)?["UploadId"], !uploadId.isEmpty else {
            throw unreadable(response, operation: operation, key: key, expected: "InitiateMultipartUploadResult with an UploadId")
        }
        return uploadId
    }

    /// Sends one part and returns its ETag, which CompleteMultipartUpload must repeat.
    private func uploadPart(key: String, uploadId: String, partNumber: Int, buffer: [UInt8], count: Int) throws(RemoteStorageError) -> String {
        let operation = "UPLOAD PART \(partNumber)"
        var request = S3Request(method: "PUT", key: config.keyPrefix + key, query: [("partNumber", String(partNumber)), ("uploadId", uploadId)])
        request.setBody(buffer, count: count)
        let response = try send(request, operation: operation, key: key)
        guard (200..<300).contains(response.status) else { throw failure(response, operation: operation, key: key) }
        guard let etag = response.headers["etag"], !etag.isEmpty else {
            throw unreadable(response, operation: operation, key: key, expected: "an ETag header")
        }
        return etag
    }

    private func completeMultipartUpload(key: String, uploadId: String, etags: [String], size: Int64) throws(RemoteStorageError) {
        let operation = "COMPLETE MULTIPART UPLOAD"
        var body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            body += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
        }
        body += "</CompleteMultipartUpload>"
        var request = S3Request(method: "POST", key: config.keyPrefix + key, query: [("uploadId", uploadId)])
        request.setBody(Array(body.utf8), count: body.utf8.count)
        request.errorMayComeWith200 = true
        let response = try send(request, operation: operation, key: key)
        if response.status == 200 { return }
        // A retried Complete whose first try succeeded but whose answer was lost finds the
        // upload gone. The object is then there, with this size and an ETag ending in "-<parts>".
        if response.status == 404, S3ErrorBody(response.body)?.code == "NoSuchUpload",
           let head = try? headObject(key: key), head.size == size, head.etag.hasSuffix("-\(etags.count)\"") {
            logger.info("S3 multipart upload found complete after a lost answer", metadata: ["key": "\(key)"])
            return
        }
        throw failure(response, operation: operation, key: key)
    }

    /// The size and ETag of an object, by HEAD; nil when there is none.
    func headObject(key: String) throws(RemoteStorageError) -> (size: Int64, etag: String)? {
        let response = try send(S3Request(method: "HEAD", key: config.keyPrefix + key), operation: "HEAD", key: key)
        if response.status == 404 { return nil }
        guard response.status == 200, let size = response.headers["content-length"].flatMap({ Int64($0) }) else {
            throw failure(response, operation: "HEAD", key: key)
        }
        return (size, response.headers["etag"] ?? "")
    }

    /// Best effort: a failed abort is logged, and the original failure is what the caller sees.
    /// (A bucket lifecycle rule for incomplete multipart uploads catches what still slips through.)
    private func abortMultipartUpload(key: String, uploadId: String, cause: RemoteStorageError) {
        let operation = "ABORT MULTIPART UPLOAD"
        do throws(RemoteStorageError) {
            let response = try send(S3Request(method: "DELETE", key: config.keyPrefix + key, query: [("uploadId", uploadId)]), operation: operation, key: key)
            if !(200..<300).contains(response.status) && response.status != 404 {
                throw failure(response, operation: operation, key: key)
            }
            logger.info("S3 multipart upload aborted", metadata: ["key": "\(key)", "cause": "\(cause)"])
        } catch {
            logger.error("S3 multipart upload could not be aborted; its parts stay until a lifecycle rule removes them",
                         metadata: ["key": "\(key)", "uploadId": "\(uploadId)", "error": "\(error)", "cause": "\(cause)"])
        }
    }
}

/// The shared progress of one multipart upload's workers: which part is next, the ETags so far,
/// and the first failure.
private final class PartProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var nextPart = 1
    private let count: Int
    private var etags: [String?]
    private var failure: RemoteStorageError?

    init(count: Int) {
        self.count = count
        etags = Array(repeating: nil, count: count)
    }

    /// The next part number to send, or nil when all are taken or one failed.
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, nextPart <= count else { return nil }
        defer { nextPart += 1 }
        return nextPart
    }

    func finish(_ partNumber: Int, etag: String) {
        lock.lock(); etags[partNumber - 1] = etag; lock.unlock()
    }

    func fail(_ error: RemoteStorageError) {
        lock.lock(); if failure == nil { failure = error }; lock.unlock()
    }

    func result() throws(RemoteStorageError) -> [String] {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        return etags.map { $0! }
    }
}
