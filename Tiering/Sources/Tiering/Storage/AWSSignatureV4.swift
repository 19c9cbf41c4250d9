#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS Signature Version 4 for S3 requests sent with an `Authorization` header.
///
/// A pure function of its inputs (no clock, no I/O), so the published AWS example values test
/// it exactly. The steps, each exposed for those tests:
///
///     canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADER-NAMES \n PAYLOAD-SHA256
///     string to sign    = "AWS4-HMAC-SHA256" \n TIMESTAMP \n DATE/REGION/s3/aws4_request \n SHA256(canonical request)
///     signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, DATE), REGION), "s3"), "aws4_request")
///     signature         = hex(HMAC(signing key, string to sign))
///
/// S3 differs from other services in one point: the path is URI-encoded once, not twice.
public struct AWSSignatureV4: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The parts of a request that the signature covers.
    public struct Request: Sendable {
        public var method: String
        /// The path as sent on the wire, already URI-encoded (`uriEncode(_:encodeSlash: false)`).
        public var encodedPath: String
        /// Query parameters, not encoded; an empty value stands for a bare name (`?uploads`).
        public var query: [(name: String, value: String)]
        /// Every header to sign, `host` included; names in any case.
        public var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body, as sent in `x-amz-content-sha256`.
        public var payloadHash: String

        public init(method: String, encodedPath: String, query: [(name: String, value: String)], headers: [(name: String, value: String)], payloadHash: String) {
            self.method = method
            self.encodedPath = encodedPath
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// A point in time in the two forms SigV4 uses: `20130524` and `20130524T000000Z`.
    public struct Timestamp: Sendable, Equatable {
        public var date: String
        public var dateTime: String

        public init(date: String, dateTime: String) {
            self.date = date
            self.dateTime = dateTime
        }

        /// The UTC time `seconds` after the Unix epoch.
        public init(secondsSinceEpoch seconds: Int) {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            func pad(_ value: Int32, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            date = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
            dateTime = date + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
        }

        /// Now, from the system clock.
        public static func now() -> Timestamp {
            Timestamp(secondsSinceEpoch: Int(time(nil)))
        }
    }

    // MARK: Steps

    /// `name=value` pairs, both encoded (`/` too), sorted by name then value, joined by `&`.
    /// The URL's query string is this same text, so what is signed is what is sent.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (name: uriEncode(pair.name, encodeSlash: true), value: uriEncode(pair.value, encodeSlash: true))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Lowercased names, values trimmed with inner runs of spaces folded, sorted by name.
    private func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.map { header in
            let words = header.value.split(separator: " ", omittingEmptySubsequences: true)
            return (name: header.name.lowercased(), value: words.joined(separator: " "))
        }
        .sorted { $0.name < $1.name }
    }

    public func signedHeaderNames(_ request: Request) -> String {
        canonicalHeaders(request.headers).map(\.name).joined(separator: ";")
    }

    public func canonicalRequest(_ request: Request) -> String {
        let headers = canonicalHeaders(request.headers)
        return [
            request.method,
            request.encodedPath.isEmpty ? "/" : request.encodedPath,
            Self.canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            headers.map(\.name).joined(separator: ";"),
            request.payloadHash,
        ].joined(separator: "\n")
    }

    public func scope(_ timestamp: Timestamp) -> String {
        "\(timestamp.date)/\(region)/\(service)/aws4_request"
    }

    public func stringToSign(canonicalRequest: String, timestamp: Timestamp) -> String {
        [
            Self.algorithm,
            timestamp.dateTime,
            scope(timestamp),
            SHA256Digest.hex(SHA256Digest.hash(canonicalRequest)),
        ].joined(separator: "\n")
    }

    public func signature(stringToSign: String, timestamp: Timestamp) -> String {
        var key = SHA256Digest.hmac(key: Array(("AWS4" + credentials.secretAccessKey).utf8), timestamp.date)
        key = SHA256Digest.hmac(key: key, region)
        key = SHA256Digest.hmac(key: key, service)
        key = SHA256Digest.hmac(key: key, "aws4_request")
        return SHA256Digest.hex(SHA256Digest.hmac(key: key, stringToSign))
    }

    /// The `Authorization` header value for `request` at `timestamp`. The request's headers must
    /// already hold `x-amz-date` (the timestamp) and `x-amz-content-sha256`.
    public func authorization(_ request: Request, timestamp: Timestamp) -> String {
        let toSign = stringToSign(canonicalRequest: canonicalRequest(request), timestamp: timestamp)
        return "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(timestamp)),"
            + "SignedHeaders=\(signedHeaderNames(request)),Signature=\(signature(stringToSign: toSign, timestamp: timestamp))"
    }

    // MARK: URI encoding

    /// SigV4's URI encoding: every byte of the UTF-8 form except `A-Z a-z 0-9 - . _ ~` becomes
    /// `%XY` (upper-case hex); `/` stays as it is in paths (`encodeSlash: false`).
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where !encodeSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
