import NIOCore

/// The host and port Metadata tells clients to connect to, per listener.
///
/// An `advertised.listeners` entry wins; otherwise the listener's own host with its bound port;
/// for a wildcard listener, the address this client connected to (Kafka would advertise the
/// machine's canonical host name, which a client may not be able to resolve).
struct AdvertisedEndpoints: Sendable {
    var advertised: [String: Listener]
    /// Listeners as bound (port 0 replaced by the port the system chose).
    var bound: [String: Listener]

    func endpoint(listenerName: String, localAddress: SocketAddress?) -> (host: String, port: Int32) {
        if let listener = advertised[listenerName] {
            return (listener.host, Int32(listener.port))
        }
        let listener = bound[listenerName]
        if let listener, !listener.isWildcard { return (listener.host, Int32(listener.port)) }
        let host = localAddress?.ipAddress ?? "localhost"
        let port = localAddress?.port ?? listener?.port ?? 9092
        return (host, Int32(port))
    }
}
