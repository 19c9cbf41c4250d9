import Synchronization

/// A few idle C codec contexts (a `ZSTD_DCtx`, an `LZ4F_dctx`, ...) kept for reuse, so that
/// compressing or decompressing a small batch does not pay for allocating and initialising one.
///
/// A context is used by one thread at a time: `withContext` takes an idle one (or creates one) and
/// puts it back afterwards, after `reset` has cleared whatever state the call left behind (an error
/// may leave a context mid-stream). At most `capacity` idle contexts are kept; beyond that they
/// are freed, so a burst of concurrent calls does not pin memory for ever.
final class CodecContextPool: Sendable {
    /// An idle context. Only the pool's lock guards it, hence the unchecked conformance.
    private struct Idle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let name: String
    private let capacity: Int
    private let create: @Sendable () -> OpaquePointer?
    private let reset: @Sendable (OpaquePointer) -> Bool
    private let destroy: @Sendable (OpaquePointer) -> Void
    private let idle = Mutex<[Idle]>([])

    /// `reset` returns false if the context cannot be reused; it is then freed.
    init(
        name: String, capacity: Int = 8,
        create: @escaping @Sendable () -> OpaquePointer?,
        reset: @escaping @Sendable (OpaquePointer) -> Bool,
        destroy: @escaping @Sendable (OpaquePointer) -> Void
    ) {
        self.name = name
        self.capacity = capacity
        self.create = create
        self.reset = reset
        self.destroy = destroy
    }

    deinit {
        idle.withLock { contexts in
            for context in contexts { destroy(context.pointer) }
        }
    }

    func withContext<Result>(
        codec: CompressionCodec, _ body: (OpaquePointer) throws(EngineError) -> Result
    ) throws(EngineError) -> Result {
        let pooled = idle.withLock { contexts in contexts.popLast() }
        guard let context = pooled?.pointer ?? create() else {
            throw .compression(codec: codec.description, reason: "cannot allocate a \(name)")
        }
        defer {
            let keep = reset(context)
                && idle.withLock { contexts in
                    guard contexts.count < capacity else { return false }
                    contexts.append(Idle(pointer: context))
                    return true
                }
            if !keep { destroy(context) }
        }
        return try body(context)
    }
}
