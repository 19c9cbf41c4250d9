import NIOCore

/// Writes pipelined requests and matches each response frame to the oldest request still
/// waiting, checking the correlation id: a Kafka broker answers one connection's requests in order.
final class PerfResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PerfRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<PerfRequest>()
    private let address: String

    init(address: String) { self.address = address }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if request.expectsResponse {
            waiting.append(request)
            context.write(wrapOutboundOut(request.frame), promise: promise)
        } else {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                switch result {
                case .success: request.promise.succeed(nil)
                case .failure(let error): request.promise.fail(error)
                }
            }
            written.futureResult.cascade(to: promise)
            context.write(wrapOutboundOut(request.frame), promise: written)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.getInteger(at: frame.readerIndex, as: Int32.self) ?? -1
        guard let next = waiting.popFirst() else {
            return failAll(context: context, ClientError("\(address) sent a response (correlation id \(id)) to no request"))
        }
        guard next.correlationId == id else {
            next.promise.fail(ClientError("\(address) answered correlation id \(id), expected \(next.correlationId)"))
            return failAll(context: context, ClientError("\(address) answered out of order"))
        }
        next.promise.succeed(frame)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(context: context, ClientError("connection to \(address) failed: \(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(context: context, ClientError("\(address) closed the connection"))
        context.fireChannelInactive()
    }

    private func failAll(context: ChannelHandlerContext, _ error: ClientError) {
        while let request = waiting.popFirst() { request.promise.fail(error) }
        context.close(promise: nil)
    }
}
