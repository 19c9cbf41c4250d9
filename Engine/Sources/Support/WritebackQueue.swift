import Dispatch

/// Starts writeback of appended log pages on one background thread instead of the appending one.
///
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)` does the delayed block allocation of the range and
/// builds and submits its I/O before it returns: on the append path (the network thread, for
/// inline appends) that delays every response queued behind it. Here it runs beside the appends,
/// as the kernel's own flusher threads would. A request keeps its file descriptor open until it
/// has run, so a segment deleted meanwhile is harmless (its pages are simply gone).
///
/// Requests for one file that continue each other merge while they wait, so when the disk falls
/// behind the appends the queue holds one request per file, however much is appended, and the
/// thread makes one call for all of it.
public final class WritebackQueue: @unchecked Sendable {
    public static let shared = WritebackQueue()

    private struct Request {
        let file: FileDescriptor
        var writeback: Range<Int64>
        var drop: Range<Int64>

        /// Takes `next` into this request when it continues it: writeback where this one ends,
        /// and a drop range that is empty or continues this one's (or this one has none yet).
        mutating func merge(_ next: Request) -> Bool {
            guard next.file === file, next.writeback.lowerBound == writeback.upperBound,
                  next.drop.isEmpty || drop.isEmpty || next.drop.lowerBound == drop.upperBound else { return false }
            writeback = writeback.lowerBound..<next.writeback.upperBound
            if !next.drop.isEmpty { drop = (drop.isEmpty ? next.drop.lowerBound : drop.lowerBound)..<next.drop.upperBound }
            return true
        }
    }

    let queue = DispatchQueue(label: "strata.log.writeback", qos: .utility)
    private let lock = EngineLock()
    private var pending: [Request] = []
    private var drainScheduled = false

    /// Asks for writeback of `[offset, offset + count)` of `file`, soon, in submission order,
    /// and then, when `drop` is not empty, for that older range to leave the page cache once it
    /// is on disk (`strata.log.page.cache.retain.bytes`).
    public func submit(_ file: FileDescriptor, at offset: Int64, count: Int64, drop: Range<Int64> = 0..<0) {
        let request = Request(file: file, writeback: offset..<(offset + count), drop: drop)
        let schedule = lock.withLock { () -> Bool in
            if let last = pending.lastIndex(where: { $0.file === file }), pending[last].merge(request) {
                // merged into the file's waiting request
            } else {
                pending.append(request)
            }
            defer { drainScheduled = true }
            return !drainScheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    /// Number of requests waiting (merged ones count once).
    var waitingRequests: Int { lock.withLock { pending.count } }

    private func drain() {
        while true {
            let batch = lock.withLock { () -> [Request] in
                let taken = pending
                pending = []
                if taken.isEmpty { drainScheduled = false }
                return taken
            }
            if batch.isEmpty { return }
            for request in batch {
                request.file.startWriteback(at: request.writeback.lowerBound, count: request.writeback.upperBound - request.writeback.lowerBound)
                if !request.drop.isEmpty {
                    request.file.dropFromPageCache(at: request.drop.lowerBound, count: request.drop.upperBound - request.drop.lowerBound)
                }
            }
        }
    }

    /// Returns once every request submitted before the call has been handed to the kernel.
    public func waitUntilIdle() {
        while true {
            queue.sync {}
            if lock.withLock({ pending.isEmpty && !drainScheduled }) { return }
        }
    }
}
