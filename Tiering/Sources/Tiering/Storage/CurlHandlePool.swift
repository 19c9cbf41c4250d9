import Synchronization

/// A few idle libcurl easy handles kept for reuse, so that consecutive requests (the parts of an
/// upload, the pages of a listing, the ranged reads of a fetch) ride on open connections instead
/// of paying a TCP and TLS handshake each.
///
/// `withHandle` lends a handle to one thread for one request and takes it back. A handle that
/// failed at the transport level is dropped rather than pooled (its connection may be wedged).
/// At most `capacity` idle handles are kept; a burst of concurrent requests beyond that gets new
/// handles that are freed afterwards.
final class CurlHandlePool: Sendable {
    private let capacity: Int
    private let idle = Mutex<[CurlEasy]>([])

    init(capacity: Int = 16) {
        self.capacity = capacity
    }

    /// Runs `body` with a handle; nil if libcurl cannot make one (out of memory, init failed).
    func withHandle<Result>(_ body: (CurlEasy) -> (Result, reusable: Bool)) -> Result? {
        let pooled = idle.withLock { $0.popLast() }
        guard let handle = pooled ?? CurlEasy() else { return nil }
        let (result, reusable) = body(handle)
        if reusable {
            idle.withLock { handles in
                if handles.count < capacity { handles.append(handle) }
            }
        }
        return result
    }
}
