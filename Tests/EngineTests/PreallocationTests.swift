@testable import Engine
import Foundation
import XCTest

/// `strata.log.preallocate.bytes`: the active segment's disk space is reserved ahead of the
/// appends without changing the file's size, and given back when the segment stops being active.
final class PreallocationTests: XCTestCase {
    private let step = 1 << 20

    func testTheActiveSegmentReservesSpaceAheadAndARollGivesBackWhatItDidNotUse() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(in: directory, segmentBytes: 3 << 20)
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 1_500_000)

        let active = try file(of: log, segment: 0)
        let size = try active.size()
        XCTAssertEqual(size, try XCTUnwrap(log.segmentInfos.last).size, "the file's size is what was appended")
        let allocated = try active.allocatedBytes()
        try skipUnlessPreallocated(allocated: allocated, size: size)
        XCTAssertGreaterThanOrEqual(allocated, 2 << 20, "reserved up to the next 1 MiB step")

        // Appends run past segment.bytes: the log rolls, and the old segment keeps only its data.
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 2_000_000)
        XCTAssertEqual(log.segmentInfos.count, 2)
        let rolled = try file(of: log, segment: 0)
        XCTAssertLessThan(try rolled.allocatedBytes(), try rolled.size() + 4096 * 2, "the unused reservation is given back")
        let newActive = try file(of: log, segment: 1)
        XCTAssertGreaterThan(try newActive.allocatedBytes(), try newActive.size(), "the new active segment reserves ahead")
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<log.logEndOffset))
    }

    func testCloseGivesBackTheReservationAndTheLogReopensWhole() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.preallocateBytes = step
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 300_000)
        let active = try file(of: log, segment: 0)
        try skipUnlessPreallocated(allocated: try active.allocatedBytes(), size: try active.size())
        let end = log.logEndOffset
        try log.close()
        XCTAssertLessThan(try active.allocatedBytes(), try active.size() + 4096 * 2)

        let (reopened, _) = try LogFixtures.open(directory.path, config: config)
        XCTAssertEqual(reopened.logEndOffset, end)
        XCTAssertEqual(try LogFixtures.allRecords(reopened).map(\.offset), Array(0..<end))
        try reopened.close()
    }

    /// A crash leaves the reservation past the end of the file: recovery reads only what was
    /// appended, appends go on, and a truncation frees the reservation with the cut; a log
    /// reopened after a crash and closed without appends gives it back too.
    func testAfterACrashTheReservationPastTheEndIsHarmless() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.preallocateBytes = step
        do {
            let (log, _) = try LogFixtures.open(directory.path, config: config)
            try LogFixtures.appendBatches(to: log, records: 20, bytes: 300_000)
            let active = try file(of: log, segment: 0)
            try skipUnlessPreallocated(allocated: try active.allocatedBytes(), size: try active.size())
            // no close: as after SIGKILL, the log is opened again without a clean shutdown
        }
        let reopen = { try LogFixtures.open(directory.path, config: config, checkpoints: PartitionLogCheckpoints(hadCleanShutdown: false)).log }
        do {
            let log = try reopen()
            let end = log.logEndOffset
            XCTAssertGreaterThan(end, 0)
            XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<end))
            let file = try file(of: log, segment: 0)
            XCTAssertGreaterThan(try file.allocatedBytes(), try file.size())

            _ = try log.truncate(to: end / 2)
            XCTAssertLessThan(try file.allocatedBytes(), try file.size() + 4096 * 2, "the truncation freed the blocks past the cut")
            try LogFixtures.appendBatches(to: log, records: 20, bytes: 100_000)
            XCTAssertGreaterThan(try file.allocatedBytes(), try file.size(), "appends reserve again")
            XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<log.logEndOffset))
            // no close: a second crash
        }
        let log = try reopen()
        let file = try file(of: log, segment: 0)
        XCTAssertGreaterThan(try file.allocatedBytes(), try file.size())
        try log.close()
        XCTAssertLessThan(try file.allocatedBytes(), try file.size() + 4096 * 2, "closing without appends gave back what the crash left")
    }

    func testNoReservationGoesPastSegmentBytes() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.preallocateBytes = 4 << 20
        config.segmentBytes = 1_000_000
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 300_000)
        let active = try file(of: log, segment: 0)
        try skipUnlessPreallocated(allocated: try active.allocatedBytes(), size: try active.size())
        XCTAssertLessThanOrEqual(try active.allocatedBytes(), 1_000_000 + 4096, "reserved up to segment.bytes, not a whole 4 MiB step")
        try log.close()
    }

    /// Kafka's `preallocate` topic config: the whole segment is reserved at once.
    func testPreallocateReservesTheWholeSegmentAndARollGivesBackTheRest() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(in: directory, segmentBytes: 6 << 20, preallocate: true)
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 300_000)
        let active = try file(of: log, segment: 0)
        let size = try active.size()
        let allocated = try active.allocatedBytes()
        try skipUnlessPreallocated(allocated: allocated, size: size)
        XCTAssertEqual(size, try XCTUnwrap(log.segmentInfos.last).size, "the file's size is what was appended")
        XCTAssertGreaterThanOrEqual(allocated, (6 << 20) - 4096, "the whole segment is reserved, not one 1 MiB step")
        XCTAssertLessThanOrEqual(allocated, (6 << 20) + 4096, "and nothing past segment.bytes")

        try log.roll()
        XCTAssertLessThan(try active.allocatedBytes(), try active.size() + 4096 * 2, "the unused reservation is given back")
        XCTAssertEqual(try LogFixtures.allRecords(log).map(\.offset), Array(0..<log.logEndOffset))
        try log.close()
    }

    func testWithPreallocationOffTheFileHoldsOnlyItsData() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.preallocateBytes = 0
        let (log, _) = try LogFixtures.open(directory.path, config: config)
        try LogFixtures.appendBatches(to: log, records: 20, bytes: 300_000)
        try log.flush()
        let active = try file(of: log, segment: 0)
        XCTAssertLessThan(try active.allocatedBytes(), try active.size() + 4096 * 2)
        try log.close()
    }

    /// A log reserving `step` bytes at a time, or whole segments with `preallocate`.
    private func openLog(in directory: TemporaryDirectory, segmentBytes: Int, preallocate: Bool = false) throws -> PartitionLog {
        var config = LogConfig()
        config.preallocateBytes = step
        config.segmentBytes = segmentBytes
        config.preallocate = preallocate
        return try LogFixtures.open(directory.path, config: config).log
    }

    private func file(of log: PartitionLog, segment: Int) throws -> FileDescriptor {
        try FileDescriptor(path: log.segmentInfos[segment].logPath, mode: .readOnly)
    }

    /// Skips where the file system cannot reserve space past the end of a file.
    private func skipUnlessPreallocated(allocated: Int64, size: Int64) throws {
        if allocated <= size + 4096 { throw XCTSkip("this file system does not preallocate (fallocate KEEP_SIZE)") }
    }
}
