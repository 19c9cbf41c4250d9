import Engine
import XCTest

/// `strata dump` on `.index`, `.timeindex` and `.txnindex` files, healthy and damaged.
final class DumpIndexTests: DumpTestCase {
    func testOffsetIndexEntriesPointAtBatches() throws {
        let run = try StrataTool.dump("--verify", fixture.firstIndex)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let entries = run.lines.filter { $0.hasPrefix("offset:") }
        // index.interval.bytes is 0: every batch after the first has an entry.
        let batches = try PartitionFixture.batches(in: fixture.firstLog).dropFirst()
        XCTAssertEqual(entries, batches.map { "offset: \($0.header.lastOffset) position: \($0.position)" })
        XCTAssertTrue(run.stdout.contains("Verified \(fixture.firstIndex): OK"), run.stdout)
    }

    func testTimeIndexEntries() throws {
        let run = try StrataTool.dump("--verify", fixture.firstTimeIndex)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let entries = run.lines.filter { $0.hasPrefix("timestamp:") }
        let batches = try PartitionFixture.batches(in: fixture.firstLog).dropFirst()
        XCTAssertEqual(entries, batches.map { "timestamp: \($0.header.maxTimestamp) offset: \($0.header.lastOffset)" })
    }

    func testTransactionIndexListsTheAbortedTransaction() throws {
        let run = try StrataTool.dump("--verify", fixture.firstTxnIndex)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.lines.contains { $0.hasPrefix("version: 0 producerId: 43 firstOffset: 10 lastOffset: 11 lastStableOffset: ") }, run.stdout)
    }

    func testCorruptOffsetIndexEntryIsAMismatch() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        // Entry 1's relative offset (bytes 8..<12) names the wrong offset; entry 3's position (bytes 28..<32) points mid-batch.
        var bytes = try read(copy.firstIndex)
        bytes[11] &-= 1
        bytes[31] &+= 3
        try write(bytes, to: copy.firstIndex)
        let batches = try PartitionFixture.batches(in: copy.firstLog)

        let plain = try StrataTool.dump(copy.firstIndex)
        XCTAssertEqual(plain.status, 0, "without --verify the entries are only printed")

        let run = try StrataTool.dump("--verify", copy.firstIndex)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("Mismatches in :\(copy.firstIndex)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("entry 1 at byte 8 of \(copy.firstIndex): Index offset: \(batches[2].header.lastOffset - 1), log offset: \(batches[2].header.lastOffset)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("entry 3 at byte 24 of \(copy.firstIndex): Index offset: \(batches[4].header.lastOffset), position: \(batches[4].position + 3): no batch"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Verified \(copy.firstIndex): FAILED, 2 mismatches"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Verification failed: 2 problems in 1 of 1 file"), run.stdout)
    }

    func testCorruptTimeIndexEntryIsAMismatch() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        var bytes = try read(copy.firstTimeIndex)
        bytes[TimeIndexEntry.size + 11] = 200      // entry 1's offset: far past the log
        bytes.replaceSubrange(24..<32, with: bytes[0..<8]) // entry 2's timestamp: back to entry 0's
        try write(bytes, to: copy.firstTimeIndex)
        let run = try StrataTool.dump("--verify", copy.firstTimeIndex)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("Mismatches in :\(copy.firstTimeIndex)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("entry 1 at byte 12 of \(copy.firstTimeIndex): Index timestamp: "), run.stdout)
        XCTAssertTrue(run.stdout.contains("offset: 200 is not in \(copy.firstLog)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("entry 2 at byte 24 of \(copy.firstTimeIndex): timestamp "), run.stdout)
        XCTAssertTrue(run.stdout.contains("does not rise above the previous entry's timestamp"), run.stdout)
    }

    func testPartialEntryAndPreallocatedTail() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let original = try read(copy.firstIndex)
        try write(original + [UInt8](repeating: 0, count: 8 * 100), to: copy.firstIndex)
        let preallocated = try StrataTool.dump("--verify", copy.firstIndex)
        XCTAssertEqual(preallocated.status, 0, preallocated.stdout + preallocated.stderr)
        XCTAssertTrue(preallocated.stdout.contains("Note: 100 zero entries from byte \(original.count)"), preallocated.stdout)
        XCTAssertEqual(preallocated.lines.filter { $0.hasPrefix("offset:") }.count, original.count / 8)

        try write(original + [1, 2, 3], to: copy.firstIndex)
        let partial = try StrataTool.dump(copy.firstIndex)
        XCTAssertEqual(partial.status, 1)
        XCTAssertTrue(partial.stderr.contains("strata dump: partial entry in \(copy.firstIndex) at byte \(original.count): the last 3 bytes"), partial.stderr)
    }

    func testIndexWithoutItsLogIsCheckedAgainstItself() throws {
        let directory = try scratchDirectory()
        let lone = directory + "/00000000000000000000.index"
        try FileManager.default.copyItem(atPath: fixture.firstIndex, toPath: lone)
        let run = try StrataTool.dump("--verify", lone)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("Note: no \(directory)/00000000000000000000.log beside \(lone)"), run.stdout)
    }
}
