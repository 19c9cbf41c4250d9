#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Engine
import KafkaProtocol
import Logging
import NIOCore

/// One client connection: decodes request frames, runs them one at a time in arrival order and
/// writes each response before the next request starts, as Kafka does, so responses leave in
/// request order. Clients may pipeline: frames that arrive meanwhile wait in a queue; when it is
/// full the handler stops reading from the socket (TCP back-pressure).
///
/// Bad input follows Kafka: an ApiVersions request of an unknown version gets UNSUPPORTED_VERSION
/// (in the v0 format); an oversized or negative frame size, an unknown API key, an unsupported
/// version of another API or a body that doesn't decode closes the connection, with a log line.
///
/// Concurrency: confined to the channel's event loop (NIO calls it only there, and request
/// futures are hopped back onto it before their results are touched).
final class KafkaChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let maxQueuedRequests = 16

    private let dispatcher: RequestDispatcher
    private let listenerName: String
    private var logger: Logger
    private var queue = CircularBuffer<ByteBuffer>()
    private var inFlight = false
    private var heldRead = false
    private var quiescing = false
    private var closed = false
    /// Set when the next request waits for the socket to drain (a client that does not read).
    private var waitingForWritability = false
    /// True between the first `channelRead` of a socket read and `channelReadComplete`.
    /// Responses produced meanwhile (pipelined requests answered on the event loop) are flushed
    /// together at `channelReadComplete`: one writev and one wake-up of the client instead of
    /// one per response.
    private var inReadBatch = false
    private var flushPending = false
    /// The connection's addresses, asked of the socket once (each ask is a system call).
    private var addresses: (local: SocketAddress?, remote: SocketAddress?)?

    init(dispatcher: RequestDispatcher, listenerName: String, logger: Logger) {
        self.dispatcher = dispatcher
        self.listenerName = listenerName
        self.logger = logger
    }

    private func addresses(_ context: ChannelHandlerContext) -> (local: SocketAddress?, remote: SocketAddress?) {
        if let addresses { return addresses }
        let found = (local: context.localAddress, remote: context.remoteAddress)
        addresses = found
        return found
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "client"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        logger.debug("connection opened on \(listenerName)")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        queue.removeAll()
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed, !quiescing else { return }
        inReadBatch = true
        queue.append(unwrapInboundIn(data))
        processNext(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        flushIfPending(context)
        context.fireChannelReadComplete()
    }

    /// Flushes at once outside a read batch, else at its end.
    private func flush(_ context: ChannelHandlerContext) {
        if inReadBatch {
            flushPending = true
        } else {
            context.flush()
        }
    }

    /// Responses already written go out before the connection closes.
    private func closeAfterFlushing(_ context: ChannelHandlerContext) {
        flushIfPending(context)
        context.close(promise: nil)
    }

    private func flushIfPending(_ context: ChannelHandlerContext) {
        guard flushPending else { return }
        flushPending = false
        context.flush()
    }

    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maxQueuedRequests || quiescing {
            heldRead = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            queue.removeAll()
            if !inFlight { closeAfterFlushing(context) }
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            if !inFlight && queue.isEmpty {
                logger.info("closing connection idle for longer than connections.max.idle.ms")
                closeAfterFlushing(context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let frameError = error as? RequestFrameError {
            logger.warning("closing connection: \(frameError)")
        } else if let ioError = error as? IOError, ioError.errnoCode == ECONNRESET || ioError.errnoCode == EPIPE {
            logger.debug("connection reset: \(ioError)")
        } else {
            logger.warning("closing connection after error: \(error)")
        }
        closed = true
        closeAfterFlushing(context)
    }

    // MARK: Requests

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && waitingForWritability {
            waitingForWritability = false
            processNext(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    private func processNext(context: ChannelHandlerContext) {
        guard !inFlight, !closed else { return }
        // Responses a client has not read yet stay bounded by NIO's write-buffer watermark: the
        // next request waits until the socket drains.
        guard context.channel.isWritable else {
            flushIfPending(context)
            waitingForWritability = true
            return
        }
        guard let frame = queue.popFirst() else {
            if quiescing { closeAfterFlushing(context) }
            return
        }
        if heldRead && queue.count < Self.maxQueuedRequests && !quiescing {
            heldRead = false
            context.read()
        }
        handle(frame, context: context)
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        guard let (rawKey, version) = RequestHeader.peekApiKeyAndVersion(frame) else {
            return closeConnection(context, "request of \(frame.readableBytes) byte(s) is too short for a request header")
        }
        guard let apiKey = ApiKey(rawValue: rawKey) else {
            return closeConnection(context, "unknown API key \(rawKey) (version \(version))")
        }
        guard SupportedApis.supports(apiKey, version: version) else {
            if apiKey == .apiVersions, let correlationId = frame.getInteger(at: frame.readerIndex + 4, as: Int32.self) {
                logger.info("ApiVersions v\(version) is not supported; answering UNSUPPORTED_VERSION")
                return send(.message(ApiVersionsHandler.unsupportedVersionResponse()), version: 0, correlationId: correlationId, context: context)
            }
            let range = SupportedApis.versions[apiKey].map { "\($0.lowerBound)-\($0.upperBound)" } ?? "none"
            return closeConnection(context, "\(apiKey) v\(version) is not supported (supported: \(range))")
        }
        var buffer = frame
        let header: RequestHeader
        let body: KafkaRequestBody
        do {
            header = try RequestHeader.read(from: &buffer)
            body = try KafkaRequestBody(apiKey: apiKey, version: version, from: &buffer)
        } catch {
            return closeConnection(context, "malformed \(apiKey) v\(version) request: \(error)")
        }
        let requestContext = RequestContext(
            header: header, apiKey: apiKey, listenerName: listenerName, localAddress: addresses(context).local,
            remoteAddress: addresses(context).remote, eventLoop: context.eventLoop)
        inFlight = true
        dispatcher.dispatch(body, context: requestContext)
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                self.inFlight = false
                guard !self.closed else { return }
                switch result {
                case .success(let response):
                    self.send(response, version: version, correlationId: header.correlationId, context: context)
                case .failure(let error):
                    self.closeConnection(context, "\(apiKey) v\(version) failed: \(error)")
                }
            }
    }

    private func send(_ response: KafkaResponse, version: Int16, correlationId: Int32, context: ChannelHandlerContext) {
        switch response {
        case .message(let message):
            var buffer = context.channel.allocator.buffer(capacity: 256)
            do {
                try message.writeFrame(to: &buffer, version: version, correlationId: correlationId)
            } catch {
                return closeConnection(context, "could not encode \(type(of: message).messageName) v\(version): \(error)")
            }
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            flush(context)
        case .parts(var parts):
            for part in parts.finish() {
                switch part {
                case .bytes(let bytes):
                    context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
                case .file(let region):
                    let (fileRegion, written) = Self.sendable(region, on: context.eventLoop)
                    context.write(wrapOutboundOut(.fileRegion(fileRegion)), promise: written)
                }
            }
            flush(context)
        case .none:
            break
        case .close(let reason):
            return closeConnection(context, reason)
        }
        processNext(context: context)
    }

    /// Wraps an engine file region for NIO's sendfile path without duplicating the descriptor:
    /// the `NIOFileHandle` borrows the engine's descriptor (sendfile uses explicit offsets, so
    /// regions of one file can be sent concurrently) and gives it back once the write is done;
    /// the engine's `FileDescriptor` is kept alive until then.
    private static func sendable(_ region: Engine.FileRegion, on eventLoop: any EventLoop) -> (NIOCore.FileRegion, EventLoopPromise<Void>) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: region.file.fd)
        let start = Int(region.position)
        let written = eventLoop.makePromise(of: Void.self)
        let owner = region.file
        written.futureResult.whenComplete { _ in
            _ = try? handle.takeDescriptorOwnership()
            withExtendedLifetime(owner) {}
        }
        return (NIOCore.FileRegion(fileHandle: handle, readerIndex: start, endIndex: start + region.length), written)
    }

    private func closeConnection(_ context: ChannelHandlerContext, _ reason: String) {
        logger.warning("closing connection: \(reason)")
        closed = true
        queue.removeAll()
        closeAfterFlushing(context)
    }
}
