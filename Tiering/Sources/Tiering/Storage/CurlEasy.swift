import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP request as libcurl sends it.
struct HTTPRequest {
    var method: String
    var url: String
    /// Sent as given, in this order (`Host` included).
    var headers: [(name: String, value: String)]
    /// The first `bodyCount` bytes of `body` are the request body.
    var body: [UInt8] = []
    var bodyCount: Int = 0
    var connectTimeoutMilliseconds: Int
    var timeoutMilliseconds: Int
}

/// The answer to an `HTTPRequest`: status, headers (names lowercased; the last of repeated ones)
/// and body.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// Why a request got no HTTP answer.
struct CurlFailure: Error {
    var code: CURLcode
    /// libcurl's own words: "Failed to connect to 127.0.0.1 port 9 after 0 ms: Connection refused".
    var message: String

    /// Failures another try may cure: no connection, a dropped one, a timeout, a DNS hiccup.
    var isTransient: Bool {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_OPERATION_TIMEDOUT,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR,
             CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY, CURLE_READ_ERROR:
            return true
        default:
            return false
        }
    }

    var isTimeout: Bool { code == CURLE_OPERATION_TIMEDOUT }
    /// Failures that retrying cannot cure because the endpoint setting (or the machine's CA
    /// certificates) is wrong: a malformed URL, an unknown scheme, a certificate refused.
    var isConfigurationProblem: Bool {
        switch code {
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND:
            return true
        default:
            return false
        }
    }
}

/// `curl_global_init` runs once per process, the first time a handle is made; Swift runs a global's
/// initialiser exactly once, even with threads racing for it.
private let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// A libcurl easy handle: one request at a time, reused for the next so that its connection to
/// the store is kept alive. Not thread-safe; `CurlHandlePool` hands each handle to one thread at
/// a time, hence the unchecked `Sendable`.
final class CurlEasy: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    init?() {
        guard curlGlobalInitResult == CURLE_OK, let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// Sends `request` and collects the whole answer. Blocks for at most the request's timeout.
    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, CurlFailure> {
        curl_easy_reset(handle)
        let exchange = Exchange(body: request.body, bodyCount: request.bodyCount)
        let context = Unmanaged.passRetained(exchange)
        defer { context.release() }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // libcurl adds these unless told not to; none is wanted or signed.
        headerList = curl_slist_append(headerList, "Expect:")
        headerList = curl_slist_append(headerList, "Accept:")
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            strata_curl_easy_setopt_string(handle, CURLOPT_URL, request.url)
            strata_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
            strata_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            strata_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            // Object keys may hold "/../" or "/./": send the path as signed, not squashed.
            strata_curl_easy_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
            strata_curl_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
            strata_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
            strata_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
            strata_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, "strata-tiering/1")
            strata_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
            strata_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
            strata_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
            strata_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())
            strata_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
            switch request.method {
            case "GET":
                strata_curl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD":
                strata_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "PUT", "POST":
                // An upload with a known length; a custom method turns the PUT into a POST.
                strata_curl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1)
                strata_curl_easy_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.bodyCount))
                strata_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
                strata_curl_easy_setopt_write_callback(handle, CURLOPT_READFUNCTION, curlReadBody)
                // libcurl rewinds the body when it resends on a reused connection the server closed.
                strata_curl_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, context.toOpaque())
                strata_curl_easy_setopt_seek_callback(handle, CURLOPT_SEEKFUNCTION, curlSeekBody)
                if request.method == "POST" { strata_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "POST") }
            default:
                strata_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            let code = curl_easy_perform(handle)
            strata_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)  // the buffer dies with this closure
            return code
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(CurlFailure(code: code, message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
        }
        var status = 0
        strata_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: exchange.headers, body: exchange.received))
    }

    /// The state the C callbacks of one request share with Swift.
    fileprivate final class Exchange {
        let body: [UInt8]
        let bodyCount: Int
        var sent = 0
        var received: [UInt8] = []
        var headers: [String: String] = [:]

        init(body: [UInt8], bodyCount: Int) {
            self.body = body
            self.bodyCount = bodyCount
        }
    }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let exchange = Unmanaged<CurlEasy.Exchange>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data, length > 0 {
        exchange.received.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    }
    return length
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let exchange = Unmanaged<CurlEasy.Exchange>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return length }
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        exchange.headers = [:]  // a new answer (after a 100 Continue): forget the last one's headers
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0d || byte == 0x0a }
        var value = line[(colon + 1)...]
        while let first = value.first, isSpace(first) { value = value.dropFirst() }
        while let last = value.last, isSpace(last) { value = value.dropLast() }
        let text = String(decoding: value, as: UTF8.self)
        exchange.headers[name] = text
        if name == "content-length", let expected = Int(text), expected > 0 {
            exchange.received.reserveCapacity(min(expected, 1 << 30))
        }
    }
    return length
}

private func curlReadBody(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let exchange = Unmanaged<CurlEasy.Exchange>.fromOpaque(context!).takeUnretainedValue()
    let length = min(size * count, exchange.bodyCount - exchange.sent)
    guard let buffer, length > 0 else { return 0 }
    exchange.body.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + exchange.sent, byteCount: length)
    }
    exchange.sent += length
    return length
}

private func curlSeekBody(_ context: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    let exchange = Unmanaged<CurlEasy.Exchange>.fromOpaque(context!).takeUnretainedValue()
    guard origin == SEEK_SET, offset >= 0, offset <= exchange.bodyCount else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    exchange.sent = Int(offset)
    return Int32(CURL_SEEKFUNC_OK)
}
