import NIOCore

/// One framed request on its way to the broker, with the promise its response (or, for a
/// request the broker does not answer, the write) completes.
struct PerfRequest: Sendable {
    let frame: ByteBuffer
    let correlationId: Int32
    let expectsResponse: Bool
    let promise: EventLoopPromise<ByteBuffer?>
}
