/// Where a bucket's objects are addressed: the endpoint URL taken apart, and the URL, `Host`
/// header and signed path of each request in path-style or virtual-hosted form.
///
///     path-style:      http://127.0.0.1:9000/bucket/prefix/key    Host: 127.0.0.1:9000
///     virtual-hosted:  https://bucket.s3.eu-west-1.amazonaws.com/prefix/key
struct S3Endpoint: Sendable, Equatable {
    var scheme: String
    var host: String
    /// nil when the URL names none (80 for http, 443 for https).
    var port: Int?

    /// Parses `scheme://host[:port][/]`; anything else throws naming `settingName`.
    init(url: String, settingName: String) throws(RemoteStorageError) {
        func invalid(_ reason: String) -> RemoteStorageError {
            .invalidConfig(name: settingName, value: url, reason: reason)
        }
        let lowered = url.lowercased()
        if lowered.hasPrefix("http://") {
            scheme = "http"
        } else if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if url.contains("://") {
            throw invalid("the scheme must be http or https")
        } else {
            throw invalid("must look like https://host[:port]")
        }
        var authority = url.dropFirst(scheme.count + 3)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("?"), !authority.contains("#"), !authority.contains("@") else {
            throw invalid("must be scheme://host[:port], without a path, query or user name")
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("an IPv6 address needs its closing ']'") }
            hostPart = authority[...close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portPart = rest.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty, hostPart.allSatisfy({ !$0.isWhitespace }) else { throw invalid("the host is missing") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else { throw invalid("the port must be a number from 1 to 65535") }
            port = number
        }
    }

    var isIPAddress: Bool {
        host.hasPrefix("[") || (host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// `host[:port]`, the port only when it is not the scheme's default (as HTTP clients send it).
    func authority(host: String) -> String {
        guard let port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else { return host }
        return "\(host):\(port)"
    }

    /// A request's address: the URL to send, the `Host` header, and the encoded path to sign.
    struct Address: Sendable, Equatable {
        var url: String
        var hostHeader: String
        var encodedPath: String
    }

    /// The address of `key` (already prefixed; nil for the bucket itself) with `query`, whose
    /// names and values are encoded here exactly as the signature encodes them.
    func address(bucket: String, key: String?, pathStyle: Bool, query: [(name: String, value: String)]) -> Address {
        let encodedKey = key.map { AWSSignatureV4.uriEncode($0, encodeSlash: false) }
        let hostHeader: String
        let path: String
        if pathStyle {
            hostHeader = authority(host: host)
            path = "/" + AWSSignatureV4.uriEncode(bucket, encodeSlash: true) + (encodedKey.map { "/" + $0 } ?? "")
        } else {
            hostHeader = authority(host: bucket + "." + host)
            path = "/" + (encodedKey ?? "")
        }
        let queryText = AWSSignatureV4.canonicalQuery(query)
        let url = "\(scheme)://\(hostHeader)\(path)" + (queryText.isEmpty ? "" : "?" + queryText)
        return Address(url: url, hostHeader: hostHeader, encodedPath: path)
    }
}
