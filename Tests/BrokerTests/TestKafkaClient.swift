#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaProtocol
import NIOCore
import XCTest

/// A blocking Kafka client over a plain loopback socket, for driving the broker in tests with the
/// generated codecs (and with raw bytes, for hostile input).
final class TestKafkaClient {
    let fd: Int32
    private var correlationId: Int32 = 0

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestClientError("connect failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func sendRaw(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestClientError("send failed: errno \(errno)") }
            sent += n
        }
    }

    /// Sends a request and returns its correlation id.
    @discardableResult
    func send<Request: KafkaRequestMessage>(_ request: Request, version: Int16) throws -> Int32 {
        correlationId += 1
        var buffer = ByteBuffer()
        try request.writeFrame(to: &buffer, version: version, correlationId: correlationId, clientId: "broker-tests")
        try sendRaw(Array(buffer.readableBytesView))
        return correlationId
    }

    func receiveFrame() throws -> ByteBuffer {
        let size = try readExactly(4)
        let length = Int(Int32(bigEndian: size.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        return ByteBuffer(bytes: try readExactly(length))
    }

    func receive<Response: KafkaResponseMessage>(_ type: Response.Type, version: Int16) throws -> (correlationId: Int32, body: Response) {
        let (header, body) = try Response.decodeFrame(try receiveFrame(), version: version)
        return (header.correlationId, body)
    }

    func roundTrip<Request: KafkaRequestMessage>(_ request: Request, version: Int16) throws -> Request.Response {
        let id = try send(request, version: version)
        let (received, body) = try receive(Request.Response.self, version: version)
        XCTAssertEqual(received, id)
        return body
    }

    /// True when the server closed the connection (EOF or reset) within the receive timeout.
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes[done...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw TestClientError(n == 0 ? "connection closed" : "recv failed: errno \(errno)") }
            done += n
        }
        return bytes
    }
}

struct TestClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
