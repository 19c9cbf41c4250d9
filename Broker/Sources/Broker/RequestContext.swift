import KafkaProtocol
import NIOCore

/// Everything a handler may need about the request besides its body.
public struct RequestContext: Sendable {
    public var header: RequestHeader
    public var apiKey: ApiKey
    public var apiVersion: Int16 { header.requestApiVersion }
    /// The listener the connection came in on.
    public var listenerName: String
    /// The address the client connected to (what a wildcard listener advertises back).
    public var localAddress: SocketAddress?
    public var remoteAddress: SocketAddress?
    /// The connection's event loop; handlers complete their futures there or hop to it.
    public var eventLoop: any EventLoop
}
