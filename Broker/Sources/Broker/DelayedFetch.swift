import Engine
import NIOCore

/// A fetch waiting for `minBytes` of data or `maxWaitMs`, whichever comes first (Kafka's
/// DelayedFetch). Appends to any of its partitions wake it (`FetchWaiters`); it then reads again
/// on an I/O thread and answers if enough data is there. The timer answers with whatever is there.
/// Either answer goes through `FetchHandler.respond`, so a fetch in a session is answered
/// incrementally (only partitions with news) however long it waited.
///
/// Concurrency: all state is confined to the connection's event loop; the wake callback, which
/// runs on the appending thread, only hops onto it.
final class DelayedFetch: @unchecked Sendable {
    private let handler: FetchHandler
    private let plan: FetchHandler.Plan
    private let eventLoop: any EventLoop
    private let promise: EventLoopPromise<KafkaResponse>
    private var token: UInt64 = 0
    private var timer: Scheduled<Void>?
    private var reading = false
    private var wokenWhileReading = false
    private var timedOut = false
    private var done = false

    init(handler: FetchHandler, plan: FetchHandler.Plan, eventLoop: any EventLoop) {
        self.handler = handler
        self.plan = plan
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
    }

    /// Registers for wake-ups and arms the timer. Called on the event loop.
    func start() -> EventLoopFuture<KafkaResponse> {
        eventLoop.assertInEventLoop()
        let partitions = plan.entries.compactMap { $0.log?.topicPartition }
        token = handler.waiters.register(partitions) { [self] in
            eventLoop.execute { self.wake() }
        }
        timer = eventLoop.scheduleTask(in: .milliseconds(plan.maxWaitMs)) { [self] in
            timedOut = true
            wake()
        }
        // An append between the first read and the registration would otherwise be missed.
        wake()
        return promise.futureResult
    }

    private func wake() {
        eventLoop.assertInEventLoop()
        guard !done else { return }
        guard !reading else {
            wokenWhileReading = true
            return
        }
        reading = true
        wokenWhileReading = false
        let handler = handler
        let plan = plan
        handler.readPass(plan, on: eventLoop).whenComplete { [self] result in
            reading = false
            switch result {
            case .success(let pass):
                if timedOut || pass.hasError || pass.bytes >= plan.minBytes || handler.stopping.withLockedValue({ $0 }) {
                    finish(.success(handler.respond(plan, pass)))
                } else if wokenWhileReading {
                    wake()
                }
            case .failure(let error):
                finish(.failure(error))
            }
        }
    }

    private func finish(_ result: Result<KafkaResponse, any Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        handler.waiters.unregister(token)
        promise.completeWith(result)
    }
}
