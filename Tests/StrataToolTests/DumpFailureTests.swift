import Engine
import XCTest

/// `strata dump` on damaged and garbage files: clear errors naming file and byte, non-zero exit,
/// no crash.
final class DumpFailureTests: DumpTestCase {
    func testFlippedByteFailsItsCRC() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let batches = try PartitionFixture.batches(in: copy.firstLog)
        let damaged = batches[1].position
        try flipByte(in: copy.firstLog, at: damaged + Int64(RecordBatchHeader.size) + 5)

        let verify = try StrataTool.dump("--verify", copy.firstLog)
        XCTAssertTrue(verify.exited)
        XCTAssertEqual(verify.status, 1)
        let lines = verify.lines.filter { $0.hasPrefix("baseOffset:") }
        XCTAssertEqual(lines.count, batches.count, "--verify reads past a batch whose framing holds")
        XCTAssertTrue(lines[1].hasSuffix("isvalid: false"), lines[1])
        XCTAssertEqual(lines.filter { $0.hasSuffix("isvalid: true") }.count, batches.count - 1)
        XCTAssertTrue(verify.stdout.contains("Problems in :\(copy.firstLog)"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("corrupt record batch in \(copy.firstLog) at byte \(damaged): CRC mismatch"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("Verified \(copy.firstLog): FAILED, 1 problem"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("Verification failed: 1 problem in 1 of 1 file"), verify.stdout)

        // Without --verify: what was read, then the error, and a non-zero exit.
        let plain = try StrataTool.dump(copy.firstLog)
        XCTAssertEqual(plain.status, 1)
        XCTAssertEqual(plain.lines.filter { $0.hasPrefix("baseOffset:") }.count, 2)
        XCTAssertTrue(plain.stderr.hasPrefix("strata dump: corrupt record batch in \(copy.firstLog) at byte \(damaged): CRC mismatch: stored 0x"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("--verify checks the rest"), plain.stderr)
    }

    func testTornTailIsReportedWithItsPosition() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let batches = try PartitionFixture.batches(in: copy.secondLog)
        let last = batches[batches.count - 1].position
        try truncate(copy.secondLog, to: last + 30)

        for arguments in [[copy.secondLog], ["--verify", copy.secondLog]] {
            let run = try StrataTool.run(["dump"] + arguments)
            XCTAssertEqual(run.status, 1, "\(arguments)")
            XCTAssertEqual(run.lines.filter { $0.hasPrefix("baseOffset:") }.count, batches.count - 1)
            let report = run.stdout + run.stderr
            XCTAssertTrue(report.contains("corrupt record batch in \(copy.secondLog) at byte \(last): truncated"), report)
            XCTAssertTrue(report.contains("(torn tail: the last 30 bytes, from byte \(last), hold no whole batch)"), report)
        }
        // The index of that segment now points past the end of the log.
        let index = try StrataTool.dump("--verify", copy.file(12, SegmentFileName.offsetIndex))
        XCTAssertEqual(index.status, 1)
        XCTAssertTrue(index.stdout.contains("position: \(last) lies where \(copy.secondLog) cannot be read"), index.stdout)
    }

    func testZeroFilledTailIsNamed() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let size = try read(copy.secondLog).count
        try write(try read(copy.secondLog) + [UInt8](repeating: 0, count: 4096), to: copy.secondLog)
        let run = try StrataTool.dump("--verify", copy.secondLog)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("at byte \(size): batch length 0 is below the minimum"), run.stdout)
        XCTAssertTrue(run.stdout.contains("(zero-filled tail: the last 4096 bytes, from byte \(size), are zeros"), run.stdout)
    }

