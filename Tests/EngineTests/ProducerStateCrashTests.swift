@testable import Engine
import Foundation
import TestSupport
import XCTest

/// Kills `strata-crash-writer idempotent` (an idempotent producer appending with fsync, 4 KiB
/// segments, so snapshots at every roll) with SIGKILL at random moments. After every kill the
/// directory is opened as the broker opens it, and the recovered producer state must match the
/// log: the writer resumes from that state, so any state lost or wrong shows up as a gap or a
/// repeat in the sequences stored; a retry of the last stored batch must be recognised.
final class ProducerStateCrashTests: XCTestCase {
    static let rounds = max(1, (Int(ProcessInfo.processInfo.environment["STRATA_CRASH_ROUNDS"] ?? "") ?? 60) / 3)

    func testSIGKILLedProducerStateIsRecoveredFromSnapshotsAndTheLog() throws {
        let directory = TemporaryDirectory("strata-producer-crash")
        let writer = try CrashRecoveryTests.writerPath()
        var random = SeededRandom(seed: 7)
        var acknowledged: [Int32: Int64] = [:]
        for round in 0..<Self.rounds {
            for line in try runAndKill(writer, directory: directory.path, afterMilliseconds: Int.random(in: 5...80, using: &random)) where line.hasPrefix("ACK ") {
                let fields = line.split(separator: " ")
                acknowledged[Int32(fields[1])!] = Int64(fields[2])!
            }
            try verify(directory.path, acknowledged: acknowledged, round: round)
        }
        XCTAssertGreaterThan(acknowledged.count, Self.rounds)
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/idempotent-0").filter { $0.hasSuffix(".snapshot") }
        XCTAssertGreaterThan(snapshots.count, 1, "the writer rolled segments, each with its snapshot")
    }

    private func verify(_ directory: String, acknowledged: [Int32: Int64], round: Int) throws {
        let (manager, _) = try LogManager.open(directory: directory)
        defer { try? manager.close() }
        let log = try XCTUnwrap(manager.log(for: TopicPartition(topic: "idempotent", partition: 0)), "round \(round)")
        var next: Int32 = 0
        var last: RecordBatch?
        var offset = log.logStartOffset
        var firstOffsetOfSequence: [Int32: Int64] = [:]
        while offset < log.logEndOffset {
            let batches = try log.readBatches(from: offset, maxBytes: 1 << 20, isolation: .logEnd)
            for batch in batches {
                XCTAssertEqual(batch.header.baseSequence, next, "round \(round): batch at \(batch.baseOffset) breaks the sequence")
                firstOffsetOfSequence[batch.header.baseSequence] = batch.baseOffset
                next = batch.header.baseSequence + Int32(batch.header.recordCount)
                last = batch
            }
            offset = batches.last!.lastOffset + 1
        }
        for (sequence, firstOffset) in acknowledged {
            XCTAssertEqual(firstOffsetOfSequence[sequence], firstOffset, "round \(round): acknowledged batch \(sequence) is missing or moved")
        }
        guard let last else { return }
        let state = try XCTUnwrap(log.producerState(of: 7), "round \(round)")
        XCTAssertEqual(state.lastSequence, next - 1, "round \(round)")
        XCTAssertEqual(state.lastDataOffset, last.lastOffset, "round \(round)")
        var retry = last.bytes
        retry.storeBigEndian(Int64(0), at: 0)
        let end = log.logEndOffset
        let result = try log.append(&retry)
        XCTAssertTrue(result.isDuplicate, "round \(round)")
        XCTAssertEqual(result.firstOffset, last.baseOffset, "round \(round)")
        XCTAssertEqual(log.logEndOffset, end, "round \(round)")
    }

    private func runAndKill(_ writer: String, directory: String, afterMilliseconds delay: Int) throws -> [String] {
        try CrashWriterProcess.runAndKill(writer, arguments: ["idempotent", directory], afterMilliseconds: delay)
    }
}
