/// One S3 API call before signing: which object, which sub-resource, which body.
///
/// `S3RemoteStorage.send` turns it into a signed `HTTPRequest` afresh for every attempt (the
/// signature carries the time), with the payload hash computed once here.
struct S3Request {
    var method: String
    /// The full object key, key prefix included; nil addresses the bucket itself.
    var key: String?
    var query: [(name: String, value: String)] = []
    /// Extra headers to send and sign (`range`), names in lower case.
    var headers: [(name: String, value: String)] = []
    /// The first `bodyCount` bytes of `body` are sent.
    var body: [UInt8] = []
    var bodyCount: Int = 0
    /// Hex SHA-256 of the body, sent in `x-amz-content-sha256` so that S3 checks what it got.
    var payloadHash: String = SHA256Digest.emptyPayloadHash
    /// CompleteMultipartUpload may answer 200 and still fail, with an `<Error>` body.
    var errorMayComeWith200 = false

    init(method: String, key: String?, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
        self.method = method
        self.key = key
        self.query = query
        self.headers = headers
    }

    /// Sets the body to the first `count` bytes of `bytes` and hashes them.
    mutating func setBody(_ bytes: [UInt8], count: Int) {
        body = bytes
        bodyCount = count
        payloadHash = SHA256Digest.hex(SHA256Digest.hash(bytes, count: count))
    }
}
