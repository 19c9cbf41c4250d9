import NIOConcurrencyHelpers
import NIOCore

/// The open client connections: enforces `max.connections` and lets shutdown ask every
/// connection to finish what it is doing and close.
///
/// Concurrency: a lock guards the table; channels are touched only through their own event loops.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var accepting = true
        var nextId: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    let maxConnections: Int

    init(maxConnections: Int) { self.maxConnections = maxConnections }

    /// Registers a new connection; returns its id, or nil when the cap is reached or the server is stopping.
    func add(_ channel: any Channel) -> UInt64? {
        let id: UInt64? = state.withLockedValue { state in
            guard state.accepting, state.channels.count < maxConnections else { return nil }
            state.channels[ObjectIdentifier(channel)] = channel
            state.nextId += 1
            return state.nextId
        }
        if id != nil {
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLockedValue { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return id
    }

    var count: Int { state.withLockedValue { $0.channels.count } }

    /// Stops accepting and asks every connection to finish its in-flight requests and close.
    /// The future completes when all are closed.
    func quiesceAll(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let channels = state.withLockedValue { state in
            state.accepting = false
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: eventLoop)
    }

    /// Closes whatever is still open.
    func closeAll() {
        let channels = state.withLockedValue { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }
}
