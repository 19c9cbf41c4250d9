@testable import Engine
import Foundation
import TestSupport
import XCTest

/// Kills a real cleaner process (SIGKILL) at every named step of a cleaning pass and swap, and at
/// random moments, then checks that the log is whole: every key's latest value readable, offsets
/// strictly increasing, no leftover half-written segment visible; and that cleaning then finishes.
final class CleanerCrashTests: XCTestCase {
    static let points = ["cleaner-map-built", "cleaner-cleaned-written", "cleaner-swap-started", "cleaner-swap-committed",
                         "cleaner-old-deleted", "cleaner-swap-half-live"]

    private func prepare(_ directory: String) throws -> [String: String?] {
        let (manager, _) = try LogManager.open(directory: directory, defaultConfig: LogCleanerTests.compacted())
        let log = try manager.getOrCreateLog(TopicPartition(topic: "compact", partition: 0))
        try LogCleanerTests.write(log, keys: 300, rounds: 6, tombstone: { key, round in round == 5 && key % 10 == 0 })
        try log.roll()
        let expected = try LogCleanerTests.latest(log)
        try manager.close()
        return expected
    }

    private func verify(_ directory: String, expected: [String: String?], context: String) throws {
        let (manager, _) = try LogManager.open(directory: directory, defaultConfig: LogCleanerTests.compacted())
        defer { try? manager.close() }
        let log = try XCTUnwrap(manager.log(for: TopicPartition(topic: "compact", partition: 0)), context)
        XCTAssertEqual(try LogCleanerTests.latest(log), expected, context)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/compact-0")
        XCTAssertFalse(names.contains { $0.hasSuffix(".swap") || $0.hasSuffix(".cleaned") }, "\(context): \(names)")
    }

    private func runCleaner(_ directory: String, crashAt point: String?, killAfter delay: useconds_t? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CrashRecoveryTests.writerPath())
        process.arguments = ["clean", directory]
        var environment = ProcessInfo.processInfo.environment
        if let point { environment["STRATA_CRASH_AT"] = point }
        process.environment = environment
        process.standardOutput = Pipe()
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        if let delay {
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        if process.terminationReason == .exit && process.terminationStatus != 0 {
            XCTFail("cleaner failed: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    func testKillingTheCleanerAtEveryStepLosesNothing() throws {
        for point in Self.points {
            let directory = TemporaryDirectory("cleaner-crash")
            let expected = try prepare(directory.path)
            XCTAssertEqual(try runCleaner(directory.path, crashAt: point), -SIGKILL, "\(point) was not reached")
            try verify(directory.path, expected: expected, context: "after a kill at \(point)")
            XCTAssertEqual(try runCleaner(directory.path, crashAt: nil), 0)
            try verify(directory.path, expected: expected, context: "after cleaning again from \(point)")
            let (manager, _) = try LogManager.open(directory: directory.path, defaultConfig: LogCleanerTests.compacted())
            XCTAssertEqual(try LogFixtures.allRecords(try XCTUnwrap(manager.log(for: TopicPartition(topic: "compact", partition: 0)))).count, 300)
            try manager.close()
        }
    }

    func testKillingTheCleanerAtRandomMomentsLosesNothing() throws {
        let directory = TemporaryDirectory("cleaner-random")
        let expected = try prepare(directory.path)
        var random = SeededRandom(seed: 77)
        for round in 0..<15 {
            _ = try runCleaner(directory.path, crashAt: nil, killAfter: useconds_t.random(in: 1_000...60_000, using: &random))
            try verify(directory.path, expected: expected, context: "round \(round)")
        }
    }
}
