import Foundation
import KafkaProtocol
import NIOCore
import NIOPosix

/// A SwiftNIO connection to one broker for `strata perf`: requests are pipelined (sent without
/// waiting for earlier answers) and responses matched by correlation id, in order.
final class PerfConnection: @unchecked Sendable {
    let address: String
    private let channel: Channel
    private var correlationId: Int32 = 0
    private var versions: [Int16: ClosedRange<Int16>] = [:]
    static let clientId = "strata-perf"

    /// Connects to `host:port` and negotiates versions with ApiVersions.
    init(bootstrapServer: String, group: EventLoopGroup, timeoutSeconds: Int64 = 10) throws {
        address = bootstrapServer
        guard let colon = bootstrapServer.lastIndex(of: ":"), let port = Int(bootstrapServer[bootstrapServer.index(after: colon)...]),
              port > 0, port < 65536 else {
            throw ClientError("invalid --bootstrap-server '\(bootstrapServer)': expected host:port")
        }
        let host = String(bootstrapServer[..<colon]).trimmingCharacters(in: ["[", "]"])
        let address = bootstrapServer
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(timeoutSeconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PerfFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(PerfResponseHandler(address: address))
                }
            }
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            throw ClientError("cannot connect to \(bootstrapServer): \(Self.describe(error))")
        }
        let response = try request(ApiVersionsRequest(clientSoftwareName: "strata-perf", clientSoftwareVersion: "0"), version: 3)
        guard response.errorCode == 0 else { throw ClientError("\(bootstrapServer) refused ApiVersions (error \(response.errorCode))") }
        for key in response.apiKeys { versions[key.apiKey] = key.minVersion...key.maxVersion }
    }

    private static func describe(_ error: Error) -> String {
        var error = error
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first { error = first.error }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }

    /// The highest version of `Request` both sides speak, at most `cap`.
    func version<Request: KafkaRequestMessage>(of _: Request.Type, atMost cap: Int16 = .max) throws -> Int16 {
        guard let theirs = versions[Request.apiKey.rawValue] else {
            throw ClientError("\(address) does not support \(Request.self)")
        }
        let top = min(theirs.upperBound, Request.validVersions.upperBound, cap)
        guard top >= max(theirs.lowerBound, Request.validVersions.lowerBound) else {
            throw ClientError("\(address) speaks no version of \(Request.self) this tool speaks")
        }
        return top
    }

    /// Sends a request without waiting for earlier ones; the future gives its decoded response
    /// (nil when `expectsResponse` is false: it completes once written). Call from one thread.
    func send<Request: KafkaRequestMessage>(_ request: Request, version: Int16, expectsResponse: Bool = true) -> EventLoopFuture<Request.Response?> {
        correlationId &+= 1
        let promise = channel.eventLoop.makePromise(of: ByteBuffer?.self)
        var buffer = ByteBuffer()
        do {
            try request.writeFrame(to: &buffer, version: version, correlationId: correlationId, clientId: Self.clientId)
        } catch {
            promise.fail(error)
            return promise.futureResult.map { _ in nil }
        }
        channel.writeAndFlush(PerfRequest(frame: buffer, correlationId: correlationId, expectsResponse: expectsResponse, promise: promise), promise: nil)
        return promise.futureResult.flatMapThrowing { frame in
            guard let frame else { return nil }
            return try Request.Response.decodeFrame(frame, version: version).body
        }
    }

    /// Sends a request and waits for its response.
    func request<Request: KafkaRequestMessage>(_ request: Request, version: Int16) throws -> Request.Response {
        guard let response = try send(request, version: version, expectsResponse: true).wait() else {
            throw ClientError("\(address) sent no response")
        }
        return response
    }

    func close() {
        try? channel.close().wait()
    }
}
