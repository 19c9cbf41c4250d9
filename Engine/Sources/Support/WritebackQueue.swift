import Dispatch

/// Starts writeback of appended log pages on one background thread instead of the appending one.
///
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)` does the delayed block allocation of the range and
/// builds and submits its I/O before it returns: on the append path (the network thread, for
/// inline appends) that delays every response queued behind it. Here it runs beside the appends,
/// as the kernel's own flusher threads would. A request keeps its file descriptor open until it
/// has run, so a segment deleted meanwhile is harmless (its pages are simply gone).
public final class WritebackQueue: Sendable {
    public static let shared = WritebackQueue()

    private let queue = DispatchQueue(label: "strata.log.writeback", qos: .utility)

    /// Asks for writeback of `[offset, offset + count)` of `file`, soon, in submission order,
    /// and then, when `drop` is not empty, for that older range to leave the page cache once it
    /// is on disk (`strata.log.page.cache.retain.bytes`).
    public func submit(_ file: FileDescriptor, at offset: Int64, count: Int64, drop: Range<Int64> = 0..<0) {
        queue.async {
            file.startWriteback(at: offset, count: count)
            if !drop.isEmpty { file.dropFromPageCache(at: drop.lowerBound, count: drop.upperBound - drop.lowerBound) }
        }
    }

    /// Returns once every request submitted before the call has been handed to the kernel.
    public func waitUntilIdle() {
        queue.sync {}
    }
}
