@testable import Engine
import Foundation
import XCTest

/// `strata.log.writeback.bytes`: the active segment's appended pages are handed to the disk as
/// they gather (by `WritebackQueue`'s thread), so no more than that many bytes (plus the page at
/// the tail) wait dirty in memory once it has caught up.
final class WritebackTests: XCTestCase {
    private let pageSize: UInt64 = 4096

    func testAppendsKeepAtMostWritebackBytesDirtyAndTruncationResumesFromTheNewEnd() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.writebackBytes = 1 << 20
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        let bound = UInt64(config.writebackBytes) / pageSize + 1

        try LogFixtures.appendBatches(to: log, records: 60, bytes: 8 << 20)
        let state = try dirtyState(of: log)
        XCTAssertGreaterThan(state.cachedPages, 1024, "the appended pages are in the page cache")
        XCTAssertLessThanOrEqual(state.dirtyPages, bound, "\(state)")

        // A truncation below what was handed to writeback: appends go on from the new end, and
        // writeback follows them there.
        let cut = log.logEndOffset / 4
        _ = try log.truncate(to: cut)
        try LogFixtures.appendBatches(to: log, records: 60, bytes: 4 << 20)
        XCTAssertLessThanOrEqual(try dirtyState(of: log).dirtyPages, bound)
        let records = try LogFixtures.allRecords(log)
        XCTAssertEqual(records.map(\.offset), Array(0..<log.logEndOffset), "offsets continue after the cut")
    }

    func testWithWritebackOffTheAppendedPagesStayDirty() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.writebackBytes = 0
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 60, bytes: 8 << 20)
        // The kernel's own flusher writes pages back only after 30 s (or under memory pressure),
        // so right after the appends nearly all of them are still dirty.
        XCTAssertGreaterThan(try dirtyState(of: log).dirtyPages, 1024)
    }

    /// `strata.log.page.cache.retain.bytes`: once written back, pages further than that behind
    /// the tail leave the page cache; every record still reads back (from disk).
    func testPagesBeyondTheRetainedTailLeaveThePageCache() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.writebackBytes = 1 << 20
        config.pageCacheRetainBytes = 2 << 20
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 60, bytes: 16 << 20)
        let state = try dirtyState(of: log)
        // the retained 2 MiB, the range just handed over and the tail since then: under 5 MiB
        XCTAssertLessThan(state.cachedPages, UInt64(5 << 20) / pageSize, "\(state)")
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<log.logEndOffset))
        try log.close()
    }

    func testWithoutARetainLimitWrittenPagesStayCached() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.writebackBytes = 1 << 20
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 60, bytes: 16 << 20)
        XCTAssertGreaterThan(try dirtyState(of: log).cachedPages, UInt64(15 << 20) / pageSize)
        try log.close()
    }

    /// While the writeback thread is behind, continuing requests for a file merge into one: the
    /// queue holds a request per file, not per MiB appended, and all of it is handed over.
    func testRequestsWaitingForTheThreadMergePerFile() throws {
        let directory = TemporaryDirectory()
        let first = try FileDescriptor(path: directory.file("a.log"), mode: .createReadWrite)
        let second = try FileDescriptor(path: directory.file("b.log"), mode: .createReadWrite)
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        let queue = WritebackQueue()
        queue.queue.suspend()  // the thread is busy elsewhere
        for index in 0..<8 {
            for file in [first, second] {
                let offset = Int64(index) << 20
                try chunk.withUnsafeBytes { bytes in try file.write(bytes, at: offset) }
                queue.submit(file, at: Int64(index) << 20, count: 1 << 20)
            }
        }
        XCTAssertEqual(queue.waitingRequests, 2, "one request per file")
        queue.queue.resume()
        queue.waitUntilIdle()
        XCTAssertEqual(queue.waitingRequests, 0)
        for file in [first, second] {
            guard let state = file.pageCacheState() else { throw XCTSkip("the kernel does not report page-cache state (cachestat)") }
            if fileSystemType(of: file.path) == "tmpfs" { throw XCTSkip("tmpfs has no writeback") }
            XCTAssertEqual(state.dirtyPages, 0, "all 8 MiB of \(file.path) were handed to the disk: \(state)")
        }
    }

    /// The active segment's page-cache state once the writeback thread has handed over what it
    /// was asked for; skips where the kernel cannot report it (before Linux 6.5) or the
    /// directory is on tmpfs, whose pages are never written back.
    private func dirtyState(of log: PartitionLog) throws -> PageCacheState {
        WritebackQueue.shared.waitUntilIdle()
        let file = try FileDescriptor(path: try XCTUnwrap(log.segmentInfos.last).logPath, mode: .readOnly)
        guard let state = file.pageCacheState() else { throw XCTSkip("the kernel does not report page-cache state (cachestat)") }
        if fileSystemType(of: file.path) == "tmpfs" { throw XCTSkip("tmpfs has no writeback") }
        return state
    }

    /// The type of the file system holding `path`, from the longest matching mount point.
    private func fileSystemType(of path: String) -> String? {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return nil }
        var best: (mountPoint: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2 else { continue }
            let mountPoint = fields[1]
            let inside = path == mountPoint || path.hasPrefix(mountPoint == "/" ? "/" : mountPoint + "/")
            if inside, mountPoint.count >= (best?.mountPoint.count ?? -1) { best = (mountPoint, fields[2]) }
        }
        return best?.type
    }
}
