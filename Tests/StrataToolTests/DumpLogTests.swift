import Engine
import XCTest

/// `strata dump` on healthy `.log` files and directories.
final class DumpLogTests: DumpTestCase {
    func testLogPrintsOneLinePerBatchWithHeaderFields() throws {
        let run = try StrataTool.dump(fixture.firstLog)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let batches = run.lines.filter { $0.hasPrefix("baseOffset:") }
        XCTAssertEqual(batches.count, 6)
        XCTAssertEqual(run.lines.first, "Dumping \(fixture.firstLog)")
        XCTAssertTrue(batches[0].hasPrefix("baseOffset: 0 lastOffset: 2 count: 3 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 4 isTransactional: false isControl: false position: 0 "), batches[0])
        XCTAssertTrue(batches[0].contains("baseTimestamp: 1700000000000 maxTimestamp: 1700000000002 timestampType: CreateTime magic: 2 compresscodec: none crc: "), batches[0])
        XCTAssertTrue(batches[1].contains("baseOffset: 3 lastOffset: 6 count: 4"), batches[1])
        XCTAssertTrue(batches[1].contains("compresscodec: gzip"), batches[1])
        XCTAssertTrue(batches[2].contains("baseOffset: 7 lastOffset: 8 count: 2 baseSequence: 0 lastSequence: 1 producerId: 42 producerEpoch: 3"), batches[2])
        XCTAssertTrue(batches[2].contains("isTransactional: true isControl: false"), batches[2])
        XCTAssertTrue(batches[2].contains("compresscodec: zstd"), batches[2])
        XCTAssertTrue(batches[3].contains("baseOffset: 9 lastOffset: 9 count: 1"), batches[3])
        XCTAssertTrue(batches[3].contains("isTransactional: true isControl: true"), batches[3])
        XCTAssertTrue(batches.allSatisfy { $0.hasSuffix("isvalid: true") })
        XCTAssertFalse(run.stdout.contains("| offset:"), "records are printed only with --records")

        // Positions and CRCs are those the engine sees.
        let engine = try PartitionFixture.batches(in: fixture.firstLog)
        for (line, batch) in zip(batches, engine) {
            XCTAssertTrue(line.contains(" position: \(batch.position) size: \(batch.header.totalSize) "), line)
            XCTAssertTrue(line.contains(" crc: \(batch.header.crc) "), line)
        }
        XCTAssertTrue(run.stdout.contains("Total: 6 batches, 12 records, "), run.stdout)
    }

    func testRecordsShowKeysValuesHeadersAndControlMarkers() throws {
        let run = try StrataTool.dump("--records", fixture.firstLog)
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = run.lines.filter { $0.hasPrefix("| offset:") }
        XCTAssertEqual(records.count, 12)
        XCTAssertEqual(records[0], "| offset: 0 timestamp: 1700000000000 sequence: -1 keySize: 2 valueSize: 7 key: k0 value: value-0 headers: [trace=abc]")
        XCTAssertTrue(records[3].hasSuffix("keySize: -1 valueSize: 4 key: null value: gz-0 headers: []"), records[3])
        XCTAssertTrue(records[4].hasSuffix("key: bin value: 0x00ff10 headers: []"), records[4])
        XCTAssertTrue(records[5].hasSuffix("valueSize: -1 key: tomb value: null headers: []"), records[5])
        XCTAssertTrue(records[6].hasSuffix("key: h value: gz-3 headers: [bin=0x0001, empty=null]"), records[6])
        XCTAssertTrue(records[7].contains("offset: 7 timestamp: 1700000000007 sequence: 0 "), records[7])
        XCTAssertTrue(records[8].contains("sequence: 1 ") && records[8].hasSuffix("key: tx value: zstd-1 headers: []"), records[8])
        XCTAssertTrue(records[9].hasPrefix("| offset: 9 ") && records[9].hasSuffix("endTxnMarker: COMMIT coordinatorEpoch: 5"), records[9])
        XCTAssertTrue(records[11].hasPrefix("| offset: 11 ") && records[11].hasSuffix("endTxnMarker: ABORT coordinatorEpoch: 6"), records[11])

        // Kafka's spelling gives the same output.
        let kafka = try StrataTool.dump("--print-data-log", fixture.firstLog)
        XCTAssertEqual(kafka.stdout, run.stdout)
    }

    func testVerifyPassesOnAHealthyDirectory() throws {
        let run = try StrataTool.dump("--verify", "--records", fixture.directory)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        // Seven segment files and two producer snapshots (taken at the roll and at close).
        XCTAssertEqual(count("Verified ", in: run.stdout), 9)
        XCTAssertEqual(count(": OK", in: run.stdout), 9)
        XCTAssertEqual(run.lines.last, "Verification passed: 9 files")
    }

    func testDirectoryIsDumpedInOffsetOrderLogFirst() throws {
        let run = try StrataTool.dump(fixture.directory + "/")
        XCTAssertEqual(run.status, 0, run.stderr)
        let dumped = run.lines.filter { $0.hasPrefix("Dumping ") }.map { String($0.split(separator: "/").last!) }
        XCTAssertEqual(dumped, [
            "00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex", "00000000000000000000.txnindex",
            "00000000000000000012.log", "00000000000000000012.index", "00000000000000000012.timeindex", "00000000000000000012.snapshot",
            "00000000000000000018.snapshot",
        ])
        XCTAssertTrue(run.stdout.contains("baseOffset: 16 lastOffset: 17 count: 2"))
        XCTAssertFalse(run.stdout.contains("leader-epoch-checkpoint"))
    }

    func testFileWithAnotherNameNeedsBaseOffset() throws {
        let directory = try scratchDirectory()
        let copy = directory + "/copy.log"
        try FileManager.default.copyItem(atPath: fixture.secondLog, toPath: copy)
        let refused = try StrataTool.dump(copy)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("strata dump: \(copy) is not named by its base offset"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--base-offset"), refused.stderr)

        let run = try StrataTool.dump("--base-offset", "12", "--verify", copy)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("Log starting offset: 12"))
        XCTAssertTrue(run.stdout.contains("baseOffset: 12 lastOffset: 13 count: 2"))

        let unknown = try StrataTool.dump("--base-offset", "0", directory)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no segment files in \(directory)"), unknown.stderr)
    }

    func testHelpExplainsEveryFlag() throws {
        let run = try StrataTool.run(["dump", "--help"])
        XCTAssertEqual(run.status, 0)
        for flag in ["--records", "--print-data-log", "--verify", "--json", "--base-offset", "Examples:", "JSON Lines", "Exit status"] {
            XCTAssertTrue(run.stdout.contains(flag), "help lacks \(flag):\n\(run.stdout)")
        }
        let root = try StrataTool.run(["--help"])
        XCTAssertTrue(root.stdout.contains("dump"), root.stdout)
        let usage = try StrataTool.run(["dump"])
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }
}