    func testOffsetsGoingBackwardsAreCaught() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let batches = try PartitionFixture.batches(in: copy.secondLog)
        // The base offset lies outside the CRC: rewrite the last batch's to the first one's.
        var bytes = try read(copy.secondLog)
        let at = Int(batches[2].position)
        bytes.replaceSubrange(at..<(at + 8), with: bytes[0..<8])
        try write(bytes, to: copy.secondLog)
        let run = try StrataTool.dump("--verify", copy.secondLog)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("corrupt record batch in \(copy.secondLog) at byte \(at): offsets go backwards: base offset 12 is not above last offset 15 of the batch at byte \(batches[1].position)"), run.stdout)
    }

    func testRecordsThatDoNotDecodeAreAProblem() throws {
        // A batch with a valid CRC whose first record has the wrong length.
        let directory = try scratchDirectory()
        let first = try PartitionFixture.batches(in: fixture.firstLog)[0]
        var batch = Array(try read(fixture.firstLog)[0..<first.header.totalSize])
        batch[RecordBatchHeader.size] = 0x7e // the first record's length varint: 63, not its real length
        let crc = batch.withUnsafeBytes { RecordBatchHeader.computeCRC($0) }
        batch.replaceSubrange(17..<21, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let path = directory + "/00000000000000000000.log"
        try write(batch + batch, to: path)

        let records = try StrataTool.dump("--records", path)
        XCTAssertEqual(records.status, 1)
        XCTAssertEqual(records.lines.filter { $0.hasSuffix("isvalid: true") }.count, 2, "the batches themselves pass their checks")
        XCTAssertTrue(records.stderr.contains("strata dump: corrupt record batch in \(path) at byte 0: record 0 at byte 0 of the records section: "), records.stderr)

        let verify = try StrataTool.dump("--verify", path)
        XCTAssertEqual(verify.status, 1)
        XCTAssertTrue(verify.stdout.contains("Verified \(path): FAILED, 3 problems"), verify.stdout) // two undecodable, one offset going back
    }

    func testRandomBytesAreRejectedWithoutACrash() throws {
        let directory = try scratchDirectory()
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for suffix in [".log", ".index", ".timeindex", ".txnindex"] {
            try write(garbage, to: directory + "/00000000000000000000" + suffix)
        }
        let log = try StrataTool.dump(directory + "/00000000000000000000.log")
        XCTAssertTrue(log.exited, "strata crashed: \(log.stderr)")
        XCTAssertEqual(log.status, 1)
        XCTAssertTrue(log.stderr.contains("strata dump: corrupt record batch in \(directory)/00000000000000000000.log at byte "), log.stderr)

        for arguments in [["--verify", "--records", directory], ["--verify", "--records", "--json", directory]] {
            let run = try StrataTool.run(["dump"] + arguments)
            XCTAssertTrue(run.exited, "strata crashed on \(arguments): \(run.stderr)")
            XCTAssertEqual(run.status, 1)
        }

        // A plausible batch length over garbage: framed, but not a valid batch.
        var framed = garbage
        framed.replaceSubrange(0..<12, with: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00])
        try write(framed, to: directory + "/00000000000000000000.log")
        let run = try StrataTool.dump("--verify", "--records", directory + "/00000000000000000000.log")
        XCTAssertTrue(run.exited, run.stderr)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("corrupt record batch in \(directory)/00000000000000000000.log at byte 0: "), run.stdout)
    }

    func testEmptyFilesAreEmptySegments() throws {
        let directory = try scratchDirectory()
        for suffix in [".log", ".index", ".timeindex"] {
            try write([], to: directory + "/00000000000000000005" + suffix)
        }
        let run = try StrataTool.dump("--verify", directory)
        XCTAssertTrue(run.exited)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("Note: \(directory)/00000000000000000005.log is empty: the segment holds no batches yet"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Total: 0 batches, 0 records, 0 bytes"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Total: 0 entries, 0 bytes"), run.stdout)
    }

    func testMissingFileIsAClearError() throws {
        let missing = fixture.directory + "/00000000000000000099.log"
        let run = try StrataTool.dump(missing)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderr, "strata dump: no such file: \(missing)\n")

        // The other files are still dumped; the summary counts the failure.
        let mixed = try StrataTool.dump(missing, fixture.secondLog)
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stdout.contains("baseOffset: 12 lastOffset: 13"))
        XCTAssertTrue(mixed.stderr.contains("strata dump: 1 problem in 1 of 2 files"), mixed.stderr)

        let unknown = try StrataTool.dump(fixture.directory + "/leader-epoch-checkpoint")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("cannot tell what"), unknown.stderr)
    }
}
