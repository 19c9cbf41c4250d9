@testable import Engine
import Foundation
import XCTest

/// Kills a real process applying retention (SIGKILL) at each step — log start moved in memory,
/// first segment renamed `.deleted`, all renamed, checkpoints not yet written — and checks that
/// the reopened log is consistent: it starts at a segment boundary, holds a contiguous suffix of
/// what was written, and no `.deleted` file survives the open; then retention finishes the job.
final class RetentionCrashTests: XCTestCase {
    func testKillingRetentionAtEveryStepLeavesAConsistentLog() throws {
        for point in ["retention-start-moved", "retention-first-renamed", "retention-all-renamed"] {
            let directory = TemporaryDirectory("retention-crash")
            var config = LogConfig()
            config.segmentBytes = 2000
            let (manager, _) = try LogManager.open(directory: directory.path, defaultConfig: config)
            let log = try manager.getOrCreateLog(TopicPartition(topic: "events", partition: 0))
            let now = PartitionLog.systemClock()
            for tag in 0..<40 {
                // The first 30 batches are two hours old, the last 10 are new.
                var bytes = LogFixtures.batch(count: 2, valueSize: 100, timestamp: tag < 30 ? now - 7_200_000 : now, tag: tag).bytes
                _ = try log.append(&bytes)
            }
            log.updateHighWatermark(log.logEndOffset)
            try manager.close()

            let process = Process()
            process.executableURL = URL(fileURLWithPath: try CrashRecoveryTests.writerPath())
            process.arguments = ["retain", directory.path]
            process.environment = ProcessInfo.processInfo.environment.merging(["STRATA_CRASH_AT": point]) { $1 }
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(point) was not reached")

            var config2 = config
            config2.retentionMs = 3_600_000
            config2.fileDeleteDelayMs = 0
            let (reopened, _) = try LogManager.open(directory: directory.path, defaultConfig: config2)
            let after = try XCTUnwrap(reopened.log(for: TopicPartition(topic: "events", partition: 0)))
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.file("events-0")).contains { $0.hasSuffix(".deleted") }, point)
            let records = try LogFixtures.allRecords(after)
            XCTAssertEqual(records.first?.offset, after.logStartOffset, "\(point): the log starts where it says")
            XCTAssertEqual(records.map(\.offset), Array(after.logStartOffset..<80), "\(point): a contiguous suffix survives")
            XCTAssertTrue(after.segmentInfos.contains { $0.baseOffset == after.logStartOffset }, "\(point): the start is a segment boundary")
            _ = try reopened.applyRetention()
            XCTAssertLessThanOrEqual(after.logStartOffset, 60)
            XCTAssertEqual(try LogFixtures.allRecords(after).map(\.offset).suffix(20), Array(60..<80), "\(point): the new records are all there")
            try reopened.close()
        }
    }
}
