@testable import Tiering
import XCTest

/// The worked examples of AWS's "Signature Version 4: Authenticating Requests (AWS S3)" page:
/// the documentation's example key pair, bucket and date, with their published results.
final class AWSSignatureV4Tests: XCTestCase {
    private let signer = AWSSignatureV4(
        credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    private let timestamp = AWSSignatureV4.Timestamp(date: "20130524", dateTime: "20130524T000000Z")
    private let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func testGetObjectWithRange() {
        let request = AWSSignatureV4.Request(
            method: "GET", encodedPath: "/test.txt", query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                      ("x-amz-content-sha256", emptyHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: emptyHash)
        let canonical = signer.canonicalRequest(request)
        XCTAssertEqual(canonical, """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(emptyHash)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(emptyHash)
            """)
        let toSign = signer.stringToSign(canonicalRequest: canonical, timestamp: timestamp)
        XCTAssertEqual(toSign, """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        XCTAssertEqual(signer.signature(stringToSign: toSign, timestamp: timestamp), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        XCTAssertEqual(
            signer.authorization(request, timestamp: timestamp),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    func testPutObjectWithEncodedKeyAndPayloadHash() {
        let payload = Array("Welcome to Amazon S3.".utf8)
        let payloadHash = SHA256Digest.hex(SHA256Digest.hash(payload))
        XCTAssertEqual(payloadHash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = "/" + AWSSignatureV4.uriEncode("test$file.text", encodeSlash: false)
        XCTAssertEqual(path, "/test%24file.text")
        let request = AWSSignatureV4.Request(
            method: "PUT", encodedPath: path, query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                      ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                      ("x-amz-content-sha256", payloadHash)],
            payloadHash: payloadHash)
        let toSign = signer.stringToSign(canonicalRequest: signer.canonicalRequest(request), timestamp: timestamp)
        XCTAssertTrue(toSign.hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"), toSign)
        XCTAssertEqual(signer.signature(stringToSign: toSign, timestamp: timestamp), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        XCTAssertEqual(signer.signedHeaderNames(request), "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
    }

    func testGetBucketLifecycleWithBareSubresource() {
        let request = AWSSignatureV4.Request(
            method: "GET", encodedPath: "/", query: [("lifecycle", "")],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", emptyHash)],
            payloadHash: emptyHash)
        XCTAssertTrue(signer.canonicalRequest(request).hasPrefix("GET\n/\nlifecycle=\nhost:"))
        let toSign = signer.stringToSign(canonicalRequest: signer.canonicalRequest(request), timestamp: timestamp)
        XCTAssertEqual(signer.signature(stringToSign: toSign, timestamp: timestamp), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    func testListObjectsWithSortedQuery() {
        // Given out of order: the canonical query sorts by name.
        let request = AWSSignatureV4.Request(
            method: "GET", encodedPath: "/", query: [("prefix", "J"), ("max-keys", "2")],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", emptyHash)],
            payloadHash: emptyHash)
        XCTAssertEqual(AWSSignatureV4.canonicalQuery(request.query), "max-keys=2&prefix=J")
        let toSign = signer.stringToSign(canonicalRequest: signer.canonicalRequest(request), timestamp: timestamp)
        XCTAssertEqual(signer.signature(stringToSign: toSign, timestamp: timestamp), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    func testSignatureDependsOnEverySignedPart() {
        let base = AWSSignatureV4.Request(
            method: "GET", encodedPath: "/a", query: [],
            headers: [("host", "b.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z")], payloadHash: emptyHash)
        var variants = [base, base, base, base]
        variants[1].method = "DELETE"
        variants[2].encodedPath = "/b"
        variants[3].payloadHash = String(repeating: "0", count: 64)
        let signatures = Set(variants.map { signer.authorization($0, timestamp: timestamp) })
        XCTAssertEqual(signatures.count, 4)
        let otherRegion = AWSSignatureV4(credentials: signer.credentials, region: "eu-west-1")
        XCTAssertNotEqual(otherRegion.authorization(base, timestamp: timestamp), signer.authorization(base, timestamp: timestamp))
    }

    func testHeaderValuesAreTrimmedAndSpacesFolded() {
        let request = AWSSignatureV4.Request(
            method: "GET", encodedPath: "/k", query: [],
            headers: [("X-Amz-Meta-Note", "  two   words "), ("Host", "h")], payloadHash: emptyHash)
        XCTAssertEqual(signer.canonicalRequest(request).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3).prefix(2).joined(separator: "\n"),
                       "host:h\nx-amz-meta-note:two words")
    }

    func testTimestampFromEpochSeconds() {
        XCTAssertEqual(AWSSignatureV4.Timestamp(secondsSinceEpoch: 1_369_353_600), timestamp)  // 2013-05-24T00:00:00Z
        XCTAssertEqual(AWSSignatureV4.Timestamp(secondsSinceEpoch: 1_700_000_000).dateTime, "20231114T221320Z")
    }

    func testURIEncodingOfKeys() {
        XCTAssertEqual(AWSSignatureV4.uriEncode("orders-0/00000000000000000000-a.log", encodeSlash: false), "orders-0/00000000000000000000-a.log")
        XCTAssertEqual(AWSSignatureV4.uriEncode("a b/c+d", encodeSlash: false), "a%20b/c%2Bd")
        XCTAssertEqual(AWSSignatureV4.uriEncode("a b/c+d", encodeSlash: true), "a%20b%2Fc%2Bd")
        XCTAssertEqual(AWSSignatureV4.uriEncode("~_.-AZaz09", encodeSlash: true), "~_.-AZaz09")
        XCTAssertEqual(AWSSignatureV4.uriEncode("é/日本", encodeSlash: false), "%C3%A9/%E6%97%A5%E6%9C%AC")
        XCTAssertEqual(AWSSignatureV4.uriEncode("100%=*'()!&?#:@,;$", encodeSlash: true), "100%25%3D%2A%27%28%29%21%26%3F%23%3A%40%2C%3B%24")
    }

    func testAddressesInBothStyles() throws {
        let local = try S3Endpoint(url: "http://127.0.0.1:9000/", settingName: "x")
        let path = local.address(bucket: "b", key: "p/a b", pathStyle: true, query: [("uploadId", "x/y"), ("partNumber", "2")])
        XCTAssertEqual(path, S3Endpoint.Address(url: "http://127.0.0.1:9000/b/p/a%20b?partNumber=2&uploadId=x%2Fy", hostHeader: "127.0.0.1:9000", encodedPath: "/b/p/a%20b"))
        let aws = try S3Endpoint(url: "https://s3.eu-west-1.amazonaws.com", settingName: "x")
        let virtual = aws.address(bucket: "b", key: "k", pathStyle: false, query: [])
        XCTAssertEqual(virtual, S3Endpoint.Address(url: "https://b.s3.eu-west-1.amazonaws.com/k", hostHeader: "b.s3.eu-west-1.amazonaws.com", encodedPath: "/k"))
        XCTAssertEqual(aws.address(bucket: "b", key: nil, pathStyle: false, query: [("list-type", "2")]).url, "https://b.s3.eu-west-1.amazonaws.com/?list-type=2")
        XCTAssertEqual(try S3Endpoint(url: "https://h:443", settingName: "x").authority(host: "h"), "h")
        XCTAssertEqual(try S3Endpoint(url: "http://[::1]:9000", settingName: "x").host, "[::1]")
        for bad in ["127.0.0.1:9000", "ftp://h", "http://", "http://h:0", "http://h:x", "http://h/path", "http://u@h"] {
            XCTAssertThrowsError(try S3Endpoint(url: bad, settingName: "storage.s3.endpoint.url"), bad) { error in
                guard case let .invalidConfig(name, value, _) = error as? RemoteStorageError else { return XCTFail("\(error)") }
                XCTAssertEqual(name, "storage.s3.endpoint.url")
                XCTAssertEqual(value, bad)
            }
        }
    }
}
