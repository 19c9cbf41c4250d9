import Foundation
import KafkaProtocol
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A blocking connection to one Kafka broker, for the command-line tools' few admin requests
/// (`strata tune apply --bootstrap-server`). It negotiates versions with ApiVersions and then sends
/// one request at a time with the generated codecs. Not for load: `strata perf` has its own client.
final class KafkaConnection {
    let address: String
    private let socket: Int32
    private var correlationId: Int32 = 0
    private var versions: [Int16: ClosedRange<Int16>] = [:]

    /// Connects to `host:port` with a timeout for connecting, sending and receiving.
    init(bootstrapServer: String, timeoutSeconds: Int = 10) throws {
        address = bootstrapServer
        guard let colon = bootstrapServer.lastIndex(of: ":"), let port = UInt16(bootstrapServer[bootstrapServer.index(after: colon)...]) else {
            throw ClientError("invalid --bootstrap-server '\(bootstrapServer)': expected host:port")
        }
        let host = String(bootstrapServer[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else {
            throw ClientError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(results) }
        var connected: Int32 = -1
        var reason = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let fd = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    connected = fd
                    break
                }
                reason = String(cString: strerror(errno))
                close(fd)
            }
            candidate = info.pointee.ai_next
        }
        guard connected >= 0 else { throw ClientError("cannot connect to \(bootstrapServer): \(reason)") }
        socket = connected
        let response = try send(ApiVersionsRequest(clientSoftwareName: "strata-tools", clientSoftwareVersion: "0"), version: 3)
        guard response.errorCode == 0 else { throw ClientError("\(bootstrapServer) refused ApiVersions (error \(response.errorCode))") }
        for key in response.apiKeys { versions[key.apiKey] = key.minVersion...key.maxVersion }
    }

    deinit { close(socket) }

    /// The highest version of `Request` both sides speak, or nil when the broker lacks the API.
    func version<Request: KafkaRequestMessage>(of _: Request.Type) -> Int16? {
        guard let theirs = versions[Request.apiKey.rawValue] else { return nil }
        let top = min(theirs.upperBound, Request.validVersions.upperBound)
        return top >= max(theirs.lowerBound, Request.validVersions.lowerBound) ? top : nil
    }

    /// Sends one request and waits for its response.
    func send<Request: KafkaRequestMessage>(_ request: Request, version: Int16) throws -> Request.Response {
        correlationId += 1
        var buffer = ByteBuffer()
        try request.writeFrame(to: &buffer, version: version, correlationId: correlationId, clientId: "strata-tools")
        try writeAll(buffer.readableBytesView)
        let size = try readExactly(4).withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
        guard size >= 0, size <= 100 << 20 else { throw ClientError("\(address) sent a response frame of \(size) bytes") }
        let frame = ByteBuffer(bytes: try readExactly(Int(size)))
        let (header, body) = try Request.Response.decodeFrame(frame, version: version)
        guard header.correlationId == correlationId else {
            throw ClientError("\(address) answered correlation id \(header.correlationId), expected \(correlationId)")
        }
        return body
    }

    private func writeAll(_ bytes: ByteBufferView) throws {
        try Array(bytes).withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.send(socket, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw ClientError("sending to \(address) failed: \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { raw in
            while done < count {
                let n = recv(socket, raw.baseAddress! + done, count - done, 0)
                guard n > 0 else {
                    throw ClientError(n == 0 ? "\(address) closed the connection" : "reading from \(address) failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        return bytes
    }
}

/// A client-side failure, worded for the person at the terminal.
struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
