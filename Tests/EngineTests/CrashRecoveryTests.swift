@testable import Engine
import Foundation
import TestSupport
import XCTest

/// Kills a real writer process with SIGKILL at random moments, sometimes tears the tail of its
/// files as a power loss would, and checks after every round that recovery kept every
/// acknowledged (fsynced) batch, shows no partial batch, and numbers offsets without gaps or repeats.
final class CrashRecoveryTests: XCTestCase {
    static let rounds = Int(ProcessInfo.processInfo.environment["STRATA_CRASH_ROUNDS"] ?? "") ?? 60

    func testSIGKILLAtRandomMomentsLosesNoAcknowledgedBatch() throws {
        let directory = TemporaryDirectory("strata-crash")
        let writer = try Self.writerPath()
        var random = SeededRandom(seed: UInt64(ProcessInfo.processInfo.environment["STRATA_CRASH_SEED"] ?? "") ?? 42)
        var acknowledged: [Int: (first: Int64, last: Int64)] = [:]
        var tornRounds = 0
        for round in 0..<Self.rounds {
            let output = try runAndKill(writer, directory: directory.path, afterMilliseconds: Int.random(in: 2...60, using: &random))
            for line in output where line.hasPrefix("ACK ") {
                let fields = line.split(separator: " ")
                acknowledged[Int(fields[1])!] = (Int64(fields[2])!, Int64(fields[3])!)
            }
            if round % 3 == 1 {
                try tearTail(of: directory.path + "/crash-0", using: &random)
                tornRounds += 1
            }
            try verify(directory.path, acknowledged: acknowledged, round: round)
        }
        XCTAssertGreaterThan(acknowledged.count, Self.rounds, "the writer should get appends done between kills")
        XCTAssertGreaterThan(tornRounds, 0)
    }

    /// Opens the directory as the broker would and checks the whole log.
    private func verify(_ directory: String, acknowledged: [Int: (first: Int64, last: Int64)], round: Int) throws {
        let (manager, _) = try LogManager.open(directory: directory)
        defer { try? manager.close() }
        let log = try XCTUnwrap(manager.log(for: TopicPartition(topic: "crash", partition: 0)), "round \(round)")
        let records = try LogFixtures.allRecords(log)
        XCTAssertEqual(records.map(\.offset), Array(0..<Int64(records.count)), "round \(round): offsets must be 0..<n")
        var expectedTag = 0
        var expectedIndex = 0
        var firstOffsetOfTag: [Int: Int64] = [:]
        for record in records {
            let fields = String(decoding: record.value ?? [], as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 5, let tag = Int(fields[1]), let index = Int(fields[3]) else {
                return XCTFail("round \(round): unexpected record at offset \(record.offset)")
            }
            XCTAssertEqual(tag, expectedTag, "round \(round) offset \(record.offset)")
            XCTAssertEqual(index, expectedIndex, "round \(round) offset \(record.offset)")
            XCTAssertEqual(record.key, Array("k\(tag)-\(index)".utf8))
            XCTAssertEqual(fields[4].count, tag * 7 % 300)
            if index == 0 { firstOffsetOfTag[tag] = record.offset }
            expectedIndex += 1
            if expectedIndex == 1 + tag % 5 { expectedTag += 1; expectedIndex = 0 }
        }
        XCTAssertEqual(expectedIndex, 0, "round \(round): the last batch is partial")
        for (tag, offsets) in acknowledged {
            XCTAssertEqual(firstOffsetOfTag[tag], offsets.first, "round \(round): acknowledged batch \(tag) is missing or moved")
        }
    }

    private func runAndKill(_ writer: String, directory: String, afterMilliseconds delay: Int) throws -> [String] {
        try CrashWriterProcess.runAndKill(writer, arguments: [directory], afterMilliseconds: delay)
    }

    /// What a power loss can leave at the end of the active segment: a partial batch, garbage, or
    /// zeros; and sometimes a scribbled index.
    private func tearTail(of partition: String, using random: inout SeededRandom) throws {
        let logs = try FileManager.default.contentsOfDirectory(atPath: partition).filter { $0.hasSuffix(".log") }.sorted()
        guard let active = logs.last else { return }
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: partition + "/" + active))
        handle.seekToEndOfFile()
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            let batch = LogFixtures.batch(count: 2, baseOffset: 1 << 40).bytes
            handle.write(Data(batch[..<Int.random(in: 1..<batch.count, using: &random)]))
        case 1:
            handle.write(Data(random.bytes(Int.random(in: 1...200, using: &random))))
        default:
            handle.write(Data(count: Int.random(in: 1...5000, using: &random)))
        }
        try handle.close()
        if Bool.random(using: &random) {
            let index = partition + "/" + active.replacingOccurrences(of: ".log", with: ".index")
            if let index = FileHandle(forWritingAtPath: index) {
                index.write(Data(random.bytes(16)))
                try index.close()
            }
        }
    }

    /// The writer is built next to the test executable (`.build/<config>/`).
    static func writerPath() throws -> String {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("strata-crash-writer").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw EngineError.invalidArgument("strata-crash-writer was not built next to the tests in \(directory.path)")
        }
        return candidate
    }
}
